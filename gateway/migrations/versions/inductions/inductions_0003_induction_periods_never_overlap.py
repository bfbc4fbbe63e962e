"""induction periods never overlap (PostgreSQL exclusion constraint)

Revision ID: inductions_0003
Revises: inductions_0002
Create Date: 2026-11-29 17:20:00

A teacher's induction periods, closed ones included, never overlap. PostgreSQL enforces
it with an exclusion constraint (ranges have GiST operator classes of their own, so no
extension is needed). SQLite has no such constraint: the rules check it inside the
write's transaction (gateway/rules/inductions.py), where SQLite's single writer makes
the check safe.
"""

from alembic import op

revision = "inductions_0003"
down_revision = "inductions_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE induction_periods ADD CONSTRAINT ex_induction_periods_no_overlap "
            "EXCLUDE USING gist (int4range(teacher_id, teacher_id, '[]') WITH =, "
            "daterange(started_on, finished_on, '[]') WITH &&)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE induction_periods DROP CONSTRAINT ex_induction_periods_no_overlap"
        )
