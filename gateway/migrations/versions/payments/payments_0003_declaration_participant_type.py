"""declarations say whose training they are about: an ECT's or a mentor's

Revision ID: payments_0003
Revises: payments_0002
Create Date: 2026-11-29 18:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "payments_0003"
down_revision = "payments_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "participant_type",
                sa.Enum(
                    "ect",
                    "mentor",
                    name="declaration_participant_type",
                    native_enum=False,
                    create_constraint=True,
                    length=6,
                ),
                nullable=True,
            )
        )
    conn = op.get_bind()
    if "training_periods" in sa.inspect(conn).get_table_names():
        # Repeated from the training period, where it never changes.
        conn.execute(
            sa.text(
                "UPDATE declarations SET participant_type = (SELECT CASE WHEN"
                " t.ect_at_school_period_id IS NOT NULL THEN 'ect' ELSE 'mentor' END"
                " FROM training_periods t WHERE t.id = declarations.training_period_id)"
            )
        )
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.alter_column(
            "participant_type", existing_type=sa.String(length=6), nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.drop_column("participant_type")
