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
    """Credentials could not be checked: not the caller's fault. SERVICE_UNAVAILABLE (or
    TIMEOUT) when the database did not answer, which the caller may retry;
    INTERNAL_SERVER_ERROR for anything else."""

    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code or type(self).code
