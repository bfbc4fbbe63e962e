"""The gateway command: serve, migrate, seed and mint development tokens.

Every refusal is one line on stderr and a non-zero exit, and writes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from gateway.auth.viewer import Role
from gateway.settings import Settings, SettingsError, get_settings

if TYPE_CHECKING:
    from gateway.db import Database
    from gateway.devdata import Choices

DEMO_SCALE = 0.01
DEMO_SEED = 1


class CLIError(Exception):
    """A refusal: printed as one line on stderr, exit status 2."""


def _redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _database(settings: Settings) -> Database:
    # Imported late so --help stays fast.
    from gateway.db import Database

    try:
        return Database(settings)
    except OSError as e:  # e.g. the SQLite file's folder cannot be made
        raise CLIError(f"cannot open the database: {e.strerror}: {e.filename}") from None


async def _reachable(db: Database) -> None:
    try:
        await db.ping()
    except (OSError, OperationalError, DBAPIError) as e:
        reason = str(getattr(e, "orig", e)).splitlines()[0] if str(e) else type(e).__name__
        urls = ", ".join(_redacted(u) for u in db.engines)
        raise CLIError(f"cannot reach the database ({urls}): {reason}") from None


async def _is_empty(db: Database) -> bool:
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
        applied = await upgrade(db, progress=_say)
    finally:
        await db.dispose()
    if applied:
        domains = sorted({a.domain for a in applied})
        print(
            f"applied {len(applied)} migration{'s' if len(applied) != 1 else ''} "
            f"({', '.join(domains)}); the database is now up to date",
            file=sys.stderr,
        )
    else:
        print("already up to date: no migration to apply", file=sys.stderr)


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


async def _what_reset_deletes(db: Database) -> str:
    """What ``seed --reset`` is about to delete that the seed will not bring back."""
    from gateway.models.audit import Event
    from gateway.models.training import LeadProviderAPIToken

    async with db.session() as session:
        tokens = await session.scalar(
            sa.select(sa.func.count()).where(LeadProviderAPIToken.revoked_at.is_(None))
        )
        events = await session.scalar(sa.select(sa.func.count()).select_from(Event))
    return (
        f"--reset deletes all data, including {tokens} lead provider API "
        f"token{'s' if tokens != 1 else ''} (they stop working: make new ones with "
        f"gateway token --role lead_provider) and {events} audit event{'s' if events != 1 else ''}"
    )


async def cmd_seed(
    settings: Settings, scale: float, seed: int, reset: bool, today: dt.date
) -> None:
    from gateway.migrate import upgrade
    from gateway.seed import SeedRefused, seed_database

    db = _database(settings)
    try:
        await _reachable(db)
        await upgrade(db, progress=_say)
        if reset:
            _say(await _what_reset_deletes(db))
        try:
            counts = await seed_database(
                db,
                scale=scale,
                seed=seed,
                today=today,
                reset=reset,
                progress=_say,
            )
        except (SeedRefused, ValueError) as e:  # ValueError: scale or date out of range
            raise CLIError(str(e)) from None
    finally:
        await db.dispose()
    print(f"seeded {sum(counts.values()):,} rows in {len(counts)} tables", file=sys.stderr)


async def cmd_prepare_serve(settings: Settings) -> Choices | None:
    """Outside production, migrate and seed demo data into an empty database; return
    organisations with data for the banner's token commands."""
    from gateway.migrate import upgrade

    db = _database(settings)
    try:
        await _reachable(db)
        if settings.is_production:
            return None
        applied = await upgrade(db)
        if applied:
            _say(f"applied {len(applied)} migrations")
        empty = await _is_empty(db)
    finally:
        await db.dispose()
    if empty:
        _say(f"empty database: seeding demo data (scale {DEMO_SCALE})")
        await cmd_seed(settings, DEMO_SCALE, DEMO_SEED, reset=False, today=dt.date.today())
    return await _choices(settings)


async def _choices(settings: Settings, limit: int = 3) -> Choices:
    from gateway.devdata import choices

    db = _database(settings)
    try:
        async with db.session() as session:
            return await choices(session, limit=limit)
    finally:
        await db.dispose()


