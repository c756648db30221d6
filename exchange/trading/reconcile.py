"""Reconciling at start-up: payments a gateway captured while the exchange was not listening.

A card payment's success reaches the exchange as a webhook. If the exchange was down (or died
between the gateway capturing the money and the webhook's transaction committing), the webhook
is retried by the gateway — and, at start-up, the exchange asks the gateway about every payment
still pending and applies what it hears: the trade goes on (delivered) or, when the licence can
no longer be given, the money is paid back (refunded). The payment row is locked and its status
checked again, so a webhook and a reconciliation never apply a payment twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select

from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.payments.domain import Gateway, PaymentStatus
from exchange.payments.gateways import GatewayFailed, PaymentGateway
from exchange.payments.models import Payment
from exchange.trading.domain import ContractStatus
from exchange.trading.payment_outcomes import apply_capture, load_contract, locked_payment


def reconcile_payments(
    uow: UnitOfWork, gateways: Mapping[Gateway, PaymentGateway], *, now: datetime | None = None
) -> dict[str, int]:
    """Apply every pending payment its gateway has captured; counts by outcome."""
    session = uow.session
    now = now or utcnow()
    pending = session.execute(
        select(Payment.id, Payment.gateway, Payment.external_id).where(
            Payment.status == PaymentStatus.PENDING, Payment.external_id.is_not(None)
        )
    ).all()
    outcomes: dict[str, int] = {}
    for payment_id, gateway_kind, external_id in pending:
        gateway = gateways.get(gateway_kind)
        if gateway is None or external_id is None:
            continue
        try:
            captured = gateway.captured(external_id)
        except GatewayFailed:
            outcomes["unreachable"] = outcomes.get("unreachable", 0) + 1
            continue
        if not captured:
            continue
        payment = locked_payment(session, payment_id)
        contract = load_contract(session, payment.contract_id)
        if (
            payment.status != PaymentStatus.PENDING
            or contract.status != ContractStatus.AWAITING_PAYMENT
        ):
            session.rollback()  # the webhook got there first
            continue
        outcome = apply_capture(session, contract, payment, gateway, now)
        uow.commit()
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
