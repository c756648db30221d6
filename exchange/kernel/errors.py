"""One error tree for the exchange; each error carries its HTTP status and translatable message."""

from __future__ import annotations

from typing import Any

from exchange.kernel.i18n import N_


class ExchangeError(Exception):
    """Root of every error a user can cause; the web layer renders it as RFC 9457."""

    status = 400
    code = "bad-request"
    title = N_("Bad request")

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: dict[str, list[str]] | None = None,
        **params: Any,
    ) -> None:
        self.detail = detail or self.title
        self.errors = errors or {}
        self.params = params
        super().__init__(self.detail % params if params else self.detail)


class ValidationFailed(ExchangeError):
    status = 422
    code = "validation-failed"
    title = N_("Some fields are not valid")

    @classmethod
    def on(cls, field: str, message: str, **params: Any) -> ValidationFailed:
        """A validation error naming one field."""
        return cls(errors={field: [message]}, **params)


class NotAuthenticated(ExchangeError):
    status = 401
    code = "not-authenticated"
    title = N_("Sign in first")


class PermissionDenied(ExchangeError):
    status = 403
    code = "forbidden"
    title = N_("You are not allowed to do that")


class NotFound(ExchangeError):
    status = 404
    code = "not-found"
    title = N_("Not found")


class Conflict(ExchangeError):
    status = 409
    code = "conflict"
    title = N_("That conflicts with existing data")


class PayloadTooLarge(ExchangeError):
    status = 413
    code = "payload-too-large"
    title = N_("The upload is too large")


class TooManyAttempts(ExchangeError):
    status = 429
    code = "too-many-attempts"
    title = N_("Too many attempts")

    def __init__(self, detail: str | None = None, *, retry_after: int, **params: Any) -> None:
        super().__init__(detail, **params)
        self.retry_after = retry_after
