"""The GraphQL schema: one module per domain, the root Query, and error handling."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

import strawberry
from graphql import GraphQLError

from gateway.limits.extension import LimitsExtension
from gateway.schema.mutations import Mutation
from gateway.schema.query import Query
from gateway.trusted.execution import CompiledExecution


def _parse_uuid(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValueError(f"{value!r} is not a UUID (e.g. 0f5a2c7e-...-...)") from None


UUIDScalar = strawberry.scalar(
    name="UUID",
    description="A UUID, as the Lead Provider API writes ids (e.g. participant and record ids).",
    serialize=str,
    parse_value=_parse_uuid,
)


def _parse_decimal(value: object) -> Decimal:
    if isinstance(value, float):
        raise ValueError('send decimals as strings (e.g. "120.00"), never as floats')
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f'{value!r} is not a decimal number (e.g. "120.00")') from None


DecimalScalar = strawberry.scalar(
    name="Decimal",
    description="An exact decimal number (money in pounds, or terms), serialised as a string.",
    serialize=lambda v: format(v, "f"),
    parse_value=_parse_decimal,
)


class GatewaySchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: object = None) -> None:
        """Expected errors are answers, not incidents; the HTTP view gives every error
        its code and logs the unexpected (``gateway.errors.present_errors``)."""


schema = GatewaySchema(
    query=Query,
    mutation=Mutation,
    scalar_overrides={uuid.UUID: UUIDScalar, Decimal: DecimalScalar},
    extensions=[
        # The caller's limits, cost and rate limit (gateway/limits); it also parses and
        # validates (cached per document and role), hiding suggestions in production.
        LimitsExtension,
        # Then a planned trusted document runs as one SQL statement per root field
        # (gateway/trusted), after the limits have priced and charged it.
        CompiledExecution,
    ],
)
