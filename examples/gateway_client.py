"""What the examples share: a gql client for the gateway, and retry with backoff.

Install the client with the gateway's ``client`` extra (``pip install -e ".[client]"``)
or on its own (``pip install "gql[httpx]"``). Operations are the documents under
``operations/``, validated against ``schema.graphql`` before they are sent.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from gql import Client, GraphQLRequest
from gql.client import AsyncClientSession
from gql.transport.exceptions import TransportServerError
from gql.transport.httpx import HTTPXAsyncTransport

ROOT = Path(__file__).resolve().parent.parent
RETRY_STATUSES = frozenset({429, 503})
"""Too many requests, and service unavailable (e.g. a replica restarting): try again."""


def operation(path: str) -> str:
    """The text of ``operations/<path>``."""
    return (ROOT / "operations" / path).read_text()


def client(url: str, token: str, timeout: float = 60) -> Client:
    transport = HTTPXAsyncTransport(
        url=url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout
    )
    schema = ROOT / "schema.graphql"
    return Client(transport=transport, schema=schema.read_text() if schema.exists() else None)


def retry_after(error: TransportServerError) -> float | None:
    """The server's Retry-After (seconds), when it sent one."""
    cause = error.__cause__
    if isinstance(cause, httpx.HTTPStatusError):
        value = cause.response.headers.get("retry-after", "")
        if value.isdigit():
            return float(value)
    return None


async def execute(
    session: AsyncClientSession,
    document: str,
    variables: dict[str, Any] | None = None,
    *,
    attempts: int = 6,
    base_delay: float = 0.5,
    max_delay: float = 30.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    on_retry: Callable[[int, int, float], None] | None = None,
) -> dict[str, Any]:
    """Run one operation; on 429 or 503 wait and try again, up to ``attempts`` times.

    The wait is the server's Retry-After if it gave one, else exponential backoff
    (0.5 s, 1 s, 2 s... capped at ``max_delay``) with full jitter, so that many clients
    throttled together do not come back together. Other errors are raised at once.
    """
    request = GraphQLRequest(document, variable_values=variables)
    for attempt in range(1, attempts + 1):
        try:
            return await session.execute(request)
        except TransportServerError as e:
            if e.code not in RETRY_STATUSES or attempt == attempts:
                raise
            delay = retry_after(e)
            if delay is None:
                delay = random.uniform(0, min(max_delay, base_delay * 2 ** (attempt - 1)))
            if on_retry:
                on_retry(attempt, e.code, delay)
            await sleep(min(delay, max_delay))
    raise AssertionError("unreachable")
