"""Organisations with data behind them, for development tokens and GraphiQL's examples.

A newcomer's first token should show something: the school with the most current ECTs,
the appropriate body with the largest current caseload, the lead provider with the most
current participants. ``gateway token --list``, the ``serve`` banner and GraphiQL's
example tabs all pick from here, so they agree.

Organisations can also be named the ways people meet them: the number (database id),
the global id the graph shows, the Lead Provider API id (lead providers) or the name.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import inductions as im
from gateway.models import payments as pm
from gateway.models import schools as sm
from gateway.models import teachers as tm
from gateway.models import training as trm


@dataclass(frozen=True)
class Organisation:
    """One organisation a token can act for, and how much current data it has."""

    id: int
    global_id: str
    name: str
    current: int  # current ECTs (school), caseload (appropriate body), participants (provider)
    urn: str | None = None
    api_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Choices:
    schools: list[Organisation]
    appropriate_bodies: list[Organisation]
    lead_providers: list[Organisation]
    teacher_trn: str | None  # a current ECT of the first school
    statement_global_id: str | None  # the statement with the most declarations
    cohort: int | None  # the latest contract period that has started


def global_id(type_name: str, pk: int) -> str:
    """The graph's opaque id (Strawberry's relay encoding: base64 of "Type:pk")."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def decode_global_id(value: str) -> tuple[str, str] | None:
    """("Type", "pk") from a global id, or None if it is not one."""
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    type_name, sep, pk = decoded.partition(":")
    return (type_name, pk) if sep and type_name.isidentifier() and pk else None


async def choices(session: AsyncSession, limit: int = 3) -> Choices:
    ect = sm.ECTAtSchoolPeriod
    school_rows = (
        await session.execute(
            sa.select(sm.School.id, sm.School.urn, sm.School.name, sa.func.count())
            .join(ect, ect.school_id == sm.School.id)
            .where(ect.finished_on.is_(None))
            .group_by(sm.School.id, sm.School.urn, sm.School.name)
            .order_by(sa.func.count().desc(), sm.School.id)
            .limit(limit)
        )
    ).all()
    schools = [
        Organisation(id=i, global_id=global_id("School", i), name=n, current=c, urn=u)
        for i, u, n, c in school_rows
    ]

    ip = im.InductionPeriod
    body_rows = (
        await session.execute(
            sa.select(im.AppropriateBody.id, im.AppropriateBody.name, sa.func.count())
            .join(ip, ip.appropriate_body_id == im.AppropriateBody.id)
            .where(ip.finished_on.is_(None))
            .group_by(im.AppropriateBody.id, im.AppropriateBody.name)
            .order_by(sa.func.count().desc(), im.AppropriateBody.id)
            .limit(limit)
        )
    ).all()
    bodies = [
        Organisation(id=i, global_id=global_id("AppropriateBody", i), name=n, current=c)
        for i, n, c in body_rows
    ]

    tp, lp = trm.TrainingPeriod, trm.LeadProvider
    participants = sa.func.count(sa.distinct(tp.teacher_id))
    provider_rows = (
        await session.execute(
            sa.select(lp.id, lp.name, lp.api_id, participants)
            .join(trm.ActiveLeadProvider, trm.ActiveLeadProvider.lead_provider_id == lp.id)
            .join(
                trm.LeadProviderDeliveryPartnership,
                trm.LeadProviderDeliveryPartnership.active_lead_provider_id
                == trm.ActiveLeadProvider.id,
            )
            .join(
                trm.SchoolPartnership,
                trm.SchoolPartnership.lead_provider_delivery_partnership_id
                == trm.LeadProviderDeliveryPartnership.id,
            )
            .join(tp, tp.school_partnership_id == trm.SchoolPartnership.id)
            .where(tp.finished_on.is_(None))
            .group_by(lp.id, lp.name, lp.api_id)
            .order_by(participants.desc(), lp.id)
            .limit(limit)
        )
    ).all()
    providers = [
        Organisation(id=i, global_id=global_id("LeadProvider", i), name=n, current=c, api_id=a)
        for i, n, a, c in provider_rows
    ]

    trn = None
    if schools:
        trn = await session.scalar(
            sa.select(tm.Teacher.trn)
            .join(ect, ect.teacher_id == tm.Teacher.id)
            .where(ect.school_id == schools[0].id, ect.finished_on.is_(None))
            .where(tm.Teacher.trn.is_not(None))
            .order_by(tm.Teacher.id)
            .limit(1)
        )
    statement_id = await session.scalar(
        sa.select(pm.Declaration.payment_statement_id)
        .where(pm.Declaration.payment_statement_id.is_not(None))
        .group_by(pm.Declaration.payment_statement_id)
        .order_by(sa.func.count().desc(), pm.Declaration.payment_statement_id)
        .limit(1)
    )
    cohort = await session.scalar(
        sa.select(sa.func.max(trm.ContractPeriod.year)).where(
            trm.ContractPeriod.started_on <= dt.date.today()
        )
    )
    return Choices(
        cohort=cohort,
        schools=schools,
        appropriate_bodies=bodies,
        lead_providers=providers,
        teacher_trn=trn,
        statement_global_id=global_id("Statement", statement_id) if statement_id else None,
    )


