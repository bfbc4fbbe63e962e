"""The GraphQL schema: one module per domain, the root Query, and error handling."""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal, InvalidOperation

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from gateway.auth.errors import AuthError
from gateway.errors import GatewayError
from gateway.schema.query import Query

log = logging.getLogger("gateway.errors")

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 4000


def _code(error: GraphQLError) -> str | None:
    original = error.original_error
    if isinstance(original, AuthError | GatewayError):
        return original.code
    if original is None:
        # Parse and validation errors (and relay's GlobalID parsing) carry no exception.
        return "BAD_USER_INPUT"
    name = type(original).__name__
    if name in ("GlobalIDValueError", "InvalidGlobalIDError"):
        return "BAD_USER_INPUT"
    return None


class ErrorCodes(MaskErrors):
    """Give every error a stable ``extensions.code``; hide anything unexpected.

    An unexpected exception is logged (type and path, no values) and reaches the caller
    only as "Internal server error." with code INTERNAL_SERVER_ERROR.
    """

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda e: _code(e) is None)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = []
        for error in errors:
            code = _code(error)
            if code is None:
                log.error(
                    "unexpected %s at %s",
                    type(error.original_error).__name__,
                    error.path,
                    exc_info=error.original_error,
                )
                error = GraphQLError(
                    "Internal server error.",
                    nodes=error.nodes,
                    path=error.path,
                    source=error.source,
                    positions=error.positions,
                )
                code = "INTERNAL_SERVER_ERROR"
            error.extensions = {**(error.extensions or {}), "code": code}
            processed.append(error)
        return processed


class CloseSession(SchemaExtension):
    """The request's database session ends with the operation."""

    async def on_operation(self):  # type: ignore[override]
        yield
        context = self.execution_context.context
        if context is not None and hasattr(context, "close"):
            await context.close()


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
        """Expected errors are answers, not incidents; ``ErrorCodes`` logs the unexpected."""


schema = GatewaySchema(
    query=Query,
    scalar_overrides={uuid.UUID: UUIDScalar, Decimal: DecimalScalar},
    extensions=[
        # Bounds on what one document may ask, so a single request cannot ask for the
        # whole graph many times over. The deepest operation under operations/ is 8.
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        ErrorCodes,
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        CloseSession,
    ],
)
