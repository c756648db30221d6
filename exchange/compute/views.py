"""Computation pages: the vendor's policy editor, the buyer's query console with the released
results, and the vendor's queue of queries awaiting approval."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required
from marshmallow import ValidationError

from exchange.compute import buyer_tables, policies, queries, reading
from exchange.compute.domain import COLUMN_USE_LABELS, QUERY_STATUS_LABELS, REFUSAL_MESSAGES
from exchange.compute.extension import query_runner
from exchange.compute.schemas import (
    PolicyInputSchema,
    QueryDecisionSchema,
    QueryInputSchema,
    ResultArgsSchema,
)
from exchange.http.attachments import content_disposition
from exchange.http.context import uow, web_actor
from exchange.http.forms import form_error_page, form_input
from exchange.http.uploads import received_upload
from exchange.kernel.errors import ExchangeError
from exchange.trading.contract_lookup import trade_contract

bp = Blueprint("compute", __name__)
POLICY = "compute/policy.html"
CONSOLE = "compute/console.html"
APPROVALS = "compute/approvals.html"
RESULT_TYPES = {"csv": "text/csv", "json": "application/json"}


def policy_of(product_id: int) -> policies.PolicyView:
    """The product's current policy, as the product page's computation offers describe it."""
    return policies.policy_view(uow().session, product_id)


TEMPLATE_GLOBALS = {
    "compute_policy_of": policy_of,
    "column_use_labels": COLUMN_USE_LABELS,
    "query_status_labels": QUERY_STATUS_LABELS,
    "refusal_labels": REFUSAL_MESSAGES,
}


def _policy_form() -> dict[str, Any]:
    """The editor's rows (a column, its use and bounds each) and settings, as the API's JSON."""
    names, uses = request.form.getlist("column"), request.form.getlist("use")
    lowers, uppers = request.form.getlist("lower"), request.form.getlist("upper")
    columns = [
        {
            "name": name,
            "use": use,
            "lower": lower.strip() or None,
            "upper": upper.strip() or None,
        }
        for name, use, lower, upper in zip(names, uses, lowers, uppers, strict=False)
    ]
    settings = form_input(PolicyInputSchema(exclude=("columns",)))
    return {**settings, "columns": columns}


def _error_page(template: str, error: ExchangeError | ValidationError, **context: Any) -> Any:
    """The page again with the message where the form is (so not again on top)."""
    return form_error_page(template, error, form_detail_in_place=True, **context)


@bp.route("/vendor/products/<int:product_id>/compute-policy", methods=["GET", "POST"])
@login_required
def policy(product_id: int) -> Any:
    """Which columns a buyer's query may use and how, k, rows, the privacy budget, approval."""
    current = policies.read_policy(uow(), web_actor(), product_id)
    if request.method == "GET":
        return render_template(POLICY, policy=current, values={}, errors={})
    try:
        chosen = PolicyInputSchema().load(_policy_form())
        policies.save_policy(uow(), web_actor(), product_id, chosen)
    except (ValidationError, ExchangeError) as error:
        return _error_page(POLICY, error, policy=current)
    flash(gettext("The query policy is saved as a new version."), "success")
    return redirect(url_for("compute.policy", product_id=product_id))


@bp.route("/contracts/<int:contract_id>/compute", methods=["GET", "POST"])
@login_required
def console(contract_id: int) -> Any:
    """The buyer's console: the licensed columns, the masked sample, examples, results."""
    ran = None
    if request.method == "POST":
        try:
            data = QueryInputSchema().load(form_input(QueryInputSchema()))
            ran = queries.submit_query(
                uow(),
                web_actor(),
                contract_id,
                data["text"],
                runner=query_runner(),
                contracts=trade_contract,
            )
        except (ValidationError, ExchangeError) as error:
            if isinstance(error, ExchangeError) and error.status >= 500:
                raise
            found = reading.console(uow(), web_actor(), contract_id)
            return _error_page(CONSOLE, error, console=found, ran=None)
    found = reading.console(uow(), web_actor(), contract_id)
    return render_template(CONSOLE, console=found, ran=ran, values={}, errors={})


@bp.post("/contracts/<int:contract_id>/compute/table")
@login_required
def upload_table(contract_id: int) -> Any:
    """The buyer uploads the table its queries may join."""
    try:
        content = received_upload().stream.read(buyer_tables.MAX_BYTES + 1)
        buyer_tables.set_buyer_table(uow(), web_actor(), contract_id, content)
    except ExchangeError as error:
        found = reading.console(uow(), web_actor(), contract_id)
        return _error_page(CONSOLE, error, console=found, ran=None)
    flash(gettext("Your table is uploaded; join it as “mine”."), "success")
    return redirect(url_for("compute.console", contract_id=contract_id))


@bp.get("/queries/<int:query_id>/result")
@login_required
def result(query_id: int) -> Response:
    """A released result as CSV or JSON."""
    try:
        args = ResultArgsSchema().load(request.args.to_dict())
    except ValidationError:
        args = {"format": "csv"}
    name, content = reading.result_file(uow(), web_actor(), query_id, args["format"])
    response = Response(content, mimetype=RESULT_TYPES[args["format"]])
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/compute/approvals")
@login_required
def approvals() -> str:
    """The queries waiting for the vendor's approval."""
    return render_template(
        APPROVALS, pending=reading.approvals(uow(), web_actor()), values={}, errors={}
    )


@bp.post("/queries/<int:query_id>/decision")
@login_required
def decide(query_id: int) -> Any:
    """Approve (the query runs now) or decline a pending query."""
    try:
        data = QueryDecisionSchema().load(
            {"approve": request.form.get("approve") == "1", **_reason()}
        )
        decided = queries.decide_query(
            uow(),
            web_actor(),
            query_id,
            approve=data["approve"],
            reason=data.get("reason"),
            runner=query_runner(),
            contracts=trade_contract,
        )
    except (ValidationError, ExchangeError) as error:
        pending = reading.approvals(uow(), web_actor())
        return _error_page(APPROVALS, error, pending=pending)
    message = (
        gettext("The query ran; its result is with the buyer.")
        if decided["status"] == "done"
        else gettext("The query is declined.")
    )
    flash(message, "success")
    return redirect(url_for("compute.approvals"))


def _reason() -> dict[str, str]:
    reason = request.form.get("reason", "").strip()
    return {"reason": reason} if reason else {}
