"""Query cost (gateway/limits/cost.py): the static estimate before execution, the actual
cost of what was returned, `extensions.cost` on every response, COST_LIMIT_EXCEEDED
before any SQL, and every operation under operations/ within its role's limits."""

from __future__ import annotations

from math import ceil
from pathlib import Path

import pytest
import sqlalchemy as sa
from graphql import parse, validate

from gateway.auth.jwt_tokens import mint_development_token
from gateway.auth.viewer import Role
from gateway.limits import cost
from gateway.limits.operation import operation_limits_rule
from gateway.limits.rates import LocalBuckets
from gateway.limits.rules import limits_for, page_size_within
from gateway.schema import schema
from tests.graph import callers, gql
from tests.test_statement_counts import count_statements

OPERATIONS = Path(__file__).parent.parent / "operations"
ROLE_OF_FOLDER = {
    "admin": Role.ADMIN,
    "appropriate_body_user": Role.APPROPRIATE_BODY_USER,
    "finance": Role.FINANCE,
    "lead_provider": Role.LEAD_PROVIDER,
    "school_user": Role.SCHOOL_USER,
}


def _estimate(query: str, variables: dict | None = None, role: Role = Role.ADMIN) -> int:
    limits = limits_for(role)
    return cost.estimate(
        schema._schema,
        parse(query),
        None,
        variables,
        default_page=limits.default_page,
        check_page=lambda n: page_size_within(n, limits.page_size),
    )


def test_the_estimate_follows_the_rules() -> None:
    # connection 1 + pageInfo 1 + 50 x (node 1 + 5 assumed training periods x
    # (period 1 + schedule 1)); edges cost nothing beyond their node; scalars nothing.
    query = """{ teachers(first: 50) { pageInfo { hasNextPage }
        edges { cursor node { id trn trainingPeriods { id schedule { identifier } } } } } }"""
    assert cost.LIST_SIZES["Teacher.trainingPeriods"] == 5
    assert _estimate(query) == 1 + 1 + 50 * (1 + 5 * (1 + 1))
    # Without first: the default page of 100.
    assert _estimate(query.replace("(first: 50)", "")) == 2 + 100 * 11
    # From a variable, and from the variable's default in the operation.
    with_variable = query.replace(
        "{ teachers(first: 50)", "query($n: Int = 7) { teachers(first: $n)"
    )
    assert _estimate(with_variable, {"n": 20}) == 2 + 20 * 11
    assert _estimate(with_variable, {}) == 2 + 7 * 11
    # A list that is not a connection: the documented assumed size.
    assert _estimate("{ leadProviders { id } }") == cost.ASSUMED_LIST_SIZE
    # nodes(ids:) holds as many as ids; introspection costs nothing.
    assert _estimate('{ nodes(ids: ["a", "b", "c"]) { id } __schema { types { name } } }') == 3


def test_fragments_nest_multiplicatively_and_mutations_cost_ten() -> None:
    query = """{ statements(first: 10) { edges { node { ...S } } } }
        fragment S on Statement { declarations(first: 20) { edges { node { id } } } }"""
    # statements 1 + 10 x (statement 1 + declarations connection 1 + 20 declarations)
    assert _estimate(query) == 1 + 10 * (1 + 1 + 20)
    mutation = """mutation { voidDeclaration(input: {declarationId: "0f5a2c7e-0000-4000-8000-000000000000"}) {
        userErrors { message } declaration { id } } }"""
    # the mutation 10 + 10 assumed user errors + the declaration 1
    assert _estimate(mutation) == 10 + cost.ASSUMED_LIST_SIZE + 1


async def test_every_response_carries_its_cost(client, seeded_db) -> None:
    token = mint_development_token(seeded_db.settings, Role.ADMIN)
    async with seeded_db.session() as s:
        providers = await s.scalar(sa.text("SELECT count(*) FROM lead_providers"))
    result = await gql(client, "{ leadProviders { id name } viewer { role } }", token)
    limits = limits_for(Role.ADMIN)
    spent = result["extensions"]["cost"]
    assert spent["requestedQueryCost"] == cost.ASSUMED_LIST_SIZE + 1
    assert spent["actualQueryCost"] == providers + 1  # what came back
    assert spent["maximumAvailable"] == limits.max_cost
    throttle = spent["throttleStatus"]
    assert throttle["maximumAvailable"] == limits.bucket
    assert throttle["restoreRate"] == limits.restore_rate
    assert 0 <= throttle["currentlyAvailable"] <= limits.bucket
    # An error answer says where the caller stands too.
    invalid = await gql(client, "{ nothingHere }", token)
    assert invalid["extensions"]["cost"]["actualQueryCost"] == 0


