"""Automatic persisted queries: documents sent once with their SHA-256, recalled by hash.

Apollo's protocol: a client sends only ``extensions.persistedQuery.sha256Hash``; when the
gateway does not know the hash it answers PERSISTED_QUERY_NOT_FOUND and the client sends
the text with the hash, which the gateway checks and remembers. The trusted documents
(gateway/trusted/manifest.py) are always known; others are remembered here, per process,
the most recently used first (a bounded store: a client sending many distinct documents
evicts the oldest, which costs a client one more round trip, never correctness). Several
processes each learn a document once; nothing is shared or persisted across restarts.
"""

from __future__ import annotations

from collections import OrderedDict

MAX_DOCUMENTS = 1_000
"""Documents remembered per process (each at most MAX_REQUEST_BYTES, usually ~1 KB)."""


class PersistedQueries:
    def __init__(self, max_documents: int = MAX_DOCUMENTS) -> None:
        self._documents: OrderedDict[str, str] = OrderedDict()
        self._max = max_documents

    def remember(self, sha256: str, text: str) -> None:
        """Keep ``text`` under its hash (the caller checked that they match)."""
        self._documents[sha256.lower()] = text
        self._documents.move_to_end(sha256.lower())
        while len(self._documents) > self._max:
            self._documents.popitem(last=False)

    def recall(self, sha256: str) -> str | None:
        text = self._documents.get(sha256.lower())
        if text is not None:
            self._documents.move_to_end(sha256.lower())
        return text
