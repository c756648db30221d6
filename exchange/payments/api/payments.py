"""The payment API: the buyer pays for a signed contract into escrow (bank transfer by default,
or Stripe), the same Idempotency-Key giving the same answer; operators confirm transfers."""

from __future__ import annotations

from typing import Any

from exchange.http.api import BEARER, Blueprint
from exchange.http.auth import bearer_actor
from exchange.http.context import uow
from exchange.kernel.errors import ValidationFailed
from exchange.kernel.i18n import N_
from exchange.payments.domain import Gateway
from exchange.payments.gateways import PaymentGateway
from exchange.trading import payment_outcomes, payment_start
from exchange.trading import reading as trade_pages
from exchange.trading.extension import trading_settings
from exchange.trading.schemas import (
    ConfirmationSchema,
    IdempotencyHeaderSchema,
    PaymentInputSchema,
    PaymentSchema,
)

blp = Blueprint("api_payments", __name__, url_prefix="/api/v1", description="Payments into escrow")


@blp.route("/payments", methods=["POST"])
@blp.arguments(PaymentInputSchema)
@blp.arguments(IdempotencyHeaderSchema, location="headers")
@blp.response(201, PaymentSchema)
@blp.doc(security=BEARER)
def start_payment(data: dict[str, Any], headers: dict[str, Any]) -> Any:
    """Begin paying for a contract awaiting payment (the buyer): bank instructions with a
    reference, or a Stripe PaymentIntent's client secret. Asking again, with or without the
    same Idempotency-Key, answers with the same payment; a key reused for another contract or
    gateway is a 409."""
    return payment_start.start_payment(
        uow(),
        bearer_actor(),
        data["contract_id"],
        gateway=enabled_gateway(data["gateway"]),
        idempotency_key=headers["key"],
    )


@blp.route("/payments/<int:payment_id>", methods=["GET"])
@blp.response(200, PaymentSchema)
@blp.doc(security=BEARER)
def get_payment(payment_id: int) -> Any:
    """A payment and its status (the contract's parties and supervisors)."""
    return trade_pages.payment_detail(uow(), bearer_actor(), payment_id)


@blp.route("/payments/<int:payment_id>/confirm", methods=["POST"])
@blp.arguments(ConfirmationSchema)
@blp.response(200, PaymentSchema)
@blp.doc(security=BEARER)
def confirm(data: dict[str, Any], payment_id: int) -> Any:
    """Confirm that a bank transfer of exactly the price arrived (operators)."""
    return payment_outcomes.confirm_bank_transfer(
        uow(), bearer_actor(), payment_id, amount=data["amount"]
    )


def enabled_gateway(name: Gateway | None) -> PaymentGateway:
    """The gateway asked for, or the configured default; one not configured here is refused."""
    setup = trading_settings()
    chosen = name or setup.default_gateway
    if chosen not in setup.gateways:
        raise ValidationFailed.on("gateway", N_("This payment method is not available."))
    return setup.gateways[chosen]
