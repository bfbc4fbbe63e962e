"""Rate limits (gateway/limits/rates.py): a bucket of cost points per caller, in process
or shared through the real Redis on 127.0.0.1:6379 (keys under a prefix of this run);
RATE_LIMITED with HTTP 429 and Retry-After, nothing executed; RateLimit-* headers and
the `rateLimit` field on every answer."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest
from redis import asyncio as aioredis

from gateway.auth.jwt_tokens import mint_development_token
from gateway.auth.viewer import Role
from gateway.limits.rates import LocalBuckets, RedisBuckets
from gateway.settings import Settings
from tests.graph import callers, client_for
from tests.test_statement_counts import count_statements

REDIS_URL = "redis://127.0.0.1:6379/0"
TEN = "{ " + " ".join(f"v{i}: viewer {{ role }}" for i in range(10)) + " }"
"""Ten viewer objects: costs 10, estimated and actual."""

SMALL = {"bucket": 25, "restore_rate": 1}


def _small(settings: Settings, *roles: str, **changes: object) -> Settings:
    return dataclasses.replace(settings, limit_overrides={role: SMALL for role in roles}, **changes)


async def _post(client, query: str, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.post("/graphql", json={"query": query}, headers=headers)


async def test_a_bucket_refills_at_its_rate_and_never_beyond_full() -> None:
    now = [0.0]
    buckets = LocalBuckets(clock=lambda: now[0])
    assert (await buckets.take("k", 100, 100, 10)).available == 0
    refused = await buckets.take("k", 50, 100, 10)
    assert not refused.allowed and refused.retry_after == 5  # 50 points at 10 a second
    now[0] = 1.0
    refused = await buckets.take("k", 50, 100, 10)
    assert not refused.allowed and refused.available == 10 and refused.retry_after == 4
    now[0] = 5.0
    assert (await buckets.take("k", 50, 100, 10)).available == 0
    assert (await buckets.adjust("k", -500, 100, 10)).available == 100  # never above full
    assert (await buckets.adjust("k", 500, 100, 10)).available == 0  # never below empty


async def test_the_bucket_runs_dry_with_429_and_nothing_executed(seeded_db) -> None:
    token = mint_development_token(seeded_db.settings, Role.ADMIN)
    async with client_for(_small(seeded_db.settings, "admin"), seeded_db) as client:
        first = await _post(client, TEN, token)
        second = await _post(client, TEN, token)
        with count_statements(seeded_db) as statements:
            third = await _post(client, TEN, token)
            refused_write = await _post(
                client,
                'mutation { voidDeclaration(input: {declarationId: "0f5a2c7e-0000-4000-8000-'
                '000000000000"}) { userErrors { message } } }',
                token,
            )
        invalid = await _post(client, "{ nothingHere }", token)
    assert first.status_code == second.status_code == 200
    assert "errors" not in first.json() and "errors" not in second.json()
    assert first.headers["RateLimit-Limit"] == "25"
    assert first.headers["RateLimit-Remaining"] == "15"
    assert 9 <= int(first.headers["RateLimit-Reset"]) <= 10  # 10 points at 1 a second
    assert second.headers["RateLimit-Remaining"] == "5"
    assert first.json()["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 15

    assert statements == []  # neither the refused query nor the refused mutation ran
    for refused in (third, refused_write):
        assert refused.status_code == 429
        body = refused.json()
        assert body["data"] is None
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        retry = error["extensions"]["retryAfter"]
        assert refused.headers["Retry-After"] == str(retry)
        assert 1 <= retry <= 15  # 10 or 20 points wanted, 5 held, 1 a second
        assert "Retry in" in error["message"]
    # Refusals before execution still cost a point and still say where the caller stands.
    assert invalid.status_code == 200 and "RateLimit-Remaining" in invalid.headers
    assert int(invalid.headers["RateLimit-Remaining"]) <= 5


async def test_rate_limited_is_429_in_either_media_type(seeded_db) -> None:
    """A client asking for application/graphql-response+json gets the same 429 with
    Retry-After (not the 400 of a request error: it is the caller's budget, not its
    document), the first time and when it repeats at once."""
    token = mint_development_token(seeded_db.settings, Role.FINANCE)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/graphql-response+json"}
    async with client_for(_small(seeded_db.settings, "finance"), seeded_db) as client:
        answers = [
            await client.post("/graphql", json={"query": TEN}, headers=headers) for _ in range(4)
        ]
    assert [a.status_code for a in answers[:2]] == [200, 200]
    for refused in answers[2:]:
        assert refused.status_code == 429 and "Retry-After" in refused.headers
        assert [e["extensions"]["code"] for e in refused.json()["errors"]] == ["RATE_LIMITED"]


async def test_an_operation_dearer_than_a_full_bucket_is_too_costly_not_rate_limited(
    seeded_db,
) -> None:
    """With a bucket smaller than the largest operation (GATEWAY_LIMITS can make one), an
    operation the bucket could never hold is COST_LIMIT_EXCEEDED at the bucket's size,
    not RATE_LIMITED with a retry time that would never come."""
    token = mint_development_token(seeded_db.settings, Role.ADMIN)
    settings = dataclasses.replace(
        seeded_db.settings, limit_overrides={"admin": {"bucket": 8, "restore_rate": 1}}
    )
    async with client_for(settings, seeded_db) as client:
        response = await _post(client, TEN, token)  # costs 10
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "COST_LIMIT_EXCEEDED"
    assert error["extensions"]["maximumAvailable"] == 8


async def test_the_rate_limit_field_reads_the_callers_bucket(seeded_db) -> None:
    token = mint_development_token(seeded_db.settings, Role.ADMIN)
    query = "{ rateLimit { limit cost remaining restoreRate resetAt } }"
    async with client_for(_small(seeded_db.settings, "admin", "anonymous"), seeded_db) as client:
        response = await _post(client, query, token)
        anonymous = await _post(client, query)
    limit = response.json()["data"]["rateLimit"]
    assert {k: limit[k] for k in ("limit", "cost", "remaining", "restoreRate")} == {
        "limit": 25,
        "cost": 1,  # the rateLimit object itself
        "remaining": 24,
        "restoreRate": 1,
    }
    reset_at = dt.datetime.fromisoformat(limit["resetAt"])
    assert dt.timedelta(0) < reset_at - dt.datetime.now(dt.UTC) <= dt.timedelta(seconds=2)
    assert response.headers["RateLimit-Remaining"] == "24"
    assert anonymous.json()["data"]["rateLimit"]["remaining"] == 24  # a budget per address


async def test_budgets_are_per_organisation(seeded_db) -> None:
    first, second = [c for c in await callers(seeded_db) if c.role is Role.LEAD_PROVIDER][:2]
    async with client_for(_small(seeded_db.settings, "lead_provider"), seeded_db) as client:
        for _ in range(2):
            assert (await _post(client, TEN, first.token)).status_code == 200
        assert (await _post(client, TEN, first.token)).status_code == 429
        other = await _post(client, TEN, second.token)
    assert other.status_code == 200 and other.headers["RateLimit-Remaining"] == "15"


# -- shared through Redis ---------------------------------------------------------------


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix of this test only; its keys are deleted afterwards."""
    prefix = f"test-limits-{uuid.uuid4().hex}:"
    yield prefix
    client = aioredis.Redis.from_url(REDIS_URL)
    keys = [key async for key in client.scan_iter(match=prefix + "*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def test_two_gateway_processes_share_one_budget_in_redis(seeded_db, redis_prefix) -> None:
    token = mint_development_token(seeded_db.settings, Role.ADMIN)
    settings = _small(
        seeded_db.settings, "admin", redis_url=REDIS_URL, redis_key_prefix=redis_prefix
    )
    async with client_for(settings, seeded_db) as one, client_for(settings, seeded_db) as two:
        first = await _post(one, TEN, token)
        second = await _post(two, TEN, token)
        third = await _post(one, TEN, token)
    assert first.headers["RateLimit-Remaining"] == "15"
    assert second.headers["RateLimit-Remaining"] == "5"  # the other app's spend counted
    assert third.status_code == 429
    assert third.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        keys = [k async for k in client.scan_iter(match=redis_prefix + "*")]
    finally:
        await client.aclose()
    assert len(keys) == 1 and b"admin:" in keys[0] and b"developer" not in keys[0]


async def test_concurrent_requests_never_overspend_a_shared_budget(seeded_db, redis_prefix) -> None:
    token = mint_development_token(seeded_db.settings, Role.ADMIN)
    settings = _small(
        seeded_db.settings, "admin", redis_url=REDIS_URL, redis_key_prefix=redis_prefix
    )
    async with client_for(settings, seeded_db) as one, client_for(settings, seeded_db) as two:
        responses = await asyncio.gather(
            *(_post(one if i % 2 else two, TEN, token) for i in range(10))
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200] + [429] * 8  # 25 points hold two requests of 10


async def test_an_unreachable_redis_does_not_stop_the_gateway(seeded_db) -> None:
    buckets = RedisBuckets("redis://127.0.0.1:1/0", "unused:")
    state = await buckets.take("k", 10, 25, 1)
    await buckets.close()
    assert state.allowed


# -- repeated refusals (gateway/limits/refusals.py) ---------------------------------------


async def test_a_repeated_refusal_gets_the_same_answer_without_checking_anything(
    seeded_db,
) -> None:
    provider = next(c for c in await callers(seeded_db) if c.role is Role.LEAD_PROVIDER)
    settings = _small(seeded_db.settings, "lead_provider")
    async with client_for(settings, seeded_db) as client:
        for _ in range(2):
            assert (await _post(client, TEN, provider.token)).status_code == 200
        with count_statements(seeded_db) as first_refusal:
            first = await _post(client, TEN, provider.token)
        with count_statements(seeded_db) as repeat_refusal:
            # Both held until the first refusal is a second old, then refused.
            repeat, graphql_json = await asyncio.gather(
                _post(client, TEN, provider.token),
                client.post(
                    "/graphql",
                    json={"query": TEN},
                    headers={
                        "Authorization": f"Bearer {provider.token}",
                        "Accept": "application/graphql-response+json",
                    },
                ),
            )
        with count_statements(seeded_db) as other_request:
            cheap = await _post(client, "{ viewer { role } }", provider.token)
    # The first refusal checked the API token in the database; the repeat did not.
    assert len(first_refusal) == 1 and repeat_refusal == []
    assert first.status_code == repeat.status_code == 429
    # 10 wanted, 5 held and 1 more a second: a second later, 6 held and 4 s to wait
    # (5 when the first refusal was not yet a second old).
    assert first.headers["Retry-After"] == "5" and first.headers["RateLimit-Remaining"] == "5"
    assert repeat.headers["Retry-After"] in ("4", "5")
    assert repeat.headers["RateLimit-Remaining"] in ("5", "6")
    assert repeat.headers["RateLimit-Limit"] == first.headers["RateLimit-Limit"] == "25"
    assert repeat.headers["X-Request-Id"] != first.headers["X-Request-Id"]
    assert repeat.headers.get_list("content-length") == [str(len(repeat.content))]
    body, again = first.json(), repeat.json()
    assert again["data"] is None
    assert again["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert again["errors"][0]["message"].startswith("Rate limited: this operation costs 10")
    assert again["errors"][0]["extensions"]["retryAfter"] == int(repeat.headers["Retry-After"])
    cost, first_cost = again["extensions"]["cost"], body["extensions"]["cost"]
    assert cost["throttleStatus"]["currentlyAvailable"] == int(
        repeat.headers["RateLimit-Remaining"]
    )
    del cost["throttleStatus"]["currentlyAvailable"]
    del first_cost["throttleStatus"]["currentlyAvailable"]
    assert cost == first_cost and cost["requestedQueryCost"] == 10
    # The other media type gets what a first refusal gets with it (the transport's shape).
    assert graphql_json.headers["content-type"].startswith("application/graphql-response+json")
    assert graphql_json.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    # Another request of the same caller goes the whole way: it fits the 5 points held.
    assert len(other_request) == 1
    assert cheap.status_code == 200 and cheap.json()["data"]["viewer"]["role"] == "LEAD_PROVIDER"


def test_a_refusal_is_remembered_for_a_second_at_most_and_until_the_bucket_would_hold_it() -> None:
    from gateway.limits.rates import BucketState
    from gateway.limits.refusals import RecentRefusals
    from gateway.limits.rules import DEFAULT_LIMITS

    now = [0.0]
    refusals = RecentRefusals(clock=lambda: now[0])
    limits = DEFAULT_LIMITS["admin"]
    slow = BucketState(False, 5.0, 25, 1.0, 10.0)  # 5 more points in 5 s
    fast = BucketState(False, 5.0, 25, 20.0, 10.0)  # 5 more points in 0.25 s
    refusals.remember(b"slow", slow, 10, limits)
    refusals.remember(b"fast", fast, 10, limits)
    now[0] = 0.2
    slow_again, fast_again = refusals.recall(b"slow"), refusals.recall(b"fast")
    assert slow_again is not None and slow_again[1] == pytest.approx(0.8)  # the second's rest
    assert fast_again is not None and fast_again[1] == pytest.approx(0.05)  # until it holds 10
    state = refusals.now(slow_again[0])
    assert state is not None and state.remaining == 5 and state.retry_after == 5
    assert refusals.recall(b"other") is None
    now[0] = 0.3
    assert refusals.now(fast_again[0]) is None  # 11 points held: it would be accepted now
    assert refusals.recall(b"fast") is None
    now[0] = 1.0
    assert refusals.recall(b"slow") is None  # a second: asked again, the whole way


async def test_holding_repeats_is_bounded() -> None:
    """At most MAX_HELD repeats wait at once; the next is answered at once, so a client
    with many connections cannot pile held requests (and their bodies) up."""
    from gateway.limits.refusals import MAX_HELD, RecentRefusals

    release = asyncio.Event()
    slept = 0

    async def sleep(_: float) -> None:
        nonlocal slept
        slept += 1
        await release.wait()

    refusals = RecentRefusals(sleep=sleep)
    answered = 0

    async def repeat() -> None:
        nonlocal answered
        async with refusals.holding(0.5):
            answered += 1

    tasks = [asyncio.create_task(repeat()) for _ in range(MAX_HELD + 5)]
    await asyncio.sleep(0)  # let every repeat start
    assert (slept, answered, refusals.held) == (MAX_HELD, 5, MAX_HELD)
    release.set()
    await asyncio.gather(*tasks)
    assert (answered, refusals.held) == (MAX_HELD + 5, 0)
