"""The regulators' alerts (list, one alert with its evidence, acknowledge, close, notes) and the
tracing of a leaked copy to the buyer whose fingerprint it carries. Regulators only: the
services refuse anyone else and audit every view and action. Registered under the oversight
blueprint, so its pages live under /oversight."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required
from marshmallow import fields
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from exchange.catalog.forms import ConfirmSchema
from exchange.http.context import uow, web_actor
from exchange.http.forms import FORM_STATUSES, render_form, submit_form
from exchange.http.i18n import translate
from exchange.http.schemas import BaseSchema
from exchange.http.uploads import accepts_upload
from exchange.kernel.actors import require_role
from exchange.kernel.errors import ExchangeError, PayloadTooLarge, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.vocabulary import Role
from exchange.oversight import alert_reading
from exchange.oversight import alerts as oversight_alerts
from exchange.oversight import leaks as oversight_leaks
from exchange.oversight.alerts import AlertTransitionRefused
from exchange.oversight.domain import (
    ALERT_KIND_LABELS,
    ALERT_STATUS_LABELS,
    AlertStatus,
    Thresholds,
)

bp = Blueprint("alerts", __name__)
ALERT = "oversight/alert.html"
LEAKS = "oversight/leaks.html"
LABELS = {"alert_kind_labels": ALERT_KIND_LABELS, "alert_status_labels": ALERT_STATUS_LABELS}


class NoteSchema(BaseSchema):
    """A regulator's note; the service says when it is empty or too long."""

    body = fields.String(load_default="")


def _regulator() -> Any:
    actor = web_actor()
    require_role(actor, Role.REGULATOR)  # refused before the query string is read
    return actor


@bp.get("/alerts")
@login_required
def index() -> tuple[str, int]:
    """The newest alerts first, of one status and kind when asked."""
    actor = _regulator()
    status = request.args.get("status", "").strip() or None
    kind = request.args.get("kind", "").strip() or None
    errors: dict[str, list[str]] = {}
    try:
        found = alert_reading.list_alerts(uow(), actor, status, kind)
    except ValidationFailed as error:
        found = []
        errors = {
            field: [translate(m, **error.params) for m in msgs]
            for field, msgs in error.errors.items()
        }
    return render_template(
        "oversight/alerts.html",
        alerts=found,
        errors=errors,
        values={"status": status or "", "kind": kind or ""},
        form_detail=gettext("Some filters are not valid") if errors else None,
        **LABELS,
    ), (400 if errors else 200)


def _alert_page(alert_id: int, active_form: str = "") -> dict[str, Any]:
    alert = alert_reading.alert_view(uow(), web_actor(), alert_id)
    return {
        "alert": alert,
        "parties": {o["id"]: o for o in alert["organisations"]},
        "active_form": active_form,
        "values": {},
        "errors": {},
        **LABELS,
    }


@bp.get("/alerts/<int:alert_id>")
@login_required
def detail(alert_id: int) -> str:
    """One alert: its evidence, whom it concerns, its status and notes, and what can be done."""
    return render_template(ALERT, **_alert_page(alert_id))


def _act(alert_id: int, form: str, schema: Any, act: Any, done: str) -> Any:
    """Run one action on the alert; a refusal is shown beside its form."""
    _regulator()

    def run(data: dict[str, Any]) -> Response:
        try:
            act(data)
        except AlertTransitionRefused as error:
            raise _with_labels(error) from None
        flash(done, "success")
        return redirect(url_for("oversight.alerts.detail", alert_id=alert_id))

    context = _alert_page(alert_id, form)
    del context["values"], context["errors"]  # the form's own, when it is shown again
    return submit_form(schema, ALERT, run, **context)


def _with_labels(error: AlertTransitionRefused) -> AlertTransitionRefused:
    """The refusal with the statuses named in the reader's language, not by their codes."""
    named = {
        key: translate(ALERT_STATUS_LABELS[AlertStatus(value)])
        for key, value in error.params.items()
        if value in set(AlertStatus)
    }
    return AlertTransitionRefused(error.detail, **(error.params | named))


@bp.post("/alerts/<int:alert_id>/acknowledge")
@login_required
def acknowledge(alert_id: int) -> Any:
    """Take an open alert up."""
    return _act(
        alert_id,
        "acknowledge",
        ConfirmSchema(),
        lambda data: oversight_alerts.acknowledge(uow(), web_actor(), alert_id),
        gettext("The alert is acknowledged."),
    )


@bp.post("/alerts/<int:alert_id>/close")
@login_required
def close(alert_id: int) -> Any:
    """Close an alert for good."""
    return _act(
        alert_id,
        "close",
        ConfirmSchema(),
        lambda data: oversight_alerts.close(uow(), web_actor(), alert_id),
        gettext("The alert is closed."),
    )


@bp.post("/alerts/<int:alert_id>/notes")
@login_required
def add_note(alert_id: int) -> Any:
    """Write a note on the alert, whatever its status."""
    return _act(
        alert_id,
        "note",
        NoteSchema(),
        lambda data: oversight_alerts.add_note(uow(), web_actor(), alert_id, data["body"]),
        gettext("The note is added."),
    )


@bp.get("/leaks")
@login_required
def leaks() -> str:
    """The form to upload a suspect copy."""
    _regulator()
    return render_template(LEAKS, result=None, errors={})


@bp.post("/leaks")
@login_required
@accepts_upload
def trace() -> Any:
    """Name the buyer whose fingerprint a suspect copy carries, or say none was found."""
    actor = _regulator()
    limit = Thresholds.from_config(current_app.config).leak_max_bytes
    try:
        posted = request.files.get("file")
        name = posted.filename or "" if posted else ""
        content = posted.stream.read(limit + 1) if posted else b""  # one byte more tells
        if not name:
            raise ValidationFailed.on("file", N_("Choose the suspect file to upload."))
        result = oversight_leaks.trace_leak(uow(), actor, name, content, max_bytes=limit)
    except RequestEntityTooLarge:
        error = PayloadTooLarge(N_("A suspect file may be at most %(limit)s bytes."))
        return _refused(error, limit)
    except ExchangeError as error:
        if error.status not in FORM_STATUSES:
            raise
        return _refused(error, limit)
    return render_template(LEAKS, result=result, file_name=name, errors={})


def _refused(error: ExchangeError, limit: int) -> tuple[str, int]:
    params = error.params | {"limit": f"{limit:,}"}
    errors = {field: [translate(m, **params) for m in msgs] for field, msgs in error.errors.items()}
    detail = translate(error.detail, **params)
    return render_form(LEAKS, error.status, detail, errors or {"file": [detail]}, result=None)