async def test_the_actual_cost_counts_the_page_returned(client, seeded_db) -> None:
    provider = next(c for c in await callers(seeded_db) if c.role is Role.LEAD_PROVIDER)
    query = "{ teachers(first: 3000) { edges { node { id enrolments { id } } } } }"
    result = await gql(client, query, provider.token)
    edges = result["data"]["teachers"]["edges"]
    enrolments = sum(len(e["node"]["enrolments"]) for e in edges)
    spent = result["extensions"]["cost"]
    assert spent["requestedQueryCost"] == 1 + 3000 * (1 + 2)
    assert 0 < len(edges) < 3000
    assert spent["actualQueryCost"] == 1 + len(edges) + enrolments


async def test_an_operation_over_the_maximum_is_refused_before_any_sql(client, seeded_db) -> None:
    token = mint_development_token(seeded_db.settings, Role.ADMIN)
    # 1 + 100 x (teacher 1 + 5 x (period 1 + 10 x (declaration 1 + statement 1))
    #   + 3 x (ECT period 1 + 3 x (training 1 + 10 declarations)))
    query = """mutation Void { voidDeclaration(input: {declarationId: "0f5a2c7e-0000-4000-8000-000000000000"}) { userErrors { message } } }
        query Big { teachers(first: 100) { edges { node {
            trainingPeriods { declarations { statement { id } } }
            ectAtSchoolPeriods { trainingPeriods { declarations { id } } } } } } }"""
    expected = 1 + 100 * (1 + 5 * (1 + 10 * 2) + 3 * (1 + 3 * (1 + 10)))
    assert expected > limits_for(Role.ADMIN).max_cost
    with count_statements(seeded_db) as statements:
        response = await client.post(
            "/graphql",
            json={"query": query, "operationName": "Big"},
            headers={"Authorization": f"Bearer {token}"},
        )
    result = response.json()
    assert statements == []
    assert result["data"] is None
    (error,) = result["errors"]
    assert error["extensions"] == {
        "code": "COST_LIMIT_EXCEEDED",
        "requestedQueryCost": expected,
        "maximumAvailable": limits_for(Role.ADMIN).max_cost,
    }
    assert f"cost {expected} points: at most 20000" in error["message"]
    assert result["extensions"]["cost"]["requestedQueryCost"] == expected


async def test_without_credentials_an_expensive_operation_asks_to_sign_in(client) -> None:
    query = "{ teachers(first: 100) { edges { node { id } } } }"
    assert _estimate(query) > limits_for(None).max_cost
    anonymous = await gql(client, query)
    expired = await gql(client, query, "not-a-token")
    for result in (anonymous, expired):
        (error,) = result["errors"]
        assert error["extensions"]["code"] == "UNAUTHENTICATED", error
    assert "Sign in" in anonymous["errors"][0]["message"]
    assert anonymous["errors"][0]["message"] != expired["errors"][0]["message"]


def _operations() -> list[tuple[Role, Path]]:
    return [(ROLE_OF_FOLDER[p.parent.name], p) for p in sorted(OPERATIONS.glob("*/*.graphql"))]


@pytest.mark.parametrize(("role", "path"), _operations(), ids=lambda v: getattr(v, "stem", ""))
def test_every_operation_fits_its_roles_limits_at_its_largest_page(role: Role, path: Path) -> None:
    limits = limits_for(role)
    document = parse(path.read_text())
    rule = operation_limits_rule(limits.depth, limits.aliases, limits.root_fields)
    assert validate(schema._schema, document, [rule]) == []
    variables = {"first": limits.page_size}  # the largest page the role may ask for
    requested = cost.estimate(
        schema._schema,
        document,
        None,
        variables,
        default_page=limits.default_page,
        check_page=lambda n: page_size_within(n, limits.page_size),
    )
    assert requested <= limits.max_cost, (path.name, requested)


def test_a_page_of_three_thousand_with_training_and_declarations_is_allowed() -> None:
    from tests.test_statement_counts import UNIFORM

    # 1 + 3,000 x (teacher 1 + 5 training periods x (1 + schedule 1 + 10 declarations))
    requested = _estimate(UNIFORM, {"first": 3000}, Role.LEAD_PROVIDER)
    assert requested == 1 + 3000 * (1 + 5 * (1 + 1 + 10)) == 183_001
    assert requested <= limits_for(Role.LEAD_PROVIDER).max_cost


async def test_a_full_participant_sync_fits_a_lead_providers_budget_in_one_go() -> None:
    limits = limits_for(Role.LEAD_PROVIDER)
    document = parse((OPERATIONS / "lead_provider" / "Participants.graphql").read_text())
    page = cost.estimate(
        schema._schema,
        document,
        None,
        {"first": 1000},
        default_page=limits.default_page,
        check_page=lambda n: n,
    )
    buckets = LocalBuckets(clock=lambda: 0.0)  # no time passes: no refill helps
    for _ in range(ceil(10_911 / 1000)):
        state = await buckets.take("provider", page, limits.bucket, limits.restore_rate)
        assert state.allowed, state
