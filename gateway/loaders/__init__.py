"""Per-request batching loaders (aiodataloader), every one scoped by the policy module.

``Loaders.by_id(Model)`` loads rows by primary key; ``Loaders.by_key(Model, column)``
loads lists of rows by a foreign key. Each batch is one SELECT with the viewer's
visibility condition ANDed in, so sibling fields at one depth cost one statement.
A row the viewer may not see loads as None (or is missing from the list).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth import policy
from gateway.auth.viewer import Viewer


class Loaders:
    def __init__(self, session: AsyncSession, viewer: Viewer) -> None:
        self.session = session
        self.viewer = viewer
        # One AsyncSession must not run two statements at once; loaders of sibling
        # fields fire together, so their SELECTs take turns.
        self._lock = asyncio.Lock()
        self._loaders: dict[tuple[Any, ...], DataLoader] = {}

    async def fetch(self, stmt: sa.Select[Any]) -> Sequence[Any]:
        """Rows of ``select(Model)...`` as plain result rows (attribute access by column
        name), not ORM objects, which cost more to build (bench/graph.py, Participants:
        1,546 -> 1,426 ms in one run). Rows are read-only, as reads are."""
        descriptions = stmt.column_descriptions
        if len(descriptions) == 1 and descriptions[0]["expr"] is descriptions[0]["entity"]:
            stmt = stmt.with_only_columns(*sa.inspect(descriptions[0]["entity"]).columns)
        async with self._lock:
            return (await self.session.execute(stmt)).all()

    def by_id(self, model: type) -> DataLoader:
        key = ("id", model)
        if key not in self._loaders:
            pk = sa.inspect(model).primary_key[0]
            condition = policy.condition_for(model, self.viewer)

            async def batch(ids: list[Any]) -> list[Any]:
                rows = await self.fetch(sa.select(model).where(pk.in_(set(ids)), condition))
                found = {getattr(r, pk.key): r for r in rows}
                return [found.get(i) for i in ids]

            self._loaders[key] = DataLoader(batch)
        return self._loaders[key]

    def by_key(
        self,
        model: type,
        column: sa.orm.InstrumentedAttribute[Any],
        *,
        order_by: Sequence[Any] = (),
        where: sa.ColumnElement[bool] | None = None,
        rule: Callable[[Viewer], sa.ColumnElement[bool]] | None = None,
        name: str = "",
    ) -> DataLoader:
        """Lists of visible rows whose ``column`` equals each key (ordered by ``order_by``).

        ``rule`` replaces the model's visibility rule with another rule of the policy
        module (only for reads that feed derived values); ``name`` tells apart loaders
        with different ``where`` or ``rule``. Callers wanting the same rows should ask
        with the same ``order_by``, so that they share one batch.
        """
        key = ("fk", model, column.key, name, tuple(str(o) for o in order_by))
        if key not in self._loaders:
            condition = (rule or (lambda v: policy.condition_for(model, v)))(self.viewer)
            if where is not None:
                condition = sa.and_(condition, where)
            pk = sa.inspect(model).primary_key[0]

            async def batch(keys: list[Any]) -> list[list[Any]]:
                stmt = (
                    sa.select(model).where(column.in_(set(keys)), condition).order_by(*order_by, pk)
                )
                grouped: dict[Any, list[Any]] = defaultdict(list)
                by_id = self.by_id(model) if rule is None else None
                for row in await self.fetch(stmt):
                    grouped[getattr(row, column.key)].append(row)
                    if by_id is not None:
                        # Same rule, same row: a later load by id needs no SELECT.
                        by_id.prime(getattr(row, pk.key), row)
                return [grouped.get(k, []) for k in keys]

            self._loaders[key] = DataLoader(batch)
        return self._loaders[key]

    def mentor_participant_ids(self) -> DataLoader:
        """ECT period id -> the participant id (api_id) of its current or latest mentor.

        One SELECT joining mentorship, mentor period and teacher, under
        ``policy.mentor_facts``: only a UUID leaves this loader, never a mentor's row.
        """
        key = ("mentor_participant_ids",)
        if key not in self._loaders:
            from gateway.models.schools import MentorAtSchoolPeriod, MentorshipPeriod
            from gateway.models.teachers import Teacher

            condition = policy.mentor_facts(self.viewer)

            async def batch(ect_period_ids: list[int]) -> list[Any]:
                stmt = (
                    sa.select(MentorshipPeriod.ect_at_school_period_id, Teacher.api_id)
                    .join(
                        MentorAtSchoolPeriod,
                        MentorAtSchoolPeriod.id == MentorshipPeriod.mentor_at_school_period_id,
                    )
                    .join(Teacher, Teacher.id == MentorAtSchoolPeriod.teacher_id)
                    .where(MentorshipPeriod.ect_at_school_period_id.in_(set(ect_period_ids)))
                    .where(condition)
                    # Open mentorship last (NULL finish sorts as the latest), so it wins.
                    .order_by(
                        MentorshipPeriod.finished_on.is_(None),
                        MentorshipPeriod.finished_on,
                        MentorshipPeriod.started_on,
                    )
                )
                async with self._lock:
                    rows = (await self.session.execute(stmt)).all()
                latest = {ect_id: api_id for ect_id, api_id in rows}
                return [latest.get(i) for i in ect_period_ids]

            self._loaders[key] = DataLoader(batch)
        return self._loaders[key]

    async def load(self, model: type, ident: Any | None) -> Any | None:
        if ident is None:
            return None
        return await self.by_id(model).load(ident)
