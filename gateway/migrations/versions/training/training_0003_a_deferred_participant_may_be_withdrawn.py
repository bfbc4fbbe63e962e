"""a deferred participant may be withdrawn

Revision ID: training_0003
Revises: training_0002
Create Date: 2026-11-29 18:55:00.000000

The real service lets a lead provider withdraw a deferred participant (the latest
action wins, and the deferral is kept). ``withdrawn_or_deferred`` refused that; it
becomes ``withdrawn_after_deferral``: both may be set, the withdrawal not before the
deferral (a withdrawn participant is never deferred).
"""

from alembic import op


revision = 'training_0003'
down_revision = 'training_0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('training_periods', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_training_periods_withdrawn_or_deferred'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_training_periods_withdrawn_after_deferral'),
            'withdrawn_at IS NULL OR deferred_at IS NULL OR withdrawn_at >= deferred_at',
        )


def downgrade() -> None:
    # Fails while a withdrawn participant keeps a deferral: that is the point.
    with op.batch_alter_table('training_periods', schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f('ck_training_periods_withdrawn_after_deferral'), type_='check'
        )
        batch_op.create_check_constraint(
            op.f('ck_training_periods_withdrawn_or_deferred'),
            'withdrawn_at IS NULL OR deferred_at IS NULL',
        )
