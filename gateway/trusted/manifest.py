"""The trusted operations: the documents under ``operations/``, keyed by SHA-256.

Each ``operations/<role>/<Name>.graphql`` is one trusted document, written for the role
its folder names. The manifest is read once, at start-up. A client may send a document's
hash instead of its text, in Apollo's persisted-query shape
(``"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}``).

The API is small on purpose: ``by_hash`` and ``by_text`` find a document, ``documents``
lists them; the next step ("run only trusted operations, per role") needs no more.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gateway.auth.viewer import Role


def sha256_hex(text: str) -> str:
    """The key of a document: SHA-256 of its UTF-8 text, lower-case hex (as Apollo's
    clients compute ``sha256Hash``)."""
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class TrustedDocument:
    """One document of the manifest."""

    sha256: str
    text: str
    role: Role  # the role whose folder holds it
    name: str  # the file name without .graphql (the operation's name)
    path: Path


class Manifest:
    """The trusted documents, by hash and by text."""

    def __init__(self, documents: list[TrustedDocument]) -> None:
        self._by_hash = {d.sha256: d for d in documents}

    @classmethod
    def load(cls, operations_dir: str | Path) -> Manifest:
        """Every ``<role>/<Name>.graphql`` under ``operations_dir`` (folders that name
        no role are not trusted documents); an absent directory is an empty manifest."""
        root = Path(operations_dir)
        documents: list[TrustedDocument] = []
        roles = {role.value: role for role in Role}
        for path in sorted(root.glob("*/*.graphql")) if root.is_dir() else []:
            role = roles.get(path.parent.name)
            if role is None:
                continue
            text = path.read_text(encoding="utf-8")
            documents.append(TrustedDocument(sha256_hex(text), text, role, path.stem, path))
        return cls(documents)

    def by_hash(self, sha256: str) -> TrustedDocument | None:
        return self._by_hash.get(sha256.lower())

    def by_text(self, text: str) -> TrustedDocument | None:
        return self._by_hash.get(sha256_hex(text))

    def documents(self) -> Iterator[TrustedDocument]:
        return iter(self._by_hash.values())

    def __len__(self) -> int:
        return len(self._by_hash)
