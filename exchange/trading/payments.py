"""Paying for a contract: start a payment through a gateway, confirm it, apply gateway events,
refund it. Success moves the price into escrow, puts the contract in escrow and runs the trade's
next steps, with its ledger entry, in one unit of work.

Rules: only the buyer's members start a payment, for a contract awaiting payment; one payment
per contract and gateway (starting again returns it); only operators confirm a bank transfer,
for exactly the price. Gateway events are verified, stored once by their id and never move a
payment or contract backwards; an event about a payment not yet committed is refused so the
gateway retries it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from exchange.domain.errors import Conflict, PermissionDenied, ValidationFailed
from exchange.domain.i18n import N_
from exchange.domain.trading import CENT, ContractStatus, Gateway, PaymentStatus
from exchange.domain.vocabulary import Role
from exchange.kernel import audit
from exchange.kernel.actors import Actor, require_found, require_role
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.ledger.events import record_event
from exchange.models import IdempotencyRecord, Payment, TradeContract
from exchange.models.base import utcnow
from exchange.payments import escrow
from exchange.payments.gateways import Charge, Collection, PaymentGateway, RefundRequest
from exchange.rights.transfers import RightsNotHeld
from exchange.trading import flow as trade_flow
from exchange.trading.contracts import require_visible

GATEWAY_DIGIT = {Gateway.BANK_TRANSFER: "1", Gateway.STRIPE: "2"}
REFUNDABLE = (ContractStatus.IN_ESCROW, ContractStatus.DISPUTED)

# Paying acts for the buying organisation: a colleague there with only the vendor role may not.
NOT_THE_BUYER = N_("Only members with the buyer role in the buying organisation can pay for it.")


def payment_reference(contract_id: int, gateway: Gateway) -> str:
    """A reference a person can type: GSP, the gateway, the contract, and a Luhn check digit."""
    body = GATEWAY_DIGIT[gateway] + f"{contract_id:09d}"
    return f"GSP{body}{_luhn(body)}"


def valid_reference(reference: str) -> bool:
    """True when the reference is well formed and its check digit matches (catches typos)."""
    body, check = reference[3:-1], reference[-1:]
    return (
        reference.startswith("GSP") and body.isdigit() and len(body) == 10 and _luhn(body) == check
    )


def _luhn(digits: str) -> str:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def payment_key(contract_id: int, gateway: Gateway) -> str:
    """The idempotency key of a contract's payment: one PaymentIntent per contract, ever."""
    suffix = "payment" if gateway == Gateway.STRIPE else "bank-transfer"
    return f"contract-{contract_id}-{suffix}-v1"


def refund_key(contract_id: int) -> str:
    """The idempotency key of a contract's refund."""
    return f"contract-{contract_id}-refund-v1"


def _charge(contract: TradeContract, gateway: Gateway) -> Charge:
    return Charge(
        contract_id=contract.id,
        contract_number=contract.number,
        amount=contract.price,
        currency=contract.currency,
        reference=payment_reference(contract.id, gateway),
        idempotency_key=payment_key(contract.id, gateway),
    )


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


class StartedPayment(PaymentView):
    """A payment as its start answers it: with what the buyer needs to complete it."""

    instructions: dict[str, str]
    client_secret: str | None


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


def _started(payment: Payment, collection: Collection) -> StartedPayment:
    """The payment with the collection's instructions and client secret after it."""
    return StartedPayment(
        **payment_view(payment),
        instructions=collection.instructions,
        client_secret=collection.client_secret,
    )


def load_contract(session: Session, contract_id: int, *, lock: bool = True) -> TradeContract:
    query = select(TradeContract).where(TradeContract.id == contract_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return require_found(session.scalars(query).first())


def _payment_of(session: Session, contract_id: int, gateway: Gateway) -> Payment | None:
    return session.scalars(
        select(Payment).where(Payment.contract_id == contract_id, Payment.gateway == gateway)
    ).first()


def pending_instructions(
    uow: UnitOfWork, actor: Actor, contract_id: int, gateway: PaymentGateway
) -> dict[str, str] | None:
    """What the buyer needs to finish a payment begun through this gateway (nothing is
    written); None when no payment through it is pending."""
    session = uow.session
    contract = load_contract(session, contract_id, lock=False)
    require_visible(actor, contract)
    if not actor.has_role_in(contract.buyer_id, Role.BUYER):
        raise PermissionDenied(NOT_THE_BUYER)
    payment = _payment_of(session, contract.id, gateway.kind)
    if payment is None or payment.status != PaymentStatus.PENDING:
        return None
    return gateway.resume(_charge(contract, gateway.kind), payment.external_id).instructions


def _request_hash(contract_id: int, gateway: Gateway) -> str:
    return hashlib.sha256(f"start_payment:{contract_id}:{gateway.value}".encode()).hexdigest()


def _earlier(
    session: Session, actor: Actor, key: str | None, request_hash: str
) -> IdempotencyRecord | None:
    """The record of this Idempotency-Key's first use, when it was for this very request."""
    if key is None:
        return None
    record = session.scalars(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == actor.user_id, IdempotencyRecord.key == key
        )
    ).first()
    if record is not None and record.request_hash != request_hash:
        raise Conflict(N_("This Idempotency-Key was already used for a different request."))
    return record


