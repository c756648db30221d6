"""The contract API: a contract as frozen, its EIP-712 typed data, signatures by the key the
exchange holds or by an organisation's own wallet, and the buyer's acceptance or dispute of
the delivery with the operators' decision."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify

from exchange.http.api import BEARER, Blueprint
from exchange.http.auth import bearer_actor
from exchange.http.context import uow
from exchange.http.openapi import JSON_OBJECT, body_as
from exchange.kernel.actors import Actor
from exchange.payments.domain import Gateway
from exchange.trading import contracts as trade_contracts
from exchange.trading import settlement, signing_keys
from exchange.trading.extension import signing_domain, trading_settings
from exchange.trading.schemas import (
    AddressInputSchema,
    ContractSchema,
    DisputeDecisionSchema,
    DisputeInputSchema,
    DisputeSchema,
    SignatureInputSchema,
    SignedSchema,
    SigningAddressSchema,
)

blp = Blueprint(
    "api_contracts", __name__, url_prefix="/api/v1", description="Contracts and their signatures"
)


@blp.route("/contracts/<int:contract_id>", methods=["GET"])
@blp.response(200, ContractSchema)
@blp.doc(security=BEARER)
def get_contract(contract_id: int) -> Any:
    """Terms, texts in Chinese and English, hash and verified signatures (parties, supervisors)."""
    return contract(bearer_actor(), contract_id)


@blp.route("/contracts/<int:contract_id>/typed-data", methods=["GET"])
@blp.response(200)
@body_as(
    blp,
    ["application/json"],
    "EIP-712 typed data (types, primaryType, domain, message).",
    JSON_OBJECT,
)
@blp.doc(security=BEARER)
def typed_data(contract_id: int) -> Any:
    """The EIP-712 JSON to sign with an organisation's own wallet (eth_signTypedData_v4)."""
    data = signing_keys.typed_data_for(
        uow(),
        bearer_actor(),
        contract_id,
        signing_domain(),
        master_key=current_app.config["MASTER_KEY"],
    )
    return jsonify(data)


@blp.route("/contracts/<int:contract_id>/sign", methods=["POST"])
@blp.response(201, SignedSchema)
@blp.doc(security=BEARER)
def sign(contract_id: int) -> Any:
    """Sign for the caller's side with the key the exchange holds for its organisation."""
    return signing_keys.sign_contract(
        uow(),
        bearer_actor(),
        contract_id,
        master_key=current_app.config["MASTER_KEY"],
        domain=signing_domain(),
    )


@blp.route("/contracts/<int:contract_id>/signatures", methods=["POST"])
@blp.arguments(SignatureInputSchema)
@blp.response(201, SignedSchema)
@blp.doc(security=BEARER)
def submit_signature(data: dict[str, Any], contract_id: int) -> Any:
    """Submit the signature the organisation's own wallet made; it must verify to be kept."""
    return signing_keys.submit_signature(
        uow(),
        bearer_actor(),
        contract_id,
        data["signature"],
        domain=signing_domain(),
        master_key=current_app.config["MASTER_KEY"],
    )


@blp.route("/organisations/<int:organisation_id>/signing-address", methods=["POST"])
@blp.arguments(AddressInputSchema)
@blp.response(200, SigningAddressSchema)
@blp.doc(security=BEARER)
def register_address(data: dict[str, Any], organisation_id: int) -> Any:
    """Sign with the organisation's own wallet from now on (its administrators)."""
    return signing_keys.register_address(uow(), bearer_actor(), organisation_id, data["address"])


@blp.route("/contracts/<int:contract_id>/accept-delivery", methods=["POST"])
@blp.response(200, ContractSchema)
@blp.doc(security=BEARER)
def accept_delivery(contract_id: int) -> Any:
    """Accept what was delivered (the buyer): escrow goes to the vendor less the fee."""
    actor = bearer_actor()
    settlement.accept_delivery(uow(), actor, contract_id)
    return contract(actor, contract_id)


@blp.route("/contracts/<int:contract_id>/disputes", methods=["POST"])
@blp.arguments(DisputeInputSchema)
@blp.response(201, DisputeSchema)
@blp.doc(security=BEARER)
def open_dispute(data: dict[str, Any], contract_id: int) -> Any:
    """Dispute the delivery within the acceptance window (the buyer); escrow waits."""
    return settlement.open_dispute(uow(), bearer_actor(), contract_id, data["reason"])


@blp.route("/contracts/<int:contract_id>/disputes/decision", methods=["POST"])
@blp.arguments(DisputeDecisionSchema)
@blp.response(200, ContractSchema)
@blp.doc(security=BEARER)
def decide_dispute(data: dict[str, Any], contract_id: int) -> Any:
    """Uphold the dispute (the buyer is refunded) or reject it (escrow is released); operators."""
    actor = bearer_actor()
    settlement.decide_dispute(
        uow(),
        actor,
        contract_id,
        data["decision"],
        data["reason"],
        # Used only to refund a card payment; a bank transfer is paid back by hand.
        gateway=trading_settings().gateways.get(Gateway.STRIPE),
    )
    return contract(actor, contract_id)


def contract(actor: Actor, contract_id: int) -> trade_contracts.ContractView:
    """The contract as the caller may see it, its signatures checked under the exchange's domain."""
    return trade_contracts.contract_view(uow(), actor, contract_id, domain=signing_domain())