async def cmd_token(settings: Settings, args: argparse.Namespace) -> str:
    from gateway.auth.api_tokens import issue
    from gateway.auth.jwt_tokens import mint_development_token
    from gateway.devdata import (
        NotFoundError,
        find_appropriate_body,
        find_lead_provider,
        find_school,
    )

    if settings.is_production:
        raise CLIError("gateway token is for development only and refuses in production")
    if args.list:
        await _reachable_or_refuse(settings)
        return _listing(await _choices(settings, limit=5))
    if args.role is None:
        raise CLIError("gateway token needs --role (or --list to see the choices)")
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
        raise CLIError(f"role {role} needs {needed[1]} (gateway token --list shows choices)")
    school_urn, body_id = None, None
    db = _database(settings)
    try:
        await _reachable(db)
        async with db.session() as session:
            try:
                if role is Role.SCHOOL_USER:
                    school_urn = await find_school(session, args.school_urn)
                elif role is Role.APPROPRIATE_BODY_USER:
                    body_id = await find_appropriate_body(session, args.appropriate_body_id)
                elif role is Role.LEAD_PROVIDER:
                    provider_id = await find_lead_provider(session, args.lead_provider_id)
                    token = await issue(session, provider_id, "gateway token (development)")
                    await session.commit()
                    return token
            except NotFoundError as e:
                raise CLIError(str(e)) from None
    finally:
        await db.dispose()
    return mint_development_token(
        settings, role, school_urn=school_urn, appropriate_body_id=body_id
    )


async def _reachable_or_refuse(settings: Settings) -> None:
    db = _database(settings)
    try:
        await _reachable(db)
    finally:
        await db.dispose()


def _listing(found: Choices) -> str:
    """``gateway token --list``: for each role, organisations that have data."""
    lines = [
        "Roles, and organisations whose tokens show data (most current data first).",
        "An organisation may be given by any of the forms shown.",
        "",
        "admin                  gateway token --role admin",
        "finance                gateway token --role finance",
        "",
        "school_user            gateway token --role school_user --school-urn URN",
    ]
    lines += [
        f"  URN {o.urn}  {o.name}: {o.current} current ECTs  (global id {o.global_id})"
        for o in found.schools
    ] or ["  (no school has current ECTs: seed the database)"]
    lines += [
        "",
        "appropriate_body_user  gateway token --role appropriate_body_user "
        "--appropriate-body-id ID",
    ]
    lines += [
        f"  ID {o.id}  {o.name}: {o.current} current inductions  (global id {o.global_id})"
        for o in found.appropriate_bodies
    ] or ["  (no appropriate body has a current caseload: seed the database)"]
    lines += ["", "lead_provider          gateway token --role lead_provider --lead-provider-id ID"]
    lines += [
        f"  ID {o.id}  {o.name}: {o.current} current participants  "
        f"(API id {o.api_id}; global id {o.global_id})"
        for o in found.lead_providers
    ] or ["  (no lead provider has current participants: seed the database)"]
    return "\n".join(lines)


