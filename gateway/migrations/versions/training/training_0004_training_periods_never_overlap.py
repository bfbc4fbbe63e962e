"""training periods never overlap (PostgreSQL exclusion constraints)

Revision ID: training_0004
Revises: training_0003
Create Date: 2026-11-29 19:30:00

DOMAIN.md: periods of one kind for one teacher never overlap, closed ones included. A
training period belongs to one ECT period or one mentor period, and the training of one
school period is one line of periods: a change of programme, provider or schedule, or a
resume, finishes the current one the day before the next starts. PostgreSQL enforces it
with exclusion constraints (one per kind of school period; integer and date ranges have
GiST operator classes of their own). SQLite has none: the rules finish the current
period before they open the next inside the write's transaction.
"""

from alembic import op

revision = "training_0004"
down_revision = "training_0003"
branch_labels = None
depends_on = None

_DAYS = "daterange(started_on, finished_on, '[]') WITH &&"
CONSTRAINTS = {
    "ex_training_periods_ect_no_overlap": (
        "ect_at_school_period_id",
        "ect_at_school_period_id IS NOT NULL",
    ),
    "ex_training_periods_mentor_no_overlap": (
        "mentor_at_school_period_id",
        "mentor_at_school_period_id IS NOT NULL",
    ),
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, (column, where) in CONSTRAINTS.items():
            op.execute(
                f"ALTER TABLE training_periods ADD CONSTRAINT {name} EXCLUDE USING gist "
                f"(int4range({column}, {column}, '[]') WITH =, {_DAYS}) WHERE ({where})"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in CONSTRAINTS:
            op.execute(f"ALTER TABLE training_periods DROP CONSTRAINT {name}")
