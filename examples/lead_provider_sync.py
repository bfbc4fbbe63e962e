"""A lead provider syncs its participants: everything updated since a time, page by page.

    python examples/lead_provider_sync.py --token ecf_lp_... [--updated-since 2026-11-01T00:00:00Z]

Prints one participant per line (JSON) on stdout, and on stderr how many it synced and
the ``--updated-since`` to use next time. Follows the cursor (``endCursor``) until
``hasNextPage`` is false, and waits and retries when the gateway answers 429 (too many
requests) or 503 (unavailable). The token comes from ``--token`` or ``GATEWAY_TOKEN``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
from typing import Any

from gateway_client import client, execute, operation

PARTICIPANTS = operation("lead_provider/Participants.graphql")


async def sync(
    url: str,
    token: str,
    updated_since: dt.datetime | None = None,
    page_size: int = 1000,
    cohorts: list[int] | None = None,
    **retry: Any,
) -> list[dict[str, Any]]:
    """Every participant updated since ``updated_since`` (all when None), oldest page first."""
    participants: list[dict[str, Any]] = []
    after: str | None = None
    async with client(url, token) as session:
        while True:
            variables: dict[str, Any] = {"first": page_size, "after": after}
            if updated_since is not None:
                variables["updatedSince"] = updated_since.isoformat()
            if cohorts:
                variables["cohorts"] = cohorts
            page = (await execute(session, PARTICIPANTS, variables, **retry))["teachers"]
            participants += [edge["node"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return participants
            after = page["pageInfo"]["endCursor"]


def _instant(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} needs a time zone, e.g. ...T00:00:00Z")
    return parsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000/graphql")
    parser.add_argument("--token", default=os.environ.get("GATEWAY_TOKEN"))
    parser.add_argument("--updated-since", type=_instant, help="ISO 8601 with a zone")
    parser.add_argument("--page-size", type=int, default=1000, help="1 to 3000")
    parser.add_argument("--cohort", type=int, action="append", dest="cohorts")
    args = parser.parse_args()
    if not args.token:
        parser.error("give --token or set GATEWAY_TOKEN (gateway token --role lead_provider)")

    def on_retry(attempt: int, status: int, delay: float) -> None:
        print(f"HTTP {status}: retry {attempt} in {delay:.1f} s", file=sys.stderr)

    started = dt.datetime.now(dt.UTC)
    participants = asyncio.run(
        sync(
            args.url,
            args.token,
            args.updated_since,
            args.page_size,
            args.cohorts,
            on_retry=on_retry,
        )
    )
    for participant in participants:
        print(json.dumps(participant))
    print(
        f"synced {len(participants)} participants; next time use "
        f"--updated-since {started.isoformat().replace('+00:00', 'Z')}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
