"""Transfers in the graph: a participant leaving one school (and provider) for another,
as Lead Provider API v3 shows them (``GET /participants/ecf/transfers``).

The rule is gateway.rules.transfers; a transfer is always relative to the lead provider
reading it, so only lead providers read any (``policy.transfers_reader``).
"""

from __future__ import annotations

import datetime as dt
import uuid

import strawberry

from gateway.rules import transfers as tr
from gateway.schema.base import gql_enum

TransferType = tr.TransferType
gql_enum(
    tr.TransferType,
    "TransferType",
    "What changed in a transfer.",
    {
        tr.TransferType.NEW_SCHOOL: "A new school, the same lead provider.",
        tr.TransferType.NEW_PROVIDER: "A new school and a different lead provider (or none: "
        "school-led training).",
        tr.TransferType.UNKNOWN: "The participant left; no training has started anywhere yet.",
    },
)
TransferStatus = tr.TransferStatus
gql_enum(
    tr.TransferStatus,
    "TransferStatus",
    "Whether the move has happened.",
    {
        tr.TransferStatus.COMPLETE: "The leaving training ended and the joining one started.",
        tr.TransferStatus.INCOMPLETE: "The leaving training has not ended yet (its last day "
        "is today or later) or the joining one has not started.",
    },
)


@strawberry.type(description="One side of a transfer: the school, its provider and the date.")
class TransferSide:
    school_urn: str = strawberry.field(description="The school's URN.")
    provider: str | None = strawberry.field(
        description="The lead provider's name; null for school-led training."
    )
    date: dt.date | None = strawberry.field(
        description="Leaving: the last day of the training there. Joining: its first day."
    )


@strawberry.type(description="A participant's move from one school to another.")
class ParticipantTransfer:
    training_record_id: uuid.UUID | None = strawberry.field(
        description="The training record id of the participant type that moved."
    )
    participant_type: str = strawberry.field(description="ect or mentor.")
    transfer_type: TransferType = strawberry.field(description="New school or new provider.")
    status: TransferStatus = strawberry.field(description="Complete or incomplete, as of today.")
    leaving: TransferSide = strawberry.field(description="Where the participant left.")
    joining: TransferSide | None = strawberry.field(
        description="Where the participant joins; null until training there exists."
    )
    updated_at: dt.datetime = strawberry.field(
        description="When the training periods of this transfer last changed."
    )
