"""statement fee type follows month

Revision ID: payments_0002
Revises: payments_0001
Create Date: 2026-11-29 08:44:55.496889
"""

from alembic import op
import sqlalchemy as sa


revision = 'payments_0002'
down_revision = 'payments_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Output statements fall in months 1, 4, 8 and 11; every other month is service only.
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_statements_fee_type_follows_month"),
            "(fee_type = 'output') = (month IN (1, 4, 8, 11))",
        )


def downgrade() -> None:
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_statements_fee_type_follows_month"), type_="check")
