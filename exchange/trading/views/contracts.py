"""Contract pages: an organisation's contracts, and one contract from signing to settlement —
terms and text, verified signatures, payment by bank transfer, the download, acceptance or a
dispute, the payout; and the operators' list of bank transfers to confirm."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import login_required
from werkzeug.wrappers import Response

from exchange.catalog.extension import data_files
from exchange.catalog.forms import ConfirmSchema
from exchange.delivery import api_keys
from exchange.delivery import entitlements as delivery
from exchange.http.attachments import content_disposition
from exchange.http.context import client_address, uow, web_actor
from exchange.http.forms import submit_form
from exchange.kernel.errors import NotFound
from exchange.kernel.vocabulary import Role
from exchange.payments.domain import Gateway, PaymentStatus
from exchange.trading import payment_outcomes, payment_start, settlement, signing_keys
from exchange.trading import reading as trade_pages
from exchange.trading.contract_lookup import trade_contract
from exchange.trading.contracts import ContractView, contract_view
from exchange.trading.extension import signing_domain, trading_settings
from exchange.trading.forms import (
    ConfirmTransferFormSchema,
    DisputeDecisionFormSchema,
    ReasonFormSchema,
)

bp = Blueprint("contracts", __name__)
CONTRACT = "trading/contract.html"
TRANSFERS = "trading/payments.html"


def _instructions(
    contract: ContractView, progress: trade_pages.ContractProgress
) -> dict[str, str] | None:
    """The bank details again for the buyer of a transfer not yet confirmed."""
    payment = progress["payment"]
    actor = web_actor()
    if (
        payment is None
        or payment["gateway"] != Gateway.BANK_TRANSFER
        or payment["status"] != PaymentStatus.PENDING
        or not actor.has_role_in(contract["buyer"]["id"], Role.BUYER)
    ):
        return None
    gateway = trading_settings().gateway(Gateway.BANK_TRANSFER)
    return payment_start.pending_instructions(uow(), actor, contract["id"], gateway)


def _contract_page(contract_id: int, active_form: str = "") -> dict[str, Any]:
    actor = web_actor()
    contract = contract_view(uow(), actor, contract_id, domain=signing_domain())
    progress = trade_pages.contract_progress(uow(), actor, contract_id)
    sides = {"buyer": contract["buyer"]["id"], "vendor": contract["vendor"]["id"]}
    return {
        "c": contract,
        # The sides the actor acts for: membership alone reads the contract, takes no step.
        "my_sides": [side for side, party in sides.items() if actor.has_role_in(party, Role(side))],
        "progress": progress,
        "instructions": _instructions(contract, progress),
        "active_form": active_form,
    }


def _to_contract(contract_id: int, message: str) -> Response:
    flash(message, "success")
    return redirect(url_for("contracts.detail", contract_id=contract_id))


@bp.get("/contracts")
@login_required
def mine() -> str:
    """The contracts of the organisations the user buys or sells for."""
    found = trade_pages.my_contracts(uow(), web_actor())
    return render_template("trading/contracts.html", contracts=found)


@bp.get("/contracts/<int:contract_id>")
@login_required
def detail(contract_id: int) -> str:
    """The contract and what each side may do at its present step."""
    return render_template(CONTRACT, values={}, errors={}, **_contract_page(contract_id))


@bp.post("/contracts/<int:contract_id>/sign")
@login_required
def sign(contract_id: int) -> Any:
    """Sign for one's organisation with the key the exchange holds for it."""

    def done(data: dict[str, Any]) -> Response:
        signing_keys.sign_contract(
            uow(),
            web_actor(),
            contract_id,
            master_key=current_app.config["MASTER_KEY"],
            domain=signing_domain(),
        )
        return _to_contract(contract_id, gettext("Your organisation has signed the contract."))

    return submit_form(ConfirmSchema(), CONTRACT, done, **_contract_page(contract_id, "sign"))


@bp.post("/contracts/<int:contract_id>/pay")
@login_required
def pay(contract_id: int) -> Any:
    """The buyer chooses to pay by bank transfer; the page shows the instructions."""

    def done(data: dict[str, Any]) -> Response:
        gateway = trading_settings().gateway(Gateway.BANK_TRANSFER)
        payment_start.start_payment(uow(), web_actor(), contract_id, gateway=gateway)
        message = gettext("Transfer the price as shown; an operator confirms its arrival.")
        return _to_contract(contract_id, message)

    return submit_form(ConfirmSchema(), CONTRACT, done, **_contract_page(contract_id, "pay"))


@bp.post("/contracts/<int:contract_id>/download")
@login_required
def download_link(contract_id: int) -> Any:
    """A signed, expiring link to the buyer's fingerprinted copy, followed at once."""
    context = _contract_page(contract_id, "download")

    def done(data: dict[str, Any]) -> Response:
        entitlement = context["progress"]["entitlement"]
        if entitlement is None:
            raise NotFound()
        link = delivery.download_link(
            uow(),
            web_actor(),
            entitlement["id"],
            secret=current_app.config["SECRET_KEY"],
            lifetime=trading_settings().link_seconds,
            contracts=trade_contract,
        )
        return redirect(url_for("contracts.download", token=link.token))

    return submit_form(ConfirmSchema(), CONTRACT, done, **context)


