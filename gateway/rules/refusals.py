"""Refusals: a domain rule that says no raises one, with a stable code, the input field
it is about, and a message that says what was wrong and what would be right.

Mutations turn a refusal into ``userErrors`` on their payload; the transaction it was
raised in rolls back, so nothing is written.
"""

from __future__ import annotations


class Refusal(Exception):
    def __init__(self, code: str, field: str | None, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.message = message


def not_found(field: str, what: str) -> Refusal:
    """Out of scope reads exactly like absent: the caller cannot tell the difference."""
    return Refusal("NOT_FOUND", field, f"No {what} with that id is visible to you.")
