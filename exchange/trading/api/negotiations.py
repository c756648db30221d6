"""The negotiation API: a buyer proposes terms on a licence offer, the sides counter in turn,
one accepts (a contract is drafted) or rejects, or the buyer withdraws."""

from __future__ import annotations

from typing import Any

from exchange.http.api import BEARER, Blueprint
from exchange.http.auth import bearer_actor
from exchange.http.context import uow
from exchange.trading import negotiation_reading, negotiations
from exchange.trading.extension import trading_settings
from exchange.trading.schemas import (
    AcceptedSchema,
    MessageSchema,
    MyNegotiationSchema,
    NegotiationSchema,
    ProposalSchema,
    TermsSchema,
)

blp = Blueprint(
    "api_negotiations", __name__, url_prefix="/api/v1", description="Negotiations over offers"
)


@blp.route("/negotiations", methods=["POST"])
@blp.arguments(ProposalSchema)
@blp.response(201, NegotiationSchema)
@blp.doc(security=BEARER)
def propose(data: dict[str, Any]) -> Any:
    """Open a negotiation on a licence offer with the terms proposed (the buyer's)."""
    actor = bearer_actor()
    opened = negotiations.propose(
        uow(),
        actor,
        data["offer_id"],
        data["terms"],
        data["message"],
        expiry_hours=trading_settings().expiry_hours,
    )
    return negotiation_reading.negotiation_view(uow(), actor, opened["id"])


@blp.route("/negotiations", methods=["GET"])
@blp.response(200, MyNegotiationSchema(many=True))
@blp.doc(security=BEARER)
def my_negotiations() -> Any:
    """The negotiations of the organisations the caller buys or sells for, newest move first."""
    return negotiation_reading.my_negotiations(uow(), bearer_actor())


@blp.route("/negotiations/<int:negotiation_id>", methods=["GET"])
@blp.response(200, NegotiationSchema)
@blp.doc(security=BEARER)
def get_negotiation(negotiation_id: int) -> Any:
    """The whole history, the valuation band and a suggested counter (sides and supervisors)."""
    return negotiation_reading.negotiation_view(uow(), bearer_actor(), negotiation_id)


@blp.route("/negotiations/<int:negotiation_id>/counter", methods=["POST"])
@blp.arguments(TermsSchema)
@blp.response(200, NegotiationSchema)
@blp.doc(security=BEARER)
def counter(data: dict[str, Any], negotiation_id: int) -> Any:
    """Answer with other terms (the side whose turn it is); the turn passes."""
    actor = bearer_actor()
    negotiations.counter(
        uow(),
        actor,
        negotiation_id,
        data["terms"],
        data["message"],
        expiry_hours=trading_settings().expiry_hours,
    )
    return negotiation_reading.negotiation_view(uow(), actor, negotiation_id)


@blp.route("/negotiations/<int:negotiation_id>/accept", methods=["POST"])
@blp.arguments(MessageSchema, required=False)
@blp.response(201, AcceptedSchema)
@blp.doc(security=BEARER)
def accept(data: dict[str, Any], negotiation_id: int) -> Any:
    """Accept the last terms proposed (the side whose turn it is): they become a contract."""
    actor = bearer_actor()
    setup = trading_settings()
    accepted = negotiations.accept(
        uow(),
        actor,
        negotiation_id,
        data["message"],
        fee_rate=setup.fee_rate,
        acceptance_days=setup.acceptance_days,
    )
    shown = negotiation_reading.negotiation_view(uow(), actor, negotiation_id)
    return shown | {"contract_number": accepted["contract_number"]}


@blp.route("/negotiations/<int:negotiation_id>/reject", methods=["POST"])
@blp.arguments(MessageSchema, required=False)
@blp.response(200, NegotiationSchema)
@blp.doc(security=BEARER)
def reject(data: dict[str, Any], negotiation_id: int) -> Any:
    """Turn the last terms down and end the negotiation (the side whose turn it is)."""
    actor = bearer_actor()
    negotiations.reject(uow(), actor, negotiation_id, data["message"])
    return negotiation_reading.negotiation_view(uow(), actor, negotiation_id)


@blp.route("/negotiations/<int:negotiation_id>/withdraw", methods=["POST"])
@blp.arguments(MessageSchema, required=False)
@blp.response(200, NegotiationSchema)
@blp.doc(security=BEARER)
def withdraw(data: dict[str, Any], negotiation_id: int) -> Any:
    """Walk away from an open negotiation (the buyer, whoever's turn it is)."""
    actor = bearer_actor()
    negotiations.withdraw(uow(), actor, negotiation_id, data["message"])
    return negotiation_reading.negotiation_view(uow(), actor, negotiation_id)