@bp.post("/contracts/<int:contract_id>/api-key")
@login_required
def issue_api_key(contract_id: int) -> Any:
    """A new key for the API product bought, shown on this page once (and never stored)."""
    context = _contract_page(contract_id, "api-key")

    def done(data: dict[str, Any]) -> Response:
        issued = api_keys.issue_key(
            uow(), web_actor(), _entitlement_id(context), contracts=trade_contract
        )
        page = render_template(
            CONTRACT, values={}, errors={}, issued_key=issued, **_contract_page(contract_id)
        )
        response = Response(page)
        response.headers["Cache-Control"] = "no-store"
        return response

    return submit_form(ConfirmSchema(), CONTRACT, done, **context)


@bp.post("/contracts/<int:contract_id>/api-key/revoke")
@login_required
def revoke_api_key(contract_id: int) -> Any:
    """Revoke the API product's live key; calls on it are refused from now on."""
    context = _contract_page(contract_id, "api-key")

    def done(data: dict[str, Any]) -> Response:
        api_keys.revoke_key(uow(), web_actor(), _entitlement_id(context))
        return _to_contract(contract_id, gettext("The API key is revoked."))

    return submit_form(ConfirmSchema(), CONTRACT, done, **context)


def _entitlement_id(context: dict[str, Any]) -> int:
    entitlement = context["progress"]["entitlement"]
    if entitlement is None:
        raise NotFound()
    return int(entitlement["id"])


@bp.get("/downloads/<token>")
@login_required
def download(token: str) -> Response:
    """The file behind a valid link, fingerprinted for the buyer, as an attachment."""
    copy = delivery.open_download(
        uow(),
        token,
        secret=current_app.config["SECRET_KEY"],
        lifetime=trading_settings().link_seconds,
        files=data_files(),
        client_address=client_address(),
        contracts=trade_contract,
    )
    response = Response(copy.content, mimetype=copy.content_type)
    response.headers["Content-Disposition"] = content_disposition(copy.file_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/contracts/<int:contract_id>/accept-delivery")
@login_required
def accept_delivery(contract_id: int) -> Any:
    """The buyer accepts the delivery: escrow goes to the vendor less the fee."""

    def done(data: dict[str, Any]) -> Response:
        settlement.accept_delivery(uow(), web_actor(), contract_id)
        return _to_contract(contract_id, gettext("Delivery accepted; the vendor is paid."))

    context = _contract_page(contract_id, "accept-delivery")
    return submit_form(ConfirmSchema(), CONTRACT, done, **context)


@bp.post("/contracts/<int:contract_id>/dispute")
@login_required
def dispute(contract_id: int) -> Any:
    """The buyer disputes the delivery within the window; escrow waits for an operator."""

    def done(data: dict[str, Any]) -> Response:
        settlement.open_dispute(uow(), web_actor(), contract_id, data["reason"])
        return _to_contract(contract_id, gettext("Your dispute is recorded."))

    context = _contract_page(contract_id, "dispute")
    return submit_form(ReasonFormSchema(), CONTRACT, done, **context)


@bp.post("/contracts/<int:contract_id>/dispute/decision")
@login_required
def decide_dispute(contract_id: int) -> Any:
    """An operator upholds (refund) or rejects (release) the buyer's dispute."""

    context = _contract_page(contract_id, "decide")
    paid = context["progress"]["payment"]
    gateway = trading_settings().gateways.get(Gateway(paid["gateway"])) if paid else None

    def done(data: dict[str, Any]) -> Response:
        settlement.decide_dispute(
            uow(), web_actor(), contract_id, data["decision"], data["reason"], gateway=gateway
        )
        return _to_contract(contract_id, gettext("The decision is recorded."))

    return submit_form(DisputeDecisionFormSchema(), CONTRACT, done, **context)


@bp.get("/operator/payments")
@login_required
def transfers() -> str:
    """Operators: bank transfers awaiting confirmation."""
    found = trade_pages.transfers_to_confirm(uow(), web_actor())
    return render_template(TRANSFERS, transfers=found, active_form="", values={}, errors={})


@bp.post("/operator/payments/<int:payment_id>/confirm")
@login_required
def confirm_transfer(payment_id: int) -> Any:
    """An operator confirms that the price arrived; the contract goes into escrow."""

    def done(data: dict[str, Any]) -> Response:
        payment_outcomes.confirm_bank_transfer(
            uow(), web_actor(), payment_id, amount=data["amount"]
        )
        flash(gettext("The transfer is confirmed; the price is in escrow."), "success")
        return redirect(url_for("contracts.transfers"))

    found = trade_pages.transfers_to_confirm(uow(), web_actor())
    context = {"transfers": found, "active_form": f"confirm-{payment_id}"}
    return submit_form(ConfirmTransferFormSchema(), TRANSFERS, done, **context)
