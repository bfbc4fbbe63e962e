"""Authentication and authorisation failures, each with a stable code for the caller."""

from __future__ import annotations


class AuthError(Exception):
    """A request's credentials were refused; ``code`` goes to ``extensions.code``."""

    code = "UNAUTHENTICATED"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ForbiddenError(AuthError):
    code = "FORBIDDEN"


class CredentialsUnchecked(AuthError):
    """Credentials could not be checked (e.g. the database is down): not the caller's fault."""

    code = "INTERNAL_SERVER_ERROR"
