"""The operator's verification queue and the audit log for operators and regulators."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required
from werkzeug.wrappers import Response

from exchange.accounts import organisations
from exchange.accounts.schemas import AuditQuerySchema, VerificationDecisionSchema
from exchange.http.context import uow, web_actor
from exchange.http.forms import submit_form
from exchange.kernel import audit

bp = Blueprint("operator", __name__)


def _queue() -> list[organisations.DirectoryEntry]:
    return organisations.verification_queue(uow(), web_actor())


@bp.route("/operator/verifications")
@login_required
def verifications() -> str:
    """Organisations awaiting verification, oldest first."""
    return render_template(
        "accounts/operator/verifications.html", queue=_queue(), values={}, errors={}, active_form=""
    )


@bp.route("/operator/verifications/<int:organisation_id>", methods=["POST"])
@login_required
def decide(organisation_id: int) -> Any:
    """Verify or reject one registration."""

    def done(data: dict[str, Any]) -> Response:
        organisations.decide_verification(
            uow(), web_actor(), organisation_id, data["decision"], data.get("note")
        )
        flash(gettext("The decision is recorded."), "success")
        return redirect(url_for("operator.verifications"))

    return submit_form(
        VerificationDecisionSchema(),
        "accounts/operator/verifications.html",
        done,
        queue=_queue(),
        active_form=f"decide-{organisation_id}",
    )


@bp.route("/audit")
@login_required
def audit_log() -> str:
    """The newest audit events, for operators and regulators."""
    query = AuditQuerySchema().load(request.args.to_dict())
    events = audit.list_events(uow(), web_actor(), **query)
    return render_template("accounts/operator/audit.html", events=events, query=query)
