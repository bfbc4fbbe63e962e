"""school periods never overlap (PostgreSQL exclusion constraints)

Revision ID: schools_0002
Revises: schools_0001
Create Date: 2026-11-29 19:00:00

DOMAIN.md: periods of one kind for one teacher never overlap, closed ones included.
- ECT periods: one teacher is an ECT at one school at a time, across all schools.
- Mentor periods: a mentor may be at several schools at once, but their periods at
  one school never overlap.
- Mentorships: an ECT period has one mentor at a time.
PostgreSQL enforces these with exclusion constraints (integer and date ranges have GiST
operator classes of their own, so no extension is needed). SQLite has none: the rules
check inside the write's transaction (gateway/rules/schools.py), where SQLite's single
writer (BEGIN IMMEDIATE) makes the check safe.
"""

from alembic import op

revision = "schools_0002"
down_revision = "schools_0001"
branch_labels = None
depends_on = None

_DAYS = "daterange(started_on, finished_on, '[]') WITH &&"
CONSTRAINTS = {
    "ect_at_school_periods": (
        "ex_ect_at_school_periods_no_overlap",
        f"int4range(teacher_id, teacher_id, '[]') WITH =, {_DAYS}",
    ),
    "mentor_at_school_periods": (
        "ex_mentor_at_school_periods_no_overlap",
        "int4range(teacher_id, teacher_id, '[]') WITH =, "
        f"int4range(school_id, school_id, '[]') WITH =, {_DAYS}",
    ),
    "mentorship_periods": (
        "ex_mentorship_periods_no_overlap",
        f"int4range(ect_at_school_period_id, ect_at_school_period_id, '[]') WITH =, {_DAYS}",
    ),
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, (name, elements) in CONSTRAINTS.items():
            op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} EXCLUDE USING gist ({elements})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, (name, _) in CONSTRAINTS.items():
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
