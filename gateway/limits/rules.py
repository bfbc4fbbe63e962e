"""The limits of each role: one table, overridable per role by the ``GATEWAY_LIMITS``
setting (JSON, e.g. ``{"lead_provider": {"bucket": 500000}}``).

Every role has a row, and so do callers without accepted credentials ("anonymous"):
a role the table does not name gets nothing (``limits_for`` raises), so a new role
cannot slip through with no limits.

How the budgets were chosen (cost points, see ``gateway.limits.cost``):

- a lead provider's participants page of 1,000 estimates at 10,002 points
  (``operations/lead_provider/Participants.graphql``), 3,000 at 30,002; a page of 3,000
  participants with every training period, its schedule and its declarations at 183,001 (lists are
  assumed full, so estimates run high): the per-operation maximum is 200,000, so pages
  of 3,000 stay allowed. A full sync of 10,911 participants in pages of 1,000 is 11
  pages, about 110,000 points estimated (and less once settled at the actual cost); the
  bucket holds 1,000,000, so a full sync of every list runs in one go, and it regains
  500 points a second (1.8 million an hour);
- schools, appropriate bodies and DfE use pages of at most 100: their operations
  (the caseload: 3,602; the school dashboard: 981) and a page of 100 teachers with
  every period, partnership and declaration (15,301) fit 20,000 per operation; a bucket
  of 100,000 lets a frontend page through thousands of rows at once, and it regains 50
  points a second (DfE: 100);
- anonymous callers can only ask who they are and (outside production) introspect:
  few tokens and little cost, and their bucket is per client address.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from gateway.auth.viewer import Role
from gateway.errors import BadUserInput

ANONYMOUS = "anonymous"
"""The row for callers without accepted credentials."""

DEFAULT_PAGE_SIZE = 100
"""A connection's page when ``first`` is absent (capped by the role's page size)."""


@dataclass(frozen=True)
class RoleLimits:
    depth: int
    """Fields nested on the longest path, leaf included (introspection not counted)."""
    aliases: int
    """Aliased fields in the operation, fragments expanded."""
    root_fields: int
    """Fields at the root of the operation."""
    tokens: int
    """Lexical tokens of the document (punctuation, names, values), before parsing."""
    page_size: int
    """The largest ``first`` of any list."""
    max_cost: int
    """The largest estimated cost of one operation."""
    bucket: int
    """Cost points the bucket holds when full."""
    restore_rate: int
    """Points restored to the bucket each second."""

    @property
    def default_page(self) -> int:
        return min(DEFAULT_PAGE_SIZE, self.page_size)


_FRONTEND = RoleLimits(
    depth=15,
    aliases=30,
    root_fields=10,
    tokens=4000,
    page_size=100,
    max_cost=20_000,
    bucket=100_000,
    restore_rate=50,
)
_DFE = dataclasses.replace(_FRONTEND, restore_rate=100)

DEFAULT_LIMITS: dict[str, RoleLimits] = {
    # The same shape as everyone (an anonymous document beyond the cost maximum is
    # refused for its missing credentials); fewer tokens to parse, little to spend.
    ANONYMOUS: RoleLimits(
        depth=15,
        aliases=30,
        root_fields=10,
        tokens=1000,
        page_size=100,
        max_cost=100,
        bucket=1_000,
        restore_rate=10,
    ),
    Role.SCHOOL_USER: _FRONTEND,
    Role.APPROPRIATE_BODY_USER: _FRONTEND,
    Role.LEAD_PROVIDER: dataclasses.replace(
        _FRONTEND,
        page_size=3_000,
        max_cost=200_000,
        bucket=1_000_000,
        restore_rate=500,
    ),
    Role.ADMIN: _DFE,
    Role.FINANCE: _DFE,
}

LIMIT_NAMES = tuple(f.name for f in dataclasses.fields(RoleLimits))


class LimitsSettingError(ValueError):
    """``GATEWAY_LIMITS`` names an unknown role or limit, or a value that is no count."""


def parse_overrides(raw: str | None) -> dict[str, dict[str, int]]:
    """``GATEWAY_LIMITS`` read and checked: role -> limit -> positive integer."""
    if not raw:
        return {}
    try:
        given: Any = json.loads(raw)
    except json.JSONDecodeError:
        raise LimitsSettingError(
            'GATEWAY_LIMITS is not JSON: expected e.g. {"lead_provider": {"bucket": 500000}}'
        ) from None
    if not isinstance(given, dict):
        raise LimitsSettingError("GATEWAY_LIMITS must be a JSON object of roles")
    overrides: dict[str, dict[str, int]] = {}
    for role, values in given.items():
        if role not in DEFAULT_LIMITS:
            raise LimitsSettingError(
                f"GATEWAY_LIMITS names {role!r}: expected one of {', '.join(DEFAULT_LIMITS)}"
            )
        if not isinstance(values, dict):
            raise LimitsSettingError(f"GATEWAY_LIMITS[{role!r}] must be an object of limits")
        for name, value in values.items():
            if name not in LIMIT_NAMES:
                raise LimitsSettingError(
                    f"GATEWAY_LIMITS[{role!r}] names {name!r}: expected one of "
                    f"{', '.join(LIMIT_NAMES)}"
                )
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise LimitsSettingError(
                    f"GATEWAY_LIMITS[{role!r}][{name!r}] is {value!r}: expected a positive integer"
                )
        overrides[role] = dict(values)
    return overrides


def limits_for(role: Role | None, overrides: dict[str, dict[str, int]] | None = None) -> RoleLimits:
    """The limits of ``role`` (None: no accepted credentials), with the settings'
    overrides; KeyError for a role the table does not name (fail closed)."""
    key = ANONYMOUS if role is None else str(role)
    limits = DEFAULT_LIMITS[key]
    changes = (overrides or {}).get(key)
    if not changes:
        return limits
    limits = dataclasses.replace(limits, **changes)
    # An operation dearer than a full bucket could never run: RATE_LIMITED forever, with
    # a Retry-After that never comes true. Such an operation is too costly, and is
    # refused as such (COST_LIMIT_EXCEEDED, saying the real maximum).
    return dataclasses.replace(limits, max_cost=min(limits.max_cost, limits.bucket))


def page_size_within(first: int, cap: int) -> int:
    """``first`` when the caller may ask for that page; BAD_USER_INPUT otherwise."""
    if not 1 <= first <= cap:
        raise BadUserInput(f"'first' is {first}: it must be between 1 and {cap}.")
    return first