EXAMPLES = {
    "gateway": """examples:
  gateway serve                       migrate, seed demo data if empty, serve GraphiQL
  gateway token --list                roles and organisations with data
  gateway token --role admin          a development token for DfE admin
  gateway db upgrade                  apply migrations (production: before a release)
  gateway seed --scale 0.1 --reset    reseed with a tenth of England's sizes""",
    "serve": """examples:
  gateway serve                           http://127.0.0.1:8000/graphql
  gateway serve --port 0                  any free port (the banner names it)
  gateway serve --host 0.0.0.0 --reload   listen on every interface; restart on code changes

Outside production serve migrates the database and seeds demo data (scale 0.01) when it
is empty. In production (GATEWAY_ENV=production) it does neither: run gateway db upgrade
first; it also needs JWT_PUBLIC_KEY_FILE or JWT_JWKS_FILE.""",
    "db": """examples:
  gateway db upgrade
  DATABASE_URL=postgresql+asyncpg://gateway@db/gateway GATEWAY_ENV=production gateway db upgrade

Needs only the database settings: no token keys, even in production.""",
    "seed": """examples:
  gateway seed                                   demo data into an empty database
  gateway seed --scale 1.0 --today 2026-11-29    England's sizes (about 2 minutes on SQLite)
  gateway seed --reset                           delete everything, then seed again

--reset deletes every row, lead provider API tokens and audit events included (it says
how many before it starts). The same --scale, --seed and --today give identical data.""",
    "schema": """examples:
  gateway schema > schema.graphql     refresh the checked-in SDL (a test fails when stale)""",
    "token": """examples:
  gateway token --list
  gateway token --role admin
  gateway token --role finance
  gateway token --role school_user --school-urn 123456
  gateway token --role appropriate_body_user --appropriate-body-id 3
  gateway token --role appropriate_body_user --appropriate-body-id QXBwcm9wcmlhdGVCb2R5OjM=
  gateway token --role lead_provider --lead-provider-id "Teach First"

Organisations may be given by number, by the global id the graph shows, by name, and
(lead providers) by Lead Provider API id. JWTs last 12 hours and are signed with the
development secret; lead provider tokens are opaque API tokens, stored hashed.
Send either as the header "Authorization: Bearer <token>".""",
}


def _sub(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help: str,  # noqa: A002
) -> argparse.ArgumentParser:
    return sub.add_parser(
        name,
        help=help,
        description=help,
        epilog=EXAMPLES.get(name),
        formatter_class=_Formatter,
    )


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Shows each option's default (when it has one), and keeps the examples' line breaks."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False):
            return action.help
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gateway", description=__doc__, epilog=EXAMPLES["gateway"], formatter_class=_Formatter
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = _sub(sub, "serve", "run the GraphQL server and GraphiQL (seeds demo data when empty)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (0: any free)")
    serve.add_argument("--reload", action="store_true", help="restart on code changes")

    db = _sub(sub, "db", "database commands")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    upgrade = db_sub.add_parser(
        "upgrade",
        help="apply every domain's migrations, saying which it applied",
        description="Apply every domain's pending migrations, each in its own database, "
        "and say which it applied.",
        epilog=EXAMPLES["db"],
        formatter_class=_Formatter,
    )
    del upgrade

    seed = _sub(sub, "seed", "write deterministic, realistic data (shows progress)")
    seed.add_argument("--scale", type=float, default=DEMO_SCALE, help="1.0 = England's sizes")
    seed.add_argument("--seed", type=int, default=DEMO_SEED, help="random seed")
    seed.add_argument(
        "--reset", action="store_true", help="delete existing data (API tokens too) first"
    )
    seed.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        default=dt.date.today(),
        help="the date the data is as of (YYYY-MM-DD)",
    )

    _sub(sub, "schema", "print the GraphQL schema (SDL); schema.graphql is this")

    token = _sub(sub, "token", "a development token (never in production)")
    token.add_argument("--role", help=", ".join(r.value for r in Role))
    token.add_argument(
        "--list", action="store_true", help="show roles and organisations with data, then exit"
    )
    token.add_argument(
        "--school-urn", dest="school_urn", metavar="SCHOOL", help="URN, global id or name"
    )
    token.add_argument(
        "--appropriate-body-id",
        dest="appropriate_body_id",
        metavar="BODY",
        help="number, global id or name",
    )
    token.add_argument(
        "--lead-provider-id",
        dest="lead_provider_id",
        metavar="PROVIDER",
        help="number, global id, API id or name",
    )
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
            from gateway.serve import BindError, run

            try:
                check_colocation(settings)
            except ColocationError as e:
                raise CLIError(str(e)) from None
            settings.require_token_verification()
            found = asyncio.run(cmd_prepare_serve(settings))
            try:
                run(settings, args.host, args.port, args.reload, found)
            except BindError as e:
                raise CLIError(str(e)) from None
    except (CLIError, SettingsError) as e:
        print(f"gateway: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
