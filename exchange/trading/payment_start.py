"""Opening a payment moves no money: its reference, one per contract and gateway, replayed keys."""

# Only the buyer's members start a payment, for a contract awaiting payment; one payment per
# contract and gateway (starting again returns it). What the money does once it arrives, or goes
# back, is exchange.trading.payment_outcomes.

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from exchange.kernel import audit
from exchange.kernel.actors import Actor, require_found
from exchange.kernel.errors import Conflict, PermissionDenied
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.kernel.records import IdempotencyRecord
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role
from exchange.payments.domain import Gateway, PaymentStatus
from exchange.payments.gateways import Charge, Collection, PaymentGateway
from exchange.payments.models import Payment
from exchange.trading.contracts import require_visible
from exchange.trading.domain import ContractStatus
from exchange.trading.models import TradeContract
from exchange.trading.payment_outcomes import PaymentView, load_contract, payment_view

GATEWAY_DIGIT = {Gateway.BANK_TRANSFER: "1", Gateway.STRIPE: "2"}
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


def _charge(contract: TradeContract, gateway: Gateway) -> Charge:
    return Charge(
        contract_id=contract.id,
        contract_number=contract.number,
        amount=contract.price,
        currency=contract.currency,
        reference=payment_reference(contract.id, gateway),
        idempotency_key=payment_key(contract.id, gateway),
    )


class StartedPayment(PaymentView):
    """A payment as its start answers it: with what the buyer needs to complete it."""

    instructions: dict[str, str]
    client_secret: str | None


def _started(payment: Payment, collection: Collection) -> StartedPayment:
    """The payment with the collection's instructions and client secret after it."""
    return StartedPayment(
        **payment_view(payment),
        instructions=collection.instructions,
        client_secret=collection.client_secret,
    )


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


class KeptPayment(TypedDict):
    """A started payment as JSON (amount as text, times in ISO form), kept under its key."""

    id: int
    contract_id: int
    gateway: str
    reference: str
    amount: str
    currency: str
    status: str
    external_id: str | None
    confirmed_at: str | None
    refunded_at: str | None
    ledger_seq: int | None
    instructions: dict[str, str]
    client_secret: str | None


def _stamp(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _kept(view: StartedPayment) -> KeptPayment:
    """The answer as JSON, to give back word for word when the key comes again."""
    return KeptPayment(
        id=view["id"],
        contract_id=view["contract_id"],
        gateway=view["gateway"],
        reference=view["reference"],
        amount=str(view["amount"]),
        currency=view["currency"],
        status=view["status"],
        external_id=view["external_id"],
        confirmed_at=_stamp(view["confirmed_at"]),
        refunded_at=_stamp(view["refunded_at"]),
        ledger_seq=view["ledger_seq"],
        instructions=view["instructions"],
        client_secret=view["client_secret"],
    )


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
    now: datetime | None = None,
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
    now = now or utcnow()
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
