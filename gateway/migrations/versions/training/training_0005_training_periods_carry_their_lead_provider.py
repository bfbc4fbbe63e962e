"""training periods carry their lead provider (kept right by the database)

Revision ID: training_0005
Revises: training_0004
Create Date: 2026-11-29 21:30:00

A lead provider sees the training in its partnerships or naming it in an expression of
interest (gateway/auth/policy.py). Deciding that by joining the provider's partnerships
in every statement made each page cost the provider's whole population (issue 11,
"scope at scale"). ``training_periods.lead_provider_id`` now repeats that provider, so
its training is one range of ``ix_training_periods_lead_provider`` and "does this
teacher train with it?" one probe of ``ix_training_periods_teacher_lead_provider``.

The column cannot drift from its source: triggers (the same condition on SQLite and
PostgreSQL, ``_drifted``) refuse, with an integrity error, any write that leaves a
training period's ``lead_provider_id`` other than the provider of its school partnership
(through the delivery partnership and the active lead provider), or of its expression of
interest, or NULL when it has neither; and one that names two providers (a partnership
and an expression of interest of different ones). They watch both sides: inserting or
changing a training period, and re-pointing a partnership, a delivery partnership or an
active lead provider that training hangs from. Existing rows are backfilled first.
"""

import sqlalchemy as sa
from alembic import op

revision = "training_0005"
down_revision = "training_0004"
branch_labels = None
depends_on = None

_PARTNERSHIP_PROVIDER = (
    "(SELECT a.lead_provider_id FROM school_partnerships sp"
    " JOIN lead_provider_delivery_partnerships d"
    " ON d.id = sp.lead_provider_delivery_partnership_id"
    " JOIN active_lead_providers a ON a.id = d.active_lead_provider_id"
    " WHERE sp.id = {t}.school_partnership_id)"
)
_INTEREST_PROVIDER = (
    "(SELECT a.lead_provider_id FROM active_lead_providers a"
    " WHERE a.id = {t}.expression_of_interest_id)"
)
_MESSAGE = (
    "training_periods.lead_provider_id must be the lead provider of its "
    "school partnership or expression of interest (and both must name the same one)"
)


def _expected(t: str) -> str:
    return f"coalesce({_PARTNERSHIP_PROVIDER.format(t=t)}, {_INTEREST_PROVIDER.format(t=t)})"


def _drifted(t: str) -> str:
    """True when training period ``t`` (a row alias, or NEW) holds the wrong provider.
    Ids are positive, so -1 stands for NULL and the comparison is NULL-safe on both."""
    held = f"coalesce({t}.lead_provider_id, -1)"
    return (
        f"({held} <> coalesce({_expected(t)}, -1) OR ({t}.expression_of_interest_id IS NOT "
        f"NULL AND {held} <> coalesce({_INTEREST_PROVIDER.format(t=t)}, -1)))"
    )


# (trigger name, table, event, condition on NEW): one per write that could make drift.
_GUARDS = (
    ("tr_training_periods_lead_provider_insert", "training_periods", "INSERT", _drifted("NEW")),
    (
        "tr_training_periods_lead_provider_update",
        "training_periods",
        "UPDATE OF lead_provider_id, school_partnership_id, expression_of_interest_id",
        _drifted("NEW"),
    ),
    (
        "tr_school_partnerships_lead_provider",
        "school_partnerships",
        "UPDATE OF lead_provider_delivery_partnership_id",
        "EXISTS (SELECT 1 FROM training_periods t WHERE t.school_partnership_id = NEW.id"
        f" AND {_drifted('t')})",
    ),
    (
        "tr_lead_provider_delivery_partnerships_lead_provider",
        "lead_provider_delivery_partnerships",
        "UPDATE OF active_lead_provider_id",
        "EXISTS (SELECT 1 FROM training_periods t JOIN school_partnerships p"
        " ON p.id = t.school_partnership_id"
        f" WHERE p.lead_provider_delivery_partnership_id = NEW.id AND {_drifted('t')})",
    ),
    (
        "tr_active_lead_providers_lead_provider",
        "active_lead_providers",
        "UPDATE OF lead_provider_id",
        "EXISTS (SELECT 1 FROM training_periods t WHERE (t.expression_of_interest_id = NEW.id"
        " OR t.school_partnership_id IN (SELECT p.id FROM school_partnerships p"
        " JOIN lead_provider_delivery_partnerships d"
        " ON d.id = p.lead_provider_delivery_partnership_id"
        f" WHERE d.active_lead_provider_id = NEW.id)) AND {_drifted('t')})",
    ),
)


def _backfill() -> None:
    two = op.get_bind().scalar(
        sa.text(
            "SELECT count(*) FROM training_periods t WHERE t.school_partnership_id IS NOT NULL"
            f" AND t.expression_of_interest_id IS NOT NULL AND"
            f" {_PARTNERSHIP_PROVIDER.format(t='t')} <> {_INTEREST_PROVIDER.format(t='t')}"
        )
    )
    if two:
        raise RuntimeError(
            f"{two} training periods name one lead provider in their school partnership and "
            "another in their expression of interest: correct them before upgrading"
        )
    op.execute(
        f"UPDATE training_periods SET lead_provider_id = {_expected('training_periods')}"
        " WHERE school_partnership_id IS NOT NULL OR expression_of_interest_id IS NOT NULL"
    )


def upgrade() -> None:
    op.add_column("training_periods", sa.Column("lead_provider_id", sa.Integer(), nullable=True))
    _backfill()
    op.create_index(
        "ix_training_periods_lead_provider", "training_periods", ["lead_provider_id", "teacher_id"]
    )
    op.create_index(
        "ix_training_periods_teacher_lead_provider",
        "training_periods",
        ["teacher_id", "lead_provider_id"],
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, table, when, condition in _GUARDS:
        if postgresql:
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                f" IF {condition} THEN RAISE EXCEPTION '{_MESSAGE}'"
                " USING ERRCODE = 'check_violation'; END IF; RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {name} AFTER {when} ON {table}"
                f" FOR EACH ROW EXECUTE FUNCTION {name}()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {name} AFTER {when} ON {table} FOR EACH ROW WHEN {condition}"
                f" BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
            )
    if postgresql:
        op.execute("ANALYZE training_periods")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, table, _when, _condition in _GUARDS:
        if postgresql:
            op.execute(f"DROP TRIGGER {name} ON {table}")
            op.execute(f"DROP FUNCTION {name}()")
        else:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_index("ix_training_periods_teacher_lead_provider", "training_periods")
    op.drop_index("ix_training_periods_lead_provider", "training_periods")
    op.drop_column("training_periods", "lead_provider_id")
