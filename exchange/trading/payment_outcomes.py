"""Money into escrow or back, in one place for operators, webhooks, reconciliation and disputes."""

# Success moves the price into escrow, puts the contract in escrow and runs the trade's next
# steps, with its ledger entry, in one unit of work. Only operators confirm a bank transfer, for
# exactly the price. Gateway events (exchange.trading.payment_events) and reconciliation apply
# captures here, under the payment's row lock, so a payment never moves backwards or twice.

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange.kernel import audit
from exchange.kernel.actors import Actor, require_found, require_role
from exchange.kernel.errors import Conflict, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role
from exchange.ledger.events import record_event
from exchange.payments import escrow
from exchange.payments.domain import CENT, Gateway, PaymentStatus
from exchange.payments.gateways import PaymentGateway, RefundRequest
from exchange.payments.models import Payment
from exchange.rights.transfers import RightsNotHeld
from exchange.trading import flow as trade_flow
from exchange.trading.domain import ContractStatus
from exchange.trading.models import TradeContract

REFUNDABLE = (ContractStatus.IN_ESCROW, ContractStatus.DISPUTED)


def refund_key(contract_id: int) -> str:
    """The idempotency key of a contract's refund."""
    return f"contract-{contract_id}-refund-v1"


class PaymentView(TypedDict):
    """A payment as the parties, the API and the dossier see it (gateway and status as values)."""

    id: int
    contract_id: int
    gateway: str
    reference: str
    amount: Decimal
    currency: str
    status: str
    external_id: str | None
    confirmed_at: datetime | None
    refunded_at: datetime | None
    ledger_seq: int | None


def payment_view(payment: Payment) -> PaymentView:
    """A payment as plain data."""
    return PaymentView(
        id=payment.id,
        contract_id=payment.contract_id,
        gateway=payment.gateway.value,
        reference=payment.reference,
        amount=payment.amount,
        currency=payment.currency,
        status=payment.status.value,
        external_id=payment.external_id,
        confirmed_at=payment.confirmed_at,
        refunded_at=payment.refunded_at,
        ledger_seq=payment.ledger_seq,
    )


