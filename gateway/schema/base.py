"""Pieces every schema module uses: the Node base over models, enums, scalars."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable
from typing import Any, ClassVar, Self, TypeVar

import strawberry
from strawberry import relay
from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from gateway.context import Context
from gateway.errors import BadUserInput, NotFound
from gateway.loaders.base import ResultRow
from gateway.models import Base
from gateway.schema.compat import describe_enum_values

E = TypeVar("E", bound=enum.Enum)


def ctx(info: Info) -> Context:
    return info.context


def gql_enum(enum_cls: type[E], name: str, description: str, values: dict[Any, str]) -> type[E]:
    """Expose a model enum in the graph with a description on the type and every value.

    The enum class itself becomes the GraphQL enum, so annotate fields with it or a
    plain alias of it (``SchoolType = sm.SchoolType``): mypy takes no call's result as
    a type. The class is still returned, so ``X = gql_enum(...)`` stays the same class
    at runtime (were it None, fields annotated with it would silently become Void)."""
    missing = set(enum_cls) - set(values)
    if missing:
        raise ValueError(f"{name}: no description for {sorted(m.name for m in missing)}")
    strawberry.enum(enum_cls, name=name, description=description)
    describe_enum_values(enum_cls, {m.name: text for m, text in values.items()})
    return enum_cls


def spelled_out(enum_cls: type[E], suffix: str = ".") -> dict[E, str]:
    """Descriptions that spell each value out ("moved_school" -> "Moved school.")."""
    return {m: str(m.value).replace("_", " ").capitalize() + suffix for m in enum_cls}


MAX_ID = 2**31 - 1
"""Primary keys are 32-bit integers: a larger number names nothing (and PostgreSQL
would refuse to compare it)."""


def _node_ids(node_ids: Iterable[str], type_name: str) -> list[int]:
    try:
        ids = [int(i) for i in node_ids]
    except ValueError:
        raise BadUserInput(f"{type_name} ids are integers inside the global ID.") from None
    if any(not 1 <= i <= MAX_ID for i in ids):
        raise BadUserInput(
            f"{type_name} ids inside the global ID are from 1 to {MAX_ID}: use an id the "
            "graph gave you."
        )
    return ids


class ModelNode(relay.Node):
    """A Relay node backed by one model row, loaded through the viewer's scoped loaders.

    Every subclass is a Strawberry type that declares ``row`` as its own private field;
    the declaration here only tells the type checker (ModelNode is no Strawberry type,
    so it makes no field)."""

    model: ClassVar[type]
    # A result row from the loaders; a model instance when a mutation returns what it
    # wrote. Fields read the same attributes from either.
    row: strawberry.Private[ResultRow]

    @classmethod
    def from_row(cls, row: ResultRow | Base, **private: Any) -> Self:
        """Fields named like model attributes are copied; the rest are resolvers.

        ``private`` fills other private fields (e.g. a training period's facts)."""
        kwargs = {
            f.name: getattr(row, f.name)
            for f in dataclasses.fields(cls)
            if f.init and f.name != "row" and f.name not in private
        }
        # The subclasses' constructors take row; ModelNode's (Node's) does not.
        return cls(row=row, **kwargs, **private)  # type: ignore[call-arg]

    @classmethod
    def maybe(cls, row: ResultRow | Base | None) -> Self | None:
        return None if row is None else cls.from_row(row)

    @classmethod
    def many(cls, rows: Iterable[ResultRow]) -> list[Self]:
        return [cls.from_row(r) for r in rows]

    @classmethod
    async def load_rows(
        cls, info: Info, node_ids: Iterable[str], required: bool
    ) -> list[ResultRow | None]:
        ids = _node_ids(node_ids, cls.__name__)
        rows = await ctx(info).loaders.by_id(cls.model).load_many(ids)
        if required and any(r is None for r in rows):
            raise NotFound(f"No {cls.__name__} with that id is visible to you.")
        return rows

    # Node overloads resolve_nodes on ``required`` so that True promises no None; one
    # signature serves here, and keeps the promise: load_rows raises NotFound instead.
    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return [cls.maybe(r) for r in await cls.load_rows(info, node_ids, required)]


def selected_subfields(info: Info) -> set[str]:
    """Names of the fields selected under the field being resolved (through fragments).

    Computed once per place in the query: the same field of 1,000 list items shares it
    (the place is the response path without its list indexes)."""
    cache = ctx(info).selection_cache
    key = tuple(k for k in info.path.as_list() if isinstance(k, str))
    if key not in cache:
        cache[key] = _selected_subfields(info)
    return cache[key]


def _selected_subfields(info: Info) -> set[str]:
    names: set[str] = set()

    def walk(selections: Iterable[Any]) -> None:
        for selection in selections:
            if isinstance(selection, SelectedField):
                names.add(selection.name)
            else:  # fragment spread or inline fragment
                walk(selection.selections)

    for field in info.selected_fields:
        walk(field.selections)
    return names


@strawberry.type(description="Something you may do, and whether it applies here now.")
class Action:
    name: str = strawberry.field(description="The mutation that does it (e.g. releaseEct).")
    available: bool = strawberry.field(description="True when it applies now.")
    reason: str | None = strawberry.field(description="Why it does not apply now, if not.")

    @classmethod
    def many(cls, decided: list[tuple[str, str | None]]) -> list[Action]:
        return [cls(name=n, available=r is None, reason=r) for n, r in decided]
