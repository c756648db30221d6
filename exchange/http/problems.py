"""RFC 9457 problem details for the API, the same messages on pages, nothing internal on a 500."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, json, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from exchange.http.i18n import translate
from exchange.kernel.errors import ExchangeError
from exchange.kernel.i18n import N_

PROBLEM_TYPE = "urn:ganshu:problem:"
HTTP_TITLES = {
    400: N_("Bad request"),
    401: N_("Sign in first"),
    403: N_("You are not allowed to do that"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    409: N_("That conflicts with existing data"),
    413: N_("The request is too large"),
    415: N_("Unsupported media type"),
    422: N_("Some fields are not valid"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong on our side"),
    503: N_("The exchange is briefly unavailable"),
}
HTTP_DETAILS = {
    404: N_("There is nothing at this address."),
    405: N_("This address does not accept that method."),
    413: N_("The request body is larger than the exchange accepts."),
    500: N_("The error has been logged; please try again later."),
    503: N_("The connection to the database was lost; please try again in a moment."),
}
# How long a client should wait before retrying after a lost database connection, in seconds.
DATABASE_RETRY_AFTER = 2


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into {"field.sub": [message, ...]}, translated."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            flat |= flatten_errors(value, f"{prefix}.{key}" if prefix else str(key))
        return flat
    if isinstance(messages, list) and not any(isinstance(m, (dict, list)) for m in messages):
        return {prefix or "_schema": [gettext(str(m)) for m in messages]}
    if isinstance(messages, list):
        return flatten_errors(dict(enumerate(messages)), prefix)
    return {prefix or "_schema": [gettext(str(messages))]}


def wants_problem_json() -> bool:
    """API paths, and clients that ask for JSON, get problem+json; browsers get a page."""
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def problem_response(
    status: int,
    *,
    code: str | None = None,
    title: str | None = None,
    detail: str | None = None,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem+json response, or the error page carrying the same message."""
    title = gettext(title or HTTP_TITLES.get(status, "Error"))
    detail = detail or gettext(HTTP_DETAILS.get(status, title))
    if wants_problem_json():
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE + code if code else "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": request.path,
        }
        if errors:
            body["errors"] = errors
        response = current_app.response_class(
            json.dumps(body, ensure_ascii=False),
            status=status,
            mimetype="application/problem+json",
        )
    else:
        page = render_template(
            "error.html", status=status, title=title, detail=detail, errors=errors or {}
        )
        response = current_app.response_class(page, status=status, mimetype="text/html")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def exchange_error_response(error: ExchangeError) -> Response:
    """Render a domain error."""
    headers: dict[str, str] = {}
    retry_after = getattr(error, "retry_after", None)  # only the errors worth retrying have one
    if retry_after:
        headers["Retry-After"] = str(retry_after)
    if error.status == 401 and wants_problem_json():
        headers["WWW-Authenticate"] = 'Bearer realm="ganshu"'
    return problem_response(
        error.status,
        code=error.code,
        title=error.title,
        detail=translate(error.detail, **error.params),
        errors={
            field: [translate(m, **error.params) for m in msgs]
            for field, msgs in error.errors.items()
        },
        headers=headers,
    )


def http_error_response(error: HTTPException) -> Response:
    """Render werkzeug's and webargs' HTTP errors, keeping webargs' field messages."""
    status = error.code or 500
    if status >= 500:
        return internal_error_response(error)
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    errors: dict[str, list[str]] | None = None
    if isinstance(messages, dict):
        # webargs keys messages by location ("json", "query"); the field names are what matter.
        errors = {}
        for location_messages in messages.values():
            errors |= flatten_errors(location_messages)
    if status == 400 and errors:
        detail = " ".join(m for msgs in errors.values() for m in msgs)
        return problem_response(400, code="malformed-request", detail=detail)
    code = "validation-failed" if status == 422 else None
    allowed = getattr(error, "valid_methods", None)  # werkzeug's MethodNotAllowed only
    headers = {"Allow": ", ".join(allowed)} if allowed else {}
    return problem_response(status, code=code, errors=errors, headers=headers)


def out_of_range_response(error: DataError) -> Response:
    """A value the database cannot hold is the sender's error, not ours: 422, and logged, since
    every such value should have been refused by its schema before reaching the database."""
    current_app.logger.warning(
        "Value out of the database's range on %s %s: %s", request.method, request.path, error.orig
    )
    return problem_response(
        422,
        code="value-out-of-range",
        detail=gettext("A value is larger, longer or more precise than the exchange can store."),
    )


def lost_database(error: DBAPIError) -> bool:
    """Whether a database error means the connection died or the database was busy (operational
    and interface errors: a closed connection, a terminated backend, SQLite's "database is
    locked" after its busy timeout, a deadlock or serialisation failure), not a bad statement."""
    return bool(error.connection_invalidated) or isinstance(
        error, (OperationalError, InterfaceError)
    )


def database_error_response(error: DBAPIError | PoolTimeout) -> Response:
    """A request whose database connection died, or found the database busy, is a 503 with
    Retry-After: nothing it did was kept unless it had committed, so the client may retry (with
    the same Idempotency-Key, which answers with the first result if it had). Logged."""
    if isinstance(error, DBAPIError) and not lost_database(error):
        return internal_error_response(error)
    current_app.logger.warning(
        "Database unavailable on %s %s: %s",
        request.method,
        request.path,
        getattr(error, "orig", None) or error,
    )
    return problem_response(
        503, code="database-unavailable", headers={"Retry-After": str(DATABASE_RETRY_AFTER)}
    )


def internal_error_response(error: Exception) -> Response:
    """Log the failure and say nothing about it."""
    original = getattr(error, "original_exception", None) or error
    current_app.logger.error(
        "Unhandled error on %s %s", request.method, request.path, exc_info=original
    )
    return problem_response(500, code="internal-error")


def register_error_handlers(app: Flask) -> None:
    """One place turns every error into a problem+json body or an error page."""
    app.register_error_handler(ExchangeError, exchange_error_response)
    app.register_error_handler(
        CSRFError,
        lambda e: problem_response(
            400,
            code="csrf",
            detail=gettext(
                "The form expired or was sent from elsewhere; reload the page and try again."
            ),
        ),
    )
    app.register_error_handler(
        ValidationError,
        lambda e: problem_response(
            422, code="validation-failed", errors=flatten_errors(e.messages)
        ),
    )
    app.register_error_handler(HTTPException, http_error_response)
    app.register_error_handler(DataError, out_of_range_response)
    app.register_error_handler(DBAPIError, database_error_response)
    app.register_error_handler(PoolTimeout, database_error_response)
    app.register_error_handler(Exception, internal_error_response)
