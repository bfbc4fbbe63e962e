"""The one place the gateway reaches into Strawberry's internals.

Strawberry has no public way to describe the values of an enum that already exists
(the models' enums are shared with SQLAlchemy, so they cannot be rewritten with
``strawberry.enum_value``). ``describe_enum_values`` sets the descriptions on the enum's
Strawberry definition. ``tests/test_schema.py`` fails when a Strawberry release changes
this: it checks that every enum value in the SDL has its description, and
``tests/test_compat.py`` checks the attribute this module relies on.
"""

from __future__ import annotations

import enum
from typing import Any


def describe_enum_values(enum_cls: type[enum.Enum], descriptions: dict[str, str]) -> None:
    """Give each GraphQL value of ``enum_cls`` (already passed to ``strawberry.enum``) the
    description for its member name."""
    definition: Any = enum_cls.__strawberry_definition__  # type: ignore[attr-defined]
    for value in definition.values:
        value.description = descriptions[value.name]
