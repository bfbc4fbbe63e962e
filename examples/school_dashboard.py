"""A school reads its dashboard: its current ECTs, their mentors and training.

    python examples/school_dashboard.py --token eyJ... --urn 123456

The token is a school user's JWT (``gateway token --role school_user --school-urn URN``
in development), from ``--token`` or ``GATEWAY_TOKEN``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

from gateway_client import client, execute, operation

DASHBOARD = operation("school_user/SchoolDashboard.graphql")


async def dashboard(url: str, token: str, urn: str) -> dict[str, Any] | None:
    """The school's dashboard, or None if this token may not see that school."""
    async with client(url, token) as session:
        school: dict[str, Any] | None = (await execute(session, DASHBOARD, {"urn": urn}))["school"]
        return school


def report(school: dict[str, Any]) -> str:
    lines = [f"{school['name']} (URN {school['urn']})"]
    ects = school["ectAtSchoolPeriods"]
    lines.append(f"{len(ects)} current ECTs")
    for period in ects:
        teacher = period["teacher"]
        mentors = [
            m["mentor"]["teacher"]["fullName"]
            for m in period["mentorshipPeriods"]
            if m["finishedOn"] is None
        ]
        training = [t for t in period["trainingPeriods"] if t["finishedOn"] is None]
        provider = (training[0].get("leadProvider") or {}).get("name") if training else None
        lines.append(
            f"  {teacher['trn']}  {teacher['fullName']}: induction "
            f"{teacher['inductionStatus'].lower().replace('_', ' ')}; "
            f"mentor {mentors[0] if mentors else 'none'}; "
            f"training {training[0]['trainingStatus'].lower() if training else 'none'}"
            f"{f' with {provider}' if provider else ''}"
        )
    lines.append(f"{len(school['mentorAtSchoolPeriods'])} current mentors")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000/graphql")
    parser.add_argument("--token", default=os.environ.get("GATEWAY_TOKEN"))
    parser.add_argument("--urn", required=True, help="the school's 6-digit URN")
    args = parser.parse_args()
    if not args.token:
        parser.error("give --token or set GATEWAY_TOKEN (gateway token --role school_user)")
    school = asyncio.run(dashboard(args.url, args.token, args.urn))
    if school is None:
        print(f"no school with URN {args.urn} is visible to this token", file=sys.stderr)
        return 1
    print(report(school))
    return 0


if __name__ == "__main__":
    sys.exit(main())