def _kept(view: StartedPayment) -> dict[str, Any]:
    """The answer as JSON, to give back word for word when the key comes again."""
    return {
        name: value.isoformat()
        if isinstance(value, datetime)
        else str(value)
        if isinstance(value, Decimal)
        else value
        for name, value in view.items()
    }


def _keep(
    session: Session, actor: Actor, key: str | None, request_hash: str, view: StartedPayment
) -> None:
    """Remember the answer under the request's Idempotency-Key, if it came with one."""
    if key is not None:
        session.add(
            IdempotencyRecord(
                user_id=actor.user_id,
                key=key,
                request_hash=request_hash,
                status_code=201,
                response=_kept(view),
            )
        )


def _time(kept: str | None) -> datetime | None:
    return None if kept is None else datetime.fromisoformat(kept)


def _revived(kept: Mapping[str, Any]) -> StartedPayment:
    """The kept answer with its amounts and times as the first answer had them."""
    return StartedPayment(
        id=kept["id"],
        contract_id=kept["contract_id"],
        gateway=kept["gateway"],
        reference=kept["reference"],
        amount=Decimal(kept["amount"]),
        currency=kept["currency"],
        status=kept["status"],
        external_id=kept["external_id"],
        confirmed_at=_time(kept["confirmed_at"]),
        refunded_at=_time(kept["refunded_at"]),
        ledger_seq=kept["ledger_seq"],
        instructions=kept["instructions"],
        client_secret=kept["client_secret"],
    )


def start_payment(
    uow: UnitOfWork,
    actor: Actor,
    contract_id: int,
    *,
    gateway: PaymentGateway,
    idempotency_key: str | None = None,
) -> StartedPayment:
    """The buyer begins paying: bank instructions, or a Stripe PaymentIntent; twice gives one.
    The same Idempotency-Key again gets the first answer word for word, whatever happened since;
    a key first used for another request is refused."""
    session = uow.session
    request_hash = _request_hash(contract_id, gateway.kind)
    earlier = _earlier(session, actor, idempotency_key, request_hash)
    if earlier is not None:
        return _revived(earlier.response)
    contract = load_contract(session, contract_id)
    require_visible(actor, contract)  # a stranger learns nothing, not even that it exists
    if not actor.has_role_in(contract.buyer_id, Role.BUYER):
        raise PermissionDenied(NOT_THE_BUYER)
    payment = _payment_of(session, contract.id, gateway.kind)
    charge = _charge(contract, gateway.kind)
    if payment is not None:  # started before, by this request or another: the same payment
        view = _started(payment, gateway.resume(charge, payment.external_id))
        _keep(session, actor, idempotency_key, request_hash, view)
        try:
            uow.commit()
        except IntegrityError:  # the same key, concurrently: the answer kept first wins
            session.rollback()
            earlier = _earlier(session, actor, idempotency_key, request_hash)
            return _revived(earlier.response) if earlier is not None else view
        return view
    if contract.status != ContractStatus.AWAITING_PAYMENT:
        raise Conflict(N_("This contract is not awaiting payment."), status=contract.status.value)
    other = session.scalars(
        select(Payment).where(
            Payment.contract_id == contract.id,
            Payment.status.in_((PaymentStatus.PENDING, PaymentStatus.SUCCEEDED)),
        )
    ).first()
    if other is not None:
        raise Conflict(N_("A payment by another method is already under way for this contract."))
    # The gateway is asked before the row exists; its key is the contract's, so a retry after
    # a crash here finds the same PaymentIntent rather than making a second one.
    collection = gateway.collect(charge)
    now = utcnow()
    payment = Payment(
        contract_id=contract.id,
        gateway=gateway.kind,
        reference=charge.reference,
        amount=contract.price,
        currency=contract.currency,
        status=PaymentStatus.PENDING,
        external_id=collection.external_id,
        idempotency_key=charge.idempotency_key,
        created_at=now,
        updated_at=now,
    )
    session.add(payment)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()  # a concurrent start made it first: answer with theirs
        found = require_found(_payment_of(session, contract_id, gateway.kind))
        return _started(found, gateway.resume(charge, found.external_id))
    view = _started(payment, collection)
    _keep(session, actor, idempotency_key, request_hash, view)
    audit.record(
        session,
        "payment.started",
        actor=actor,
        organisation_id=contract.buyer_id,
        subject=str(payment.id),
        contract_id=contract.id,
        gateway=gateway.kind.value,
    )
    uow.commit()
    return view


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
        now=now,
    )
    escrow.post_payment(session, contract, ledger_seq=entry.seq)
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
        now=now,
    )
    escrow.post_refund(session, contract, ledger_seq=entry.seq)
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
