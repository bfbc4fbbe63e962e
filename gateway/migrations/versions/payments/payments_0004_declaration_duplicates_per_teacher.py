"""declarations: one that is or will be paid per teacher, participant type and declaration
type (across training periods and providers); the delivery partner is required

Revision ID: payments_0004
Revises: payments_0003
Create Date: 2026-11-29 19:00:00

Declarations made before this revision on training with only an expression of interest
(no partnership, so no delivery partner) first take the delivery partner of the
training period's partnership when it has one now. Those still without one are deleted:
only the old demo seed made them (the real service requires the partner when declaring,
and no real service ran on this schema before this revision); reseed to get them back
under the new rule.
"""

import sqlalchemy as sa
from alembic import op

revision = "payments_0004"
down_revision = "payments_0003"
branch_labels = None
depends_on = None

BILLABLE = (
    "payment_status IN ('no_payment', 'eligible', 'payable', 'paid') "
    "AND clawback_status = 'no_clawback'"
)


def upgrade() -> None:
    conn = op.get_bind()
    tables = set(sa.inspect(conn).get_table_names())
    if {"training_periods", "school_partnerships", "lead_provider_delivery_partnerships"} <= tables:
        conn.execute(
            sa.text(
                "UPDATE declarations SET delivery_partner_id = ("
                " SELECT lpdp.delivery_partner_id FROM training_periods t"
                " JOIN school_partnerships sp ON sp.id = t.school_partnership_id"
                " JOIN lead_provider_delivery_partnerships lpdp"
                "  ON lpdp.id = sp.lead_provider_delivery_partnership_id"
                " WHERE t.id = declarations.training_period_id)"
                " WHERE delivery_partner_id IS NULL"
            )
        )
    conn.execute(sa.text("DELETE FROM declarations WHERE delivery_partner_id IS NULL"))
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_declarations_billable_type",
            sqlite_where=sa.text(BILLABLE),
            postgresql_where=sa.text(BILLABLE),
        )
        batch_op.alter_column("delivery_partner_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(
            "uq_declarations_billable_teacher_type",
            ["teacher_id", "participant_type", "declaration_type"],
            unique=True,
            sqlite_where=sa.text(BILLABLE),
            postgresql_where=sa.text(BILLABLE),
        )


def downgrade() -> None:
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_declarations_billable_teacher_type",
            sqlite_where=sa.text(BILLABLE),
            postgresql_where=sa.text(BILLABLE),
        )
        batch_op.alter_column("delivery_partner_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(
            "uq_declarations_billable_type",
            ["training_period_id", "declaration_type"],
            unique=True,
            sqlite_where=sa.text(BILLABLE),
            postgresql_where=sa.text(BILLABLE),
        )