class NotFoundError(LookupError):
    """No organisation answers to the given reference; the message says what was tried."""


def _pk_from(reference: str, type_name: str) -> int | None:
    """The number in "42" or in a global id of ``type_name``; None if neither."""
    if reference.isdigit():
        return int(reference)
    decoded = decode_global_id(reference)
    if decoded is None:
        return None
    found_type, pk = decoded
    if found_type != type_name:
        raise NotFoundError(f"{reference} is the global id of a {found_type}, not a {type_name}")
    if not pk.isdigit():
        raise NotFoundError(f"{reference} is not a valid {type_name} global id")
    return int(pk)


async def find_appropriate_body(session: AsyncSession, reference: str) -> int:
    """An appropriate body's id from its number, global id or exact name."""
    model = im.AppropriateBody
    pk = _pk_from(reference, "AppropriateBody")
    condition = model.id == pk if pk is not None else sa.func.lower(model.name) == reference.lower()
    found = await session.scalar(sa.select(model.id).where(condition))
    if found is None:
        raise NotFoundError(
            f"no appropriate body is {reference!r} (by number, global id or name); "
            "see gateway token --list"
        )
    return found


async def find_lead_provider(session: AsyncSession, reference: str) -> int:
    """A lead provider's id from its number, global id, API id (UUID) or exact name."""
    model = trm.LeadProvider
    pk = _pk_from(reference, "LeadProvider")
    if pk is not None:
        condition = model.id == pk
    else:
        try:
            condition = model.api_id == uuid.UUID(reference)
        except ValueError:
            condition = sa.func.lower(model.name) == reference.lower()
    found = await session.scalar(sa.select(model.id).where(condition))
    if found is None:
        raise NotFoundError(
            f"no lead provider is {reference!r} (by number, global id, API id or name); "
            "see gateway token --list"
        )
    return found


async def find_school(session: AsyncSession, reference: str) -> str:
    """A school's URN from its URN, global id or exact name."""
    model = sm.School
    if reference.isdigit():
        condition = model.urn == reference
    else:
        decoded = decode_global_id(reference)
        if decoded is not None:
            pk = _pk_from(reference, "School")
            condition = model.id == pk
        else:
            condition = sa.func.lower(model.name) == reference.lower()
    found = (await session.scalars(sa.select(model.urn).where(condition).limit(2))).all()
    if len(found) > 1:
        raise NotFoundError(f"more than one school is named {reference!r}: give its URN")
    if not found:
        raise NotFoundError(
            f"no school is {reference!r} (by URN, global id or name); see gateway token --list"
        )
    return found[0]
