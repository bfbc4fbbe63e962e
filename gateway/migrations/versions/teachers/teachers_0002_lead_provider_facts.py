"""lead provider facts stored on the teacher: training record ids, funding eligibility,
payments-frozen cohorts, and participant id changes

Revision ID: teachers_0002
Revises: teachers_0001
Create Date: 2026-11-29 18:45:00
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "teachers_0002"
down_revision = "teachers_0001"
branch_labels = None
depends_on = None

REASONS = ("completed_declaration_received", "completed_during_early_roll_out", "started_not_completed")


def _backfill_training_record_ids() -> None:
    """One new UUID per teacher and participant type (portable: generated here)."""
    conn = op.get_bind()
    teachers = sa.table(
        "teachers",
        sa.column("id", sa.Integer),
        sa.column("api_ect_training_record_id", sa.Uuid),
        sa.column("api_mentor_training_record_id", sa.Uuid),
    )
    ids = [row.id for row in conn.execute(sa.select(teachers.c.id))]
    for teacher_id in ids:
        conn.execute(
            teachers.update()
            .where(teachers.c.id == teacher_id)
            .values(
                api_ect_training_record_id=uuid.uuid4(),
                api_mentor_training_record_id=uuid.uuid4(),
            )
        )


def _backfill_eligibility() -> None:
    """ECTs: the first day an ECT period and an induction period both covered; mentors:
    their first mentor period. Only where the other domains' tables share this database."""
    conn = op.get_bind()
    tables = set(sa.inspect(conn).get_table_names())
    if {"ect_at_school_periods", "induction_periods"} <= tables:
        conn.execute(
            sa.text(
                "UPDATE teachers SET ect_first_became_eligible_for_funding_at = ("
                " SELECT min(CASE WHEN e.started_on > i.started_on THEN e.started_on"
                "  ELSE i.started_on END) FROM ect_at_school_periods e JOIN induction_periods i"
                "  ON i.teacher_id = e.teacher_id"
                "  AND (i.finished_on IS NULL OR i.finished_on >= e.started_on)"
                "  AND (e.finished_on IS NULL OR e.finished_on >= i.started_on)"
                " WHERE e.teacher_id = teachers.id AND e.started_on <= CURRENT_DATE"
                " AND i.started_on <= CURRENT_DATE)"
            )
        )
    if "mentor_at_school_periods" in tables:
        conn.execute(
            sa.text(
                "UPDATE teachers SET mentor_first_became_eligible_for_funding_at = ("
                " SELECT min(m.started_on) FROM mentor_at_school_periods m"
                " WHERE m.teacher_id = teachers.id AND m.started_on <= CURRENT_DATE)"
            )
        )


def upgrade() -> None:
    with op.batch_alter_table("teachers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("api_ect_training_record_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("api_mentor_training_record_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "ect_first_became_eligible_for_funding_at",
                sa.DateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "mentor_first_became_eligible_for_funding_at",
                sa.DateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("mentor_became_ineligible_for_funding_on", sa.Date(), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "mentor_became_ineligible_for_funding_reason",
                sa.Enum(
                    *REASONS,
                    name="mentor_ineligibility_reason",
                    native_enum=False,
                    create_constraint=True,
                    length=max(len(r) for r in REASONS),
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("ect_payments_frozen_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("mentor_payments_frozen_year", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_teachers_mentor_ineligibility_has_reason"),
            "(mentor_became_ineligible_for_funding_on IS NULL) = "
            "(mentor_became_ineligible_for_funding_reason IS NULL)",
        )

    _backfill_training_record_ids()
    _backfill_eligibility()

    with op.batch_alter_table("teachers", schema=None) as batch_op:
        batch_op.alter_column("api_ect_training_record_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.alter_column(
            "api_mentor_training_record_id", existing_type=sa.Uuid(), nullable=False
        )
        batch_op.create_unique_constraint(
            op.f("uq_teachers_api_ect_training_record_id"), ["api_ect_training_record_id"]
        )
        batch_op.create_unique_constraint(
            op.f("uq_teachers_api_mentor_training_record_id"), ["api_mentor_training_record_id"]
        )

    op.create_table(
        "teacher_id_changes",
        sa.Column("teacher_id", sa.Integer(), nullable=False),
        sa.Column("api_from_teacher_id", sa.Uuid(), nullable=False),
        sa.Column("api_to_teacher_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["teacher_id"], ["teachers.id"], name=op.f("fk_teacher_id_changes_teacher_id_teachers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teacher_id_changes")),
    )
    with op.batch_alter_table("teacher_id_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_teacher_id_changes_api_from_teacher_id"), ["api_from_teacher_id"]
        )
        batch_op.create_index(
            batch_op.f("ix_teacher_id_changes_api_to_teacher_id"), ["api_to_teacher_id"]
        )
        batch_op.create_index(batch_op.f("ix_teacher_id_changes_teacher_id"), ["teacher_id"])


def downgrade() -> None:
    op.drop_table("teacher_id_changes")
    with op.batch_alter_table("teachers", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_teachers_api_mentor_training_record_id"), type_="unique")
        batch_op.drop_constraint(op.f("uq_teachers_api_ect_training_record_id"), type_="unique")
        batch_op.drop_constraint(
            op.f("ck_teachers_mentor_ineligibility_has_reason"), type_="check"
        )
        for column in (
            "mentor_payments_frozen_year",
            "ect_payments_frozen_year",
            "mentor_became_ineligible_for_funding_reason",
            "mentor_became_ineligible_for_funding_on",
            "mentor_first_became_eligible_for_funding_at",
            "ect_first_became_eligible_for_funding_at",
            "api_mentor_training_record_id",
            "api_ect_training_record_id",
        ):
            batch_op.drop_column(column)
