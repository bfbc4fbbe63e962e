"""The limit each document is measured against: the same response built by one
hand-written SQL statement, ``bench/reference/<folder>/<Name>.<dialect>.sql``.

A reference returns one row with one column: the JSON of the response's ``data``. Its
parameters are named (``:first``, ``:lead_provider_id``…), from the document's variables
and the scope of the run's tokens. A reference whose parsed JSON differs from the
gateway's response measures something else, so the benchmark compares them first and
reports a mismatch instead of a ratio.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db import create_engine

REFERENCES = Path(__file__).resolve().parents[1] / "reference"
PARAMETER = re.compile(r"(?<![:\w]):([a-z_]+)\b")


def dialect_of(url: str) -> str:
    return make_url(url).get_backend_name()


def reference_path(folder: str, name: str, dialect: str) -> Path | None:
    path = REFERENCES / folder / f"{name}.{dialect}.sql"
    return path if path.is_file() else None


@dataclass
class Reference:
    path: Path
    statement: sa.TextClause
    parameters: dict[str, Any]

    @classmethod
    def load(cls, path: Path, values: dict[str, Any]) -> Reference:
        sql = path.read_text()
        names = set(PARAMETER.findall(sql))
        missing = names - values.keys()
        if missing:
            raise KeyError(f"{path.name} needs {', '.join(sorted(missing))}")
        return cls(path, sa.text(sql), {n: values[n] for n in names})


class References:
    """An engine of its own (the gateway's engine settings: PostgreSQL without JIT) to run
    and time the references outside the server."""

    def __init__(self, url: str) -> None:
        self.dialect = dialect_of(url)
        self.engine: AsyncEngine = create_engine(url)

    def find(self, folder: str, name: str, values: dict[str, Any]) -> Reference | None:
        path = reference_path(folder, name, self.dialect)
        return Reference.load(path, values) if path else None

    async def run(self, reference: Reference) -> tuple[float, bytes]:
        """Seconds from sending the statement to holding the JSON text, and the text."""
        async with self.engine.connect() as conn:
            started = time.perf_counter()
            text = (await conn.execute(reference.statement, reference.parameters)).scalar_one()
            elapsed = time.perf_counter() - started
        return elapsed, text.encode() if isinstance(text, str) else orjson.dumps(text)

    async def dispose(self) -> None:
        await self.engine.dispose()


def _short(value: Any, width: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _kind(value: Any) -> str:
    """JSON's kinds: 1 and 1.0 are one number, but True is not 1."""
    if isinstance(value, bool):
        return "boolean"
    return "number" if isinstance(value, int | float) else type(value).__name__


def differences(expected: Any, actual: Any, path: str = "data", limit: int = 5) -> list[str]:
    """Where two parsed JSON values differ (the first few), to say why a reference does
    not match."""
    out: list[str] = []

    def walk(a: Any, b: Any, where: str) -> None:
        if len(out) >= limit:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(a.keys() | b.keys()):
                if key not in a or key not in b:
                    out.append(f"{where}.{key}: only in {'gateway' if key in a else 'reference'}")
                else:
                    walk(a[key], b[key], f"{where}.{key}")
        elif isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                out.append(f"{where}: {len(a)} items from the gateway, {len(b)} from the reference")
            for i, (x, y) in enumerate(zip(a, b, strict=False)):
                walk(x, y, f"{where}[{i}]")
        elif a != b or _kind(a) != _kind(b):
            out.append(f"{where}: gateway {_short(a)}, reference {_short(b)}")

    walk(expected, actual, path)
    return out
