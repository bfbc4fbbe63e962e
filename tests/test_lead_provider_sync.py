"""A lead provider syncs its whole book at scale 0.1, through the graph over HTTP (uvicorn
on 127.0.0.1), in pages of 1,000, as integrators do (examples/lead_provider_sync.py and
operations/lead_provider/Participants.graphql): every participant it may see, exactly
once, compared with plain SQL of who has a training period with it.

Completeness only: the time is bench/lead_provider_sync.py's. The seed goes into a
database of its own (a SQLite file; on PostgreSQL a schema of its own), so the shared
test databases keep their small seed; runs on both databases.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from gateway.db import Database, create_engine
from gateway.migrate import upgrade
from gateway.seed import seed_database
from gateway.settings import Settings
from tests.conftest import SEED_TODAY

sys.path.insert(0, str(Path(__file__).parent.parent))
from bench.lead_provider_sync import (  # noqa: E402
    book_of,
    busiest_provider,
    full_sync,
    issue_token,
    serving,
)

SCHEMA = "lead_provider_sync"


@pytest.fixture(scope="module")
async def scale_tenth(database_url: str, tmp_path_factory) -> AsyncIterator[Database]:
    kwargs = {}
    if make_url(database_url).get_backend_name() == "postgresql":
        engine = create_engine(database_url)
        async with engine.begin() as conn:
            await conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            await conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
        await engine.dispose()
        url = database_url
        kwargs = {"connect_args": {"server_settings": {"search_path": SCHEMA}}}
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sync')}/gateway.db"
    settings = Settings(environment="test", database_url=url, jwt_secret="test-secret-" + "x" * 40)
    db = Database(settings, **kwargs)
    await upgrade(db)
    await seed_database(db, scale=0.1, seed=7, today=SEED_TODAY)
    yield db
    await db.dispose()


async def test_a_full_sync_gets_every_participant_exactly_once(scale_tenth: Database) -> None:
    lead_provider_id = await busiest_provider(scale_tenth)
    expected = await book_of(scale_tenth, lead_provider_id)
    assert len(expected) > 2000, "several pages of 1,000"
    token = await issue_token(scale_tenth, lead_provider_id)
    async with serving(scale_tenth, SEED_TODAY) as url:
        participants = await full_sync(url, token, page_size=1000)
    ids = [p["participantId"] for p in participants]
    assert len(ids) == len(set(ids)), "nobody twice"
    assert set(ids) == expected, "everyone with training with the provider, nobody else"
    assert all(p["enrolments"] for p in participants)
