"""The loader registry and the two shapes of loader: rows by id, lists by a key."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, ClassVar, Concatenate, TypeAlias, TypeVar, cast

import sqlalchemy as sa
from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth import policy
from gateway.auth.viewer import Viewer

L = TypeVar("L", bound=DataLoader)

ResultRow: TypeAlias = sa.Row[*tuple[Any, ...]]
"""A row as ``Loaders.fetch`` returns it: any number of columns, read by attribute name
(``row.school_id``) as Any; read-only, and not an instance of the model."""


class Loaders:
    """The loaders of one request, for one viewer's ``policy.Scope``."""

    def __init__(self, session: AsyncSession, scope: policy.Scope) -> None:
        self.session = session
        self.scope = scope
        # One AsyncSession must not run two statements at once; loaders of sibling
        # fields fire together, so their SELECTs take turns.
        self._lock = asyncio.Lock()
        self._loaders: dict[tuple[Hashable, ...], DataLoader] = {}

    async def fetch(self, stmt: sa.Select[Any]) -> Sequence[ResultRow]:
        """Rows of ``select(Model)...`` as plain result rows (attribute access by column
        name), not ORM objects, which cost more to build (bench/graph.py, Participants:
        1,546 -> 1,426 ms in one run). Rows are read-only, as reads are."""
        descriptions = stmt.column_descriptions
        if len(descriptions) == 1 and descriptions[0]["expr"] is descriptions[0]["entity"]:
            stmt = stmt.with_only_columns(*sa.inspect(descriptions[0]["entity"]).columns)
        async with self._lock:
            return (await self.session.execute(stmt)).all()

    def get(self, cls: Callable[Concatenate[Loaders, ...], L], *params: Hashable) -> L:
        """The request's loader of class ``cls`` with ``params`` (its cache key).

        ``cls`` is a loader class; typed as what it is called as, since loader classes
        take ``(loaders, *params)`` where ``DataLoader`` takes a batch function."""
        key = (cls, *params)
        loader = self._loaders.get(key)
        if loader is None:
            loader = self._loaders[key] = cls(self, *params)
        # The key starts with cls, so the loader cached under it is a cls.
        return cast(L, loader)

    def by_id(self, model: type) -> RowsById:
        return self.get(RowsById, model)

    async def load(self, model: type, ident: Any | None) -> ResultRow | None:
        if ident is None:
            return None
        return await self.by_id(model).load(ident)


class RowsById(DataLoader):
    """Visible rows of ``model`` by primary key (None where not visible)."""

    def __init__(self, loaders: Loaders, model: type) -> None:
        super().__init__()
        self.loaders = loaders
        self.model = model
        self.pk: sa.Column[Any] = sa.inspect(model).primary_key[0]

    async def batch_load_fn(self, ids: list[Any]) -> list[ResultRow | None]:
        stmt = self.loaders.scope.select(self.model).where(self.pk.in_(set(ids)))
        found = {getattr(r, self.pk.key): r for r in await self.loaders.fetch(stmt)}
        return [found.get(i) for i in ids]


class RowsByKey(DataLoader):
    """Lists of visible rows whose ``key`` column equals each key, in ``order_by`` order.

    Subclasses name the model, key and ordering; ``facts`` replaces the model's rule by
    a facts rule of the policy (rows that only feed a derived value); ``condition`` adds
    the subclass's parameters (e.g. only current periods).
    """

    model: ClassVar[type]
    key: ClassVar[Any]
    order_by: ClassVar[Sequence[Any]] = ()
    # A staticmethod (a policy.Rule), so that reading it through an instance gives the
    # rule itself rather than binding the instance as its viewer.
    facts: ClassVar[staticmethod[[Viewer], sa.ColumnElement[bool]] | None] = None

    def __init__(self, loaders: Loaders, *params: Hashable) -> None:
        super().__init__()
        self.loaders = loaders
        # Any: what each parameter means (a flag, a year) is the subclass's to know.
        self.params: tuple[Any, ...] = params

    def condition(self) -> sa.ColumnElement[bool] | None:
        return None

    async def batch_load_fn(self, keys: list[Any]) -> list[list[ResultRow]]:
        scope = self.loaders.scope
        # Read through the class: ``key`` is a SQLAlchemy descriptor.
        key = type(self).key
        pk: sa.Column[Any] = sa.inspect(self.model).primary_key[0]
        if self.facts is None:
            stmt = scope.select(self.model)
        else:
            stmt = scope.facts(self.facts, self.model)
        stmt = stmt.where(key.in_(set(keys))).order_by(*self.order_by, pk)
        extra = self.condition()
        if extra is not None:
            stmt = stmt.where(extra)
        grouped: dict[Any, list[ResultRow]] = defaultdict(list)
        by_id = self.loaders.by_id(self.model) if self.facts is None else None
        for row in await self.loaders.fetch(stmt):
            grouped[getattr(row, key.key)].append(row)
            if by_id is not None:
                # Same rule, same row: a later load by id needs no SELECT.
                by_id.prime(getattr(row, pk.key), row)
        return [grouped.get(k, []) for k in keys]


def current_condition(model: Any, current: bool | None) -> sa.ColumnElement[bool] | None:
    """``current``: True only open periods, False only finished ones, None all."""
    if current is None:
        return None
    return model.finished_on.is_(None) if current else model.finished_on.is_not(None)


class ReadableContacts(DataLoader):
    """Id -> the contact details of a row of ``model`` (a row with ``email``, or for a
    school ``induction_tutor_name`` and ``induction_tutor_email``) when the viewer may
    read them, else None: ``policy.readable_email`` decides."""

    def __init__(self, loaders: Loaders, model: type) -> None:
        super().__init__()
        self.loaders = loaders
        self.model: Any = model

    async def batch_load_fn(self, ids: list[int]) -> list[ResultRow | None]:
        stmt = self.loaders.scope.contacts(self.model).where(self.model.id.in_(set(ids)))
        found = {row.id: row for row in await self.loaders.fetch(stmt)}
        return [found.get(i) for i in ids]
