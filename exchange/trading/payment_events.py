"""Stripe's webhook events: verified over the raw body, stored once by their id, applied so a
payment or contract never moves backwards; an event about a payment not yet committed is refused
so Stripe sends it again."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from exchange.kernel.errors import ExchangeError
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.payments.domain import Gateway, PaymentStatus
from exchange.payments.gateways import PaymentGateway, WebhookEvent, to_fen
from exchange.payments.gateways.stripe import read_webhook
from exchange.payments.models import GatewayEvent, Payment
from exchange.trading.domain import ContractStatus
from exchange.trading.payment_outcomes import (
    REFUNDABLE,
    apply_capture,
    load_contract,
    locked_payment,
    record_refund,
)

HANDLED_EVENTS = ("payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded")


class RetryLater(ExchangeError):
    """The event is early (its payment is not committed yet): the gateway should send it again."""

    status = 503
    code = "retry-later"
    title = N_("Not ready for this event yet; send it again later.")

    def __init__(self, detail: str | None = None, **params: Any) -> None:
        super().__init__(detail, **params)
        self.retry_after = 5


class EventOutcome(TypedDict):
    """What became of a gateway event: its outcome, and whether it had come before."""

    event_id: str
    outcome: str | None
    duplicate: bool


def handle_stripe_event(
    uow: UnitOfWork,
    payload: bytes,
    sig_header: str | None,
    *,
    secret: str,
    gateway: PaymentGateway | None = None,
    now: datetime | None = None,
) -> EventOutcome:
    """Verify a Stripe webhook and apply it once; a duplicate gets the first outcome back."""
    event = read_webhook(payload, sig_header, secret)  # nothing is stored unless it verifies
    session = uow.session
    now = now or utcnow()
    earlier = _stored_outcome(session, event.event_id)
    if earlier is not None:
        return EventOutcome(event_id=event.event_id, outcome=earlier, duplicate=True)
    payment = None
    if event.event_type in HANDLED_EVENTS and event.payment_external_id:
        payment = session.scalars(
            select(Payment).where(Payment.external_id == event.payment_external_id)
        ).first()
        if payment is None and _ours(event):
            raise RetryLater(N_("The payment this event concerns is not recorded yet."))
    record = GatewayEvent(
        gateway=Gateway.STRIPE,
        event_id=event.event_id,
        event_type=event.event_type,
        created=event.created,
        payment_id=payment.id if payment else None,
        payload=event.payload,
        outcome="received",
        received_at=now,
    )
    session.add(record)
    try:
        session.flush()  # claims the event: a concurrent duplicate waits here, then fails
    except IntegrityError:
        session.rollback()
        outcome = _stored_outcome(session, event.event_id)
        return EventOutcome(event_id=event.event_id, outcome=outcome, duplicate=True)
    record.outcome = (
        _apply(session, event, payment, gateway, now) if payment else "ignored-not-ours"
    )
    uow.commit()
    return EventOutcome(event_id=event.event_id, outcome=record.outcome, duplicate=False)


def _stored_outcome(session: Session, event_id: str) -> str | None:
    return session.scalars(
        select(GatewayEvent.outcome).where(
            GatewayEvent.gateway == Gateway.STRIPE, GatewayEvent.event_id == event_id
        )
    ).first()


def _ours(event: WebhookEvent) -> bool:
    """PaymentIntents the exchange makes carry their contract; refunds are always chased."""
    return event.event_type == "charge.refunded" or "contract_id" in event.metadata


def _apply(
    session: Session,
    event: WebhookEvent,
    payment: Payment,
    gateway: PaymentGateway | None,
    now: datetime,
) -> str:
    """Move the payment forward if the event allows it; never backwards."""
    payment = locked_payment(session, payment.id)
    contract = load_contract(session, payment.contract_id)
    if event.event_type == "payment_intent.succeeded":
        if payment.status not in (PaymentStatus.PENDING, PaymentStatus.FAILED):
            return "ignored-stale"
        if contract.status != ContractStatus.AWAITING_PAYMENT:
            return "ignored-contract-" + contract.status.value
        if event.amount is not None and event.amount != to_fen(payment.amount):
            return "ignored-amount-mismatch"
        return apply_capture(session, contract, payment, gateway, now)
    if event.event_type == "payment_intent.payment_failed":
        if payment.status != PaymentStatus.PENDING:
            return "ignored-stale"
        payment.status = PaymentStatus.FAILED
        payment.updated_at = now
        return "applied"
    # charge.refunded
    if not event.fully_refunded:
        return "ignored-partial-refund"
    if payment.status in (PaymentStatus.PENDING, PaymentStatus.FAILED):
        # The refund overtook the success: let Stripe bring it again once the success is in.
        raise RetryLater(N_("This refund arrived before its payment; it will be retried."))
    if payment.status != PaymentStatus.SUCCEEDED or contract.status not in REFUNDABLE:
        return "ignored-stale"
    record_refund(session, contract, payment, "refunded at Stripe", now)
    return "applied"
