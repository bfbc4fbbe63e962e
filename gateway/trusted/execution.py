"""The compiled path inside Strawberry's execution.

``CompiledExecution`` runs after gateway/limits' extension: by then Strawberry has parsed
and validated the document, and the limits have priced it and charged the caller's
bucket (or refused it, setting the result). If the document is a planned trusted one for
the viewer's role, the extension sets the result to each root field's JSON as the
database built it (``CompiledJSON``), and Strawberry, finding a result, does not execute.
The HTTP view writes those bytes into the response as they are (``compiled_json``), so no
Python object is built per row; the cost of what was returned is read from them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
from graphql import ExecutionResult
from strawberry.extensions import SchemaExtension


class CompiledJSON:
    """A root field's value as the database built it: JSON text (UTF-8). Not a
    dataclass: orjson would encode a dataclass itself instead of asking ``default``."""

    __slots__ = ("raw",)

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def parsed(self) -> Any:
        return orjson.loads(self.raw)


def compiled_json(value: object) -> orjson.Fragment:
    """orjson's ``default``: a compiled field's bytes, spliced into the response as they
    are (anything else orjson cannot encode is a bug, raised as orjson would)."""
    if isinstance(value, CompiledJSON):
        return orjson.Fragment(value.raw)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def parsed(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """``data`` with compiled fields parsed (for reading what was returned, e.g. its cost)."""
    if data is None:
        return None
    return {k: v.parsed() if isinstance(v, CompiledJSON) else v for k, v in data.items()}


class CompiledExecution(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        ec = self.execution_context
        context = ec.context
        trusted = getattr(context, "trusted", None)
        if ec.result is None and trusted is not None:
            fields = await trusted.compiled(ec.query, ec.operation_name, ec.variables, context)
            if fields is not None:
                ec.result = ExecutionResult(
                    data={key: CompiledJSON(raw) for key, raw in fields.items()}
                )
        yield
