"""declarations walk in update order

Revision ID: payments_0006
Revises: payments_0005
Create Date: 2026-11-29 21:30:00

A lead provider's declarations list is its own declarations and, for its participants,
other providers' (gateway/auth/policy.py): a condition no (lead provider, updated_at)
index can serve, so each page sorted every visible declaration (2.1 s at scale 1.0).
With an index in the list's keyset order (updated_at, id) a page walks it and stops
after ``first`` visible rows (issue 11, "scope at scale").
"""

from alembic import op

revision = "payments_0006"
down_revision = "payments_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_declarations_updated", "declarations", ["updated_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_declarations_updated", "declarations")
