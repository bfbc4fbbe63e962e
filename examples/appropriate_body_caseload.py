"""An appropriate body pages through its caseload: the teachers whose induction it
supervises now (or, with ``--former``, supervised before).

    python examples/appropriate_body_caseload.py --token eyJ... [--page-size 100]

The token is an appropriate body user's JWT (``gateway token --role
appropriate_body_user --appropriate-body-id ID`` in development), from ``--token`` or
``GATEWAY_TOKEN``. Prints one line per induction period, then the total.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

from gateway_client import client, execute, operation

CASELOAD = operation("appropriate_body_user/Caseload.graphql")


async def caseload(
    url: str, token: str, current: bool = True, page_size: int = 100
) -> AsyncIterator[dict[str, Any]]:
    """Induction periods one by one, fetching a page at a time."""
    after: str | None = None
    async with client(url, token) as session:
        while True:
            variables = {"current": current, "first": page_size, "after": after}
            page = (await execute(session, CASELOAD, variables))["inductionPeriods"]
            for edge in page["edges"]:
                yield edge["node"]
            if not page["pageInfo"]["hasNextPage"]:
                return
            after = page["pageInfo"]["endCursor"]


async def run(url: str, token: str, current: bool, page_size: int) -> int:
    count = 0
    async for period in caseload(url, token, current, page_size):
        teacher = period["teacher"]
        schools = [
            p["school"]["name"] for p in teacher["ectAtSchoolPeriods"] if p["finishedOn"] is None
        ]
        print(
            f"{teacher['trn']}  {teacher['fullName']}: since {period['startedOn']}, "
            f"{teacher['inductionStatus'].lower().replace('_', ' ')}"
            f"{', at ' + schools[0] if schools else ''}"
        )
        count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000/graphql")
    parser.add_argument("--token", default=os.environ.get("GATEWAY_TOKEN"))
    parser.add_argument("--page-size", type=int, default=100, help="1 to 100")
    parser.add_argument("--former", action="store_true", help="former claims, not current")
    args = parser.parse_args()
    if not args.token:
        parser.error(
            "give --token or set GATEWAY_TOKEN (gateway token --role appropriate_body_user)"
        )
    total = asyncio.run(run(args.url, args.token, not args.former, args.page_size))
    print(f"{total} {'former' if args.former else 'current'} induction periods")
    return 0


if __name__ == "__main__":
    sys.exit(main())
