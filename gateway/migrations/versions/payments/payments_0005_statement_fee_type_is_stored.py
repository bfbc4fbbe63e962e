"""a statement's fee type is stored, not tied to its month

Revision ID: payments_0005
Revises: payments_0004
Create Date: 2026-11-29 19:05:00

DOMAIN.md used to tie output statements to months 1, 4, 8 and 11 and payments_0002
enforced it. The real service stores the fee type, set by finance when the statement
calendar is made, and has output statements in other months (October, for instance):
migrated statements would have been refused. The constraint goes.
"""

from alembic import op

revision = "payments_0005"
down_revision = "payments_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_statements_fee_type_follows_month"), type_="check")


def downgrade() -> None:
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_statements_fee_type_follows_month"),
            "(fee_type = 'output') = (month IN (1, 4, 8, 11))",
        )
