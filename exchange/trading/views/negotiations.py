"""Negotiation pages: a buyer's offer from the product page, the list of an organisation's
negotiations (its offers and the offers it received), and one negotiation's history with the
forms of the side whose turn it is."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required
from werkzeug.wrappers import Response

from exchange.catalog.views.public import PRODUCT, product_context
from exchange.http.context import uow, web_actor
from exchange.http.forms import submit_form
from exchange.trading import negotiation_reading, negotiations
from exchange.trading.extension import trading_settings
from exchange.trading.forms import MessageFormSchema, TermsFormSchema, round_defaults

bp = Blueprint("negotiations", __name__)
NEGOTIATION = "trading/negotiation.html"


def _negotiation_page(negotiation_id: int, active_form: str = "") -> dict[str, Any]:
    n = negotiation_reading.negotiation_view(uow(), web_actor(), negotiation_id)
    proposals = [r for r in n["history"] if r["price"] is not None]
    counter = round_defaults(proposals[-1])
    suggested = request.args.get("counter_price")
    if suggested and active_form == "":
        counter["price"] = suggested
    return {"n": n, "active_form": active_form, "counter_values": counter}


def _to_negotiation(negotiation_id: int, message: str) -> Response:
    flash(message, "success")
    return redirect(url_for("negotiations.detail", negotiation_id=negotiation_id))


@bp.post("/products/<int:product_id>/offers/<int:offer_id>/negotiate")
@login_required
def propose(product_id: int, offer_id: int) -> Any:
    """A buyer proposes a price and terms on one of the product's licence offers."""

    def done(data: dict[str, Any]) -> Response:
        opened = negotiations.propose(
            uow(),
            web_actor(),
            offer_id,
            data["terms"],
            data["message"],
            expiry_hours=trading_settings().expiry_hours,
        )
        return _to_negotiation(opened["id"], gettext("Your offer is sent to the vendor."))

    context = product_context(product_id, f"negotiate-{offer_id}")
    return submit_form(TermsFormSchema(), PRODUCT, done, **context)


@bp.get("/negotiations")
@login_required
def mine() -> str:
    """The negotiations of the organisations the user buys or sells for."""
    found = negotiation_reading.my_negotiations(uow(), web_actor())
    return render_template("trading/negotiations.html", negotiations=found)


@bp.get("/negotiations/<int:negotiation_id>")
@login_required
def detail(negotiation_id: int) -> str:
    """The whole history, the valuation band, the suggested counter and what one may do now."""
    context = _negotiation_page(negotiation_id)
    return render_template(NEGOTIATION, values={}, errors={}, **context)


@bp.post("/negotiations/<int:negotiation_id>/counter")
@login_required
def counter(negotiation_id: int) -> Any:
    """The side whose turn it is answers with other terms."""

    def done(data: dict[str, Any]) -> Response:
        negotiations.counter(
            uow(),
            web_actor(),
            negotiation_id,
            data["terms"],
            data["message"],
            expiry_hours=trading_settings().expiry_hours,
        )
        return _to_negotiation(negotiation_id, gettext("Your counter-offer is sent."))

    context = _negotiation_page(negotiation_id, "counter")
    return submit_form(TermsFormSchema(), NEGOTIATION, done, **context)


@bp.post("/negotiations/<int:negotiation_id>/accept")
@login_required
def accept(negotiation_id: int) -> Any:
    """The side whose turn it is accepts the last terms: they become a contract."""

    def done(data: dict[str, Any]) -> Response:
        setup = trading_settings()
        accepted = negotiations.accept(
            uow(),
            web_actor(),
            negotiation_id,
            data["message"],
            fee_rate=setup.fee_rate,
            acceptance_days=setup.acceptance_days,
        )
        flash(gettext("The terms are agreed. Both sides now sign the contract."), "success")
        return redirect(url_for("contracts.detail", contract_id=accepted["contract_id"]))

    context = _negotiation_page(negotiation_id, "accept")
    return submit_form(MessageFormSchema(), NEGOTIATION, done, **context)


@bp.post("/negotiations/<int:negotiation_id>/reject")
@login_required
def reject(negotiation_id: int) -> Any:
    """The side whose turn it is turns the terms down and ends the negotiation."""

    def done(data: dict[str, Any]) -> Response:
        negotiations.reject(uow(), web_actor(), negotiation_id, data["message"])
        return _to_negotiation(negotiation_id, gettext("The offer is rejected."))

    context = _negotiation_page(negotiation_id, "reject")
    return submit_form(MessageFormSchema(), NEGOTIATION, done, **context)


@bp.post("/negotiations/<int:negotiation_id>/withdraw")
@login_required
def withdraw(negotiation_id: int) -> Any:
    """The buyer walks away from an open negotiation."""

    def done(data: dict[str, Any]) -> Response:
        negotiations.withdraw(uow(), web_actor(), negotiation_id, data["message"])
        return _to_negotiation(negotiation_id, gettext("You withdrew from the negotiation."))

    context = _negotiation_page(negotiation_id, "withdraw")
    return submit_form(MessageFormSchema(), NEGOTIATION, done, **context)
