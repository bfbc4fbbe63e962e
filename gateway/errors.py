"""Errors a caller may see, each with a stable ``extensions.code``."""

from __future__ import annotations

import logging

from graphql import GraphQLError, GraphQLFormattedError
from strawberry.relay import GlobalIDValueError

from gateway.auth.errors import AuthError

log = logging.getLogger("gateway.errors")


class GatewayError(Exception):
    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadUserInput(GatewayError):
    code = "BAD_USER_INPUT"


class NotFound(GatewayError):
    code = "NOT_FOUND"


def error_code(error: GraphQLError) -> str | None:
    """The stable code of an error a caller may see, or None for an unexpected one."""
    original = error.original_error
    if isinstance(original, AuthError | GatewayError):
        return original.code
    if original is None or isinstance(original, GlobalIDValueError):
        # Parse and validation errors carry no exception; a malformed global id is input.
        return "BAD_USER_INPUT"
    if isinstance(original, GraphQLError) and not error.path:
        # Variables that do not coerce (e.g. null for an ID!) wrap graphql-core's own
        # error and have no path: the request's input, refused before execution.
        return "BAD_USER_INPUT"
    return None


def present_errors(errors: list[GraphQLError], request_id: str) -> list[GraphQLFormattedError]:
    """The errors as the caller sees them, each with ``extensions.code``.

    An unexpected exception is logged with its traceback and the request id, and reaches
    the caller only as "Internal server error." with code INTERNAL_SERVER_ERROR and the
    same request id, so a report can be matched to the log line.
    """
    from gateway import failures  # failures' error classes build on GatewayError

    presented = []
    for error in errors:
        if (failure := failures.classify(error.original_error)) is not None:
            # A database outage or a cancelled statement: the caller may retry; the
            # driver's message (SQL, addresses) is never shown.
            log.warning(
                "%s: %s at %s [request %s]",
                failure.code,
                type(error.original_error).__name__,
                error.path,
                request_id,
            )
            error = GraphQLError(
                failure.message,
                nodes=error.nodes,
                path=error.path,
                source=error.source,
                positions=error.positions,
                original_error=failure,
            )
        code = error_code(error)
        if code is None:
            original = error.original_error
            log.error(
                "unexpected %s at %s [request %s]",
                type(original).__name__,
                error.path,
                request_id,
                exc_info=original,
            )
            error = GraphQLError(
                "Internal server error.",
                nodes=error.nodes,
                path=error.path,
                source=error.source,
                positions=error.positions,
                extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
            )
        else:
            error.extensions = {
                **(error.extensions or {}),
                "code": code,
                **failures.extensions(code, request_id),
            }
        presented.append(error.formatted)
    return presented
