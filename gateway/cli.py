"""The ``gateway`` command: serve, migrate, seed and mint development tokens.

Every refusal is one line on stderr and a non-zero exit, and writes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from gateway.auth.viewer import Role
from gateway.settings import Settings, SettingsError, get_settings

DEMO_SCALE = 0.01
DEMO_SEED = 1


class CLIError(Exception):
    """A refusal: printed as one line on stderr, exit status 2."""


def _redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _database(settings: Settings):  # -> Database; imported late so --help stays fast
    from gateway.db import Database

    try:
        return Database(settings)
    except OSError as e:  # e.g. the SQLite file's folder cannot be made
        raise CLIError(f"cannot open the database: {e.strerror}: {e.filename}") from None


async def _reachable(db) -> None:
    try:
        await db.ping()
    except (OSError, OperationalError, DBAPIError) as e:
        reason = str(getattr(e, "orig", e)).splitlines()[0] if str(e) else type(e).__name__
        urls = ", ".join(_redacted(u) for u in db.engines)
        raise CLIError(f"cannot reach the database ({urls}): {reason}") from None


async def _is_empty(db) -> bool:
    """Empty as the seed understands it: no row in any model table."""
    from gateway.seed import SeedRefused
    from gateway.seed.writer import refuse_unless_empty

    try:
        await refuse_unless_empty(db)
    except SeedRefused:
        return False
    return True


async def cmd_db_upgrade(settings: Settings) -> None:
    from gateway.migrate import upgrade

    db = _database(settings)
    try:
        await _reachable(db)
        await upgrade(db)
    finally:
        await db.dispose()
    print("database is up to date", file=sys.stderr)


async def cmd_seed(
    settings: Settings, scale: float, seed: int, reset: bool, today: dt.date
) -> None:
    from gateway.migrate import upgrade
    from gateway.seed import SeedRefused, seed_database

    db = _database(settings)
    try:
        await _reachable(db)
        await upgrade(db)
        try:
            counts = await seed_database(
                db,
                scale=scale,
                seed=seed,
                today=today,
                reset=reset,
                progress=lambda line: print(line, file=sys.stderr, flush=True),
            )
        except (SeedRefused, ValueError) as e:  # ValueError: scale or date out of range
            raise CLIError(str(e)) from None
    finally:
        await db.dispose()
    print(f"seeded {sum(counts.values()):,} rows in {len(counts)} tables", file=sys.stderr)


async def cmd_prepare_serve(settings: Settings) -> None:
    """Outside production, migrate and seed demo data into an empty database."""
    from gateway.migrate import upgrade

    db = _database(settings)
    try:
        await _reachable(db)
        if settings.is_production:
            return
        await upgrade(db)
        empty = await _is_empty(db)
    finally:
        await db.dispose()
    if empty:
        print(f"empty database: seeding demo data (scale {DEMO_SCALE})", file=sys.stderr)
        await cmd_seed(settings, DEMO_SCALE, DEMO_SEED, reset=False, today=dt.date.today())


async def cmd_token(settings: Settings, args: argparse.Namespace) -> str:
    from gateway.auth.api_tokens import issue
    from gateway.auth.jwt_tokens import mint_development_token
    from gateway.models.inductions import AppropriateBody
    from gateway.models.schools import School
    from gateway.models.training import LeadProvider

    if settings.is_production:
        raise CLIError("gateway token is for development only and refuses in production")
    try:
        role = Role(args.role)
    except ValueError:
        raise CLIError(
            f"unknown role {args.role!r}: expected one of {', '.join(r.value for r in Role)}"
        ) from None
    needed = {
        Role.SCHOOL_USER: ("school_urn", "--school-urn"),
        Role.APPROPRIATE_BODY_USER: ("appropriate_body_id", "--appropriate-body-id"),
        Role.LEAD_PROVIDER: ("lead_provider_id", "--lead-provider-id"),
    }.get(role)
    if needed and getattr(args, needed[0]) is None:
        raise CLIError(f"role {role} needs {needed[1]}")
    db = _database(settings)
    try:
        await _reachable(db)
        async with db.session() as session:
            if role is Role.SCHOOL_USER:
                found = await session.scalar(
                    sa.select(School.id).where(School.urn == args.school_urn)
                )
                if found is None:
                    raise CLIError(f"no school has URN {args.school_urn}")
            elif role is Role.APPROPRIATE_BODY_USER:
                if await session.get(AppropriateBody, args.appropriate_body_id) is None:
                    raise CLIError(f"no appropriate body has id {args.appropriate_body_id}")
            elif role is Role.LEAD_PROVIDER:
                if await session.get(LeadProvider, args.lead_provider_id) is None:
                    raise CLIError(f"no lead provider has id {args.lead_provider_id}")
                token = await issue(session, args.lead_provider_id, "gateway token (development)")
                await session.commit()
                return token
    finally:
        await db.dispose()
    return mint_development_token(
        settings,
        role,
        school_urn=args.school_urn if role is Role.SCHOOL_USER else None,
        appropriate_body_id=args.appropriate_body_id
        if role is Role.APPROPRIATE_BODY_USER
        else None,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gateway", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the GraphQL server (seeds demo data when empty)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--reload", action="store_true", help="restart on code changes")

    db = sub.add_parser("db", help="database commands")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply every domain's migrations")

    seed = sub.add_parser("seed", help="write deterministic, realistic data")
    seed.add_argument("--scale", type=float, default=DEMO_SCALE, help="1.0 = England's sizes")
    seed.add_argument("--seed", type=int, default=DEMO_SEED, help="random seed")
    seed.add_argument("--reset", action="store_true", help="delete existing data first")
    seed.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        default=dt.date.today(),
        help="the date the data is as of (YYYY-MM-DD); default today",
    )

    sub.add_parser("schema", help="print the GraphQL schema (SDL); schema.graphql is this")

    token = sub.add_parser("token", help="a development token (never in production)")
    token.add_argument("--role", required=True, help=", ".join(r.value for r in Role))
    token.add_argument("--school-urn", dest="school_urn")
    token.add_argument("--appropriate-body-id", dest="appropriate_body_id", type=int)
    token.add_argument("--lead-provider-id", dest="lead_provider_id", type=int)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
        if args.command == "db":
            asyncio.run(cmd_db_upgrade(settings))
        elif args.command == "seed":
            if args.scale <= 0 or args.scale > 2:
                raise CLIError(
                    f"--scale {args.scale} is out of range: expected more than 0, at most 2"
                )
            from gateway.seed.seeder import EARLIEST_TODAY

            if args.today < EARLIEST_TODAY:
                raise CLIError(
                    f"--today {args.today} is before the service began ({EARLIEST_TODAY})"
                )
            asyncio.run(cmd_seed(settings, args.scale, args.seed, args.reset, args.today))
        elif args.command == "token":
            print(asyncio.run(cmd_token(settings, args)))
        elif args.command == "schema":
            from gateway.schema import schema

            print(schema.as_str())
        elif args.command == "serve":
            from gateway.auth.policy import ColocationError, check_colocation

            try:
                check_colocation(settings)
            except ColocationError as e:
                raise CLIError(str(e)) from None
            asyncio.run(cmd_prepare_serve(settings))
            serve(settings, args.host, args.port, args.reload)
    except (CLIError, SettingsError) as e:
        print(f"gateway: {e}", file=sys.stderr)
        return 2
    return 0


def serve(settings: Settings, host: str, port: int, reload: bool) -> None:
    import uvicorn

    print(f"GraphiQL: http://{host}:{port}/graphql", file=sys.stderr)
    if not settings.is_production:
        print(
            'Paste a token as the header {"Authorization": "Bearer <token>"}; make one with\n'
            "  gateway token --role admin   (or school_user --school-urn URN, "
            "appropriate_body_user --appropriate-body-id ID, lead_provider --lead-provider-id ID)",
            file=sys.stderr,
        )
    uvicorn.run(
        "gateway.app:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        log_level="info",
        access_log=False,
    )


if __name__ == "__main__":
    sys.exit(main())