def load_contract(session: Session, contract_id: int, *, lock: bool = True) -> TradeContract:
    """The contract a payment is for, or 404; locked (and read afresh) unless lock=False."""
    query = select(TradeContract).where(TradeContract.id == contract_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return require_found(session.scalars(query).first())


def confirm_bank_transfer(
    uow: UnitOfWork,
    actor: Actor,
    payment_id: int,
    *,
    amount: Decimal | str,
    now: datetime | None = None,
) -> PaymentView:
    """An operator confirms that the price arrived in the exchange's account."""
    require_role(actor, Role.OPERATOR)
    session = uow.session
    now = now or utcnow()
    payment = locked_payment(session, payment_id)
    if payment.gateway != Gateway.BANK_TRANSFER:
        raise Conflict(N_("Only bank transfers are confirmed by hand."))
    if payment.status != PaymentStatus.PENDING:
        raise Conflict(
            N_("This payment is not awaiting confirmation."), status=payment.status.value
        )
    contract = load_contract(session, payment.contract_id)
    try:
        received = Decimal(str(amount))
    except InvalidOperation:
        raise ValidationFailed.on("amount", N_("Give the amount received.")) from None
    if received != received.quantize(CENT) or received != contract.price:
        raise ValidationFailed.on(
            "amount", N_("The amount received must equal the contract price exactly.")
        )
    succeed(session, contract, payment, now)
    payment.confirmed_by_id = actor.user_id
    audit.record(
        session,
        "payment.confirmed",
        actor=actor,
        subject=str(payment.id),
        contract_id=contract.id,
        amount=str(received),
    )
    view = payment_view(payment)
    uow.commit()
    return view


def locked_payment(session: Session, payment_id: int) -> Payment:
    """The payment, or 404; locked and read afresh, so two appliers take turns."""
    query = (
        select(Payment)
        .where(Payment.id == payment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return require_found(session.scalars(query).first())


def succeed(session: Session, contract: TradeContract, payment: Payment, now: datetime) -> None:
    """The money is in: ledger entry, payment journal, contract in escrow, the trade goes on."""
    receive(session, contract, payment, now)
    trade_flow.after_payment(session, contract, payment, now)


def apply_capture(
    session: Session,
    contract: TradeContract,
    payment: Payment,
    gateway: PaymentGateway | None,
    now: datetime,
) -> str:
    """Money a gateway captured: the trade goes on; if the licence can no longer be given (an
    exclusive licence another buyer paid for first), the money is received and paid back."""
    try:
        with session.begin_nested():
            succeed(session, contract, payment, now)
        return "applied"
    except RightsNotHeld:
        pass
    receive(session, contract, payment, now)
    refund(
        session,
        contract,
        reason="the licence was no longer available when the payment arrived",
        now=now,
        gateway=gateway,
    )
    return "refunded-unavailable"


def receive(session: Session, contract: TradeContract, payment: Payment, now: datetime) -> None:
    """The money is in escrow: its ledger entry and journal, payment and contract marked."""
    if contract.status != ContractStatus.AWAITING_PAYMENT:
        raise Conflict(N_("This contract is not awaiting payment."), status=contract.status.value)
    entry = record_event(
        session,
        "trade.payment",
        {
            "contract_id": contract.id,
            "contract_number": contract.number,
            "contract_hash": contract.contract_hash,
            "payment_id": payment.id,
            "gateway": payment.gateway.value,
            "reference": payment.reference,
            "external_id": payment.external_id,
            "amount": f"{payment.amount:.2f}",
            "currency": payment.currency,
        },
        parties=[contract.buyer_id, contract.vendor_id],
    )
    escrow.post_payment(session, contract, ledger_seq=entry.seq, now=now)
    payment.status = PaymentStatus.SUCCEEDED
    payment.confirmed_at = now
    payment.ledger_seq = entry.seq
    payment.updated_at = now
    contract.status = ContractStatus.IN_ESCROW
    contract.updated_at = now
    session.flush()


def record_refund(
    session: Session, contract: TradeContract, payment: Payment, reason: str, now: datetime
) -> None:
    """The price goes back to the buyer: ledger entry, refund journal, both marked refunded."""
    entry = record_event(
        session,
        "trade.refund",
        {
            "contract_id": contract.id,
            "contract_number": contract.number,
            "payment_id": payment.id,
            "gateway": payment.gateway.value,
            "external_id": payment.external_id,
            "amount": f"{payment.amount:.2f}",
            "currency": payment.currency,
            "reason": reason,
        },
        parties=[contract.buyer_id, contract.vendor_id],
    )
    escrow.post_refund(session, contract, ledger_seq=entry.seq, now=now)
    payment.status = PaymentStatus.REFUNDED
    payment.refunded_at = now
    payment.updated_at = now
    contract.status = ContractStatus.REFUNDED
    contract.updated_at = now
    session.flush()


def refund(
    session: Session,
    contract: TradeContract,
    *,
    reason: str,
    now: datetime,
    gateway: PaymentGateway | None = None,
) -> PaymentView:
    """Return a contract's price from escrow (the dispute flow, in the caller's unit of work).

    A Stripe payment is refunded through `gateway` (the Stripe adapter) with the contract's
    refund key; a bank transfer is paid back by an operator and only recorded here.
    """
    if contract.status not in REFUNDABLE:
        raise Conflict(
            N_("Only a contract in escrow can be refunded."), status=contract.status.value
        )
    payment = session.scalars(
        select(Payment)
        .where(Payment.contract_id == contract.id, Payment.status == PaymentStatus.SUCCEEDED)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if payment is None:
        raise Conflict(N_("This contract has no received payment to refund."))
    if payment.gateway == Gateway.STRIPE:
        if gateway is None or gateway.kind != Gateway.STRIPE:
            raise Conflict(
                N_("This card payment can only be refunded through Stripe, which is not set up.")
            )
        gateway.refund(
            RefundRequest(
                contract_id=contract.id,
                external_id=payment.external_id,
                amount=payment.amount,
                currency=payment.currency,
                idempotency_key=refund_key(contract.id),
                reason=reason,
            )
        )
    record_refund(session, contract, payment, reason, now)
    return payment_view(payment)
