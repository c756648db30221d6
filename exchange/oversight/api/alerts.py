"""The regulators' alerts: the list, one alert with its evidence and notes, acknowledging and
closing it, writing a note, and tracing a leaked copy to the buyer whose fingerprint it
carries. Regulators only; each view and action is audited by the service."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from exchange.http.api import BEARER, Blueprint
from exchange.http.auth import bearer_actor
from exchange.http.context import uow
from exchange.http.problems import exchange_error_response, http_error_response
from exchange.http.uploads import MULTIPART_OVERHEAD, accepts_upload
from exchange.kernel.errors import PayloadTooLarge
from exchange.kernel.i18n import N_
from exchange.oversight import alert_reading
from exchange.oversight import alerts as oversight_alerts
from exchange.oversight import leaks as oversight_leaks
from exchange.oversight.alert_reading import AlertDetail, AlertSummary
from exchange.oversight.alerts import NoteView
from exchange.oversight.domain import Thresholds
from exchange.oversight.leaks import LeakTrace
from exchange.oversight.schemas import (
    AlertQuerySchema,
    AlertSchema,
    AlertSummarySchema,
    LeakTraceSchema,
    NoteInputSchema,
    NoteSchema,
    SuspectFileSchema,
)

F = TypeVar("F", bound=Callable[..., Any])

blp = Blueprint(
    "api_oversight_alerts",
    __name__,
    url_prefix="/api/v1/oversight",
    description="Oversight alerts and leaked copies",
)
TOO_LARGE = N_("A suspect file may be at most %(limit)s bytes.")


@blp.route("/alerts", methods=["GET"])
@blp.arguments(AlertQuerySchema, location="query")
@blp.response(200, AlertSummarySchema(many=True))
@blp.doc(security=BEARER)
def list_alerts(query: dict[str, Any]) -> list[AlertSummary]:
    """The newest 200 alerts, of one status and kind if asked (regulators)."""
    return alert_reading.list_alerts(uow(), bearer_actor(), **query)


@blp.route("/alerts/<int:alert_id>", methods=["GET"])
@blp.response(200, AlertSchema)
@blp.doc(security=BEARER)
def get_alert(alert_id: int) -> AlertDetail:
    """One alert: its evidence, the organisations and contracts it concerns, its notes."""
    return alert_reading.alert_view(uow(), bearer_actor(), alert_id)


@blp.route("/alerts/<int:alert_id>/acknowledge", methods=["POST"])
@blp.response(200, AlertSchema)
@blp.alt_response(409, description="The alert's status does not allow it.")
@blp.doc(security=BEARER)
def acknowledge(alert_id: int) -> AlertDetail:
    """Take an open alert up; any other status is a 409."""
    return oversight_alerts.acknowledge(uow(), bearer_actor(), alert_id)


@blp.route("/alerts/<int:alert_id>/close", methods=["POST"])
@blp.response(200, AlertSchema)
@blp.alt_response(409, description="The alert's status does not allow it.")
@blp.doc(security=BEARER)
def close(alert_id: int) -> AlertDetail:
    """Close an open or acknowledged alert for good; a closed one is a 409."""
    return oversight_alerts.close(uow(), bearer_actor(), alert_id)


@blp.route("/alerts/<int:alert_id>/notes", methods=["POST"])
@blp.arguments(NoteInputSchema)
@blp.response(201, NoteSchema)
@blp.doc(security=BEARER)
def add_note(data: dict[str, Any], alert_id: int) -> NoteView:
    """Write a note on an alert, whatever its status."""
    return oversight_alerts.add_note(uow(), bearer_actor(), alert_id, data["body"])


def leak_max_bytes() -> int:
    """The largest suspect file a regulator may upload, from configuration."""
    return Thresholds.from_config(current_app.config).leak_max_bytes


def within_leak_limit(view: F) -> F:
    """Refuse a body larger than a suspect file may be before it is read (the upload limit
    of data files is far larger)."""

    @wraps(view)
    def limited(*args: Any, **kwargs: Any) -> Any:
        request.max_content_length = leak_max_bytes() + MULTIPART_OVERHEAD
        return view(*args, **kwargs)

    return limited  # type: ignore[return-value]


@blp.route("/leaks", methods=["POST"])
@within_leak_limit
@blp.arguments(SuspectFileSchema, location="files")
@blp.response(200, LeakTraceSchema)
@blp.alt_response(413, description="The suspect file is larger than allowed.")
@blp.doc(security=BEARER)
@accepts_upload
def trace_leak(files: dict[str, Any]) -> LeakTrace:
    """Upload a suspect copy as `file` (multipart/form-data): the entitlement whose
    fingerprint it carries is named and a leak alert raised once per copy (regulators). A
    file too large (413) or unreadable (422) writes nothing."""
    posted = files["file"]
    limit = leak_max_bytes()
    content = posted.stream.read(limit + 1)  # one byte past the limit is enough to refuse
    return oversight_leaks.trace_leak(
        uow(), bearer_actor(), posted.filename or "", content, max_bytes=limit
    )


@blp.errorhandler(RequestEntityTooLarge)
def suspect_file_too_large(error: RequestEntityTooLarge) -> Any:
    """A suspect file past the limit is refused before it is read: say so, with the limit
    (any other body too large, a note's, gets the API's usual 413)."""
    if request.endpoint != f"{blp.name}.{trace_leak.__name__}":
        return http_error_response(error)
    return exchange_error_response(PayloadTooLarge(TOO_LARGE, limit=leak_max_bytes()))
