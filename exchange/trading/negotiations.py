"""Negotiations: a buyer proposes terms on a licence offer, the sides alternate until one
accepts (the terms freeze into a contract) or rejects, the buyer withdraws, or it expires.

Only a verified organisation's buyers may open one, never on their own organisation's product,
and only on an active offer of a listed product; a buyer has at most one open negotiation per
offer (the database keeps that too). Each move is a round; only the side whose turn it is may
counter, accept or reject, and every move restarts the expiry clock. The outcome goes to the
ledger as "trade.negotiation" with both parties, in the same unit of work as the change.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from exchange.catalog.domain import Access, ListingStatus, Territory, UseScope
from exchange.catalog.models import DataProduct, LicenceOffer
from exchange.catalog.product_page import can_see
from exchange.kernel import audit
from exchange.kernel.actors import Actor, require_found
from exchange.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role, VerificationStatus
from exchange.ledger.events import record_event
from exchange.trading.contracts import actor_has_role, draft
from exchange.trading.domain import NegotiationStatus, RoundAction, Side, Terms
from exchange.trading.exclusive_offers import OfferTaken, holds_offer, lock_offer, refuse_if_taken
from exchange.trading.models import Negotiation, NegotiationRound

S = NegotiationStatus
SIDE_ROLE = {Side.BUYER: Role.BUYER, Side.VENDOR: Role.VENDOR}
PROPOSING = (RoundAction.PROPOSE, RoundAction.COUNTER)
MAX_PRICE = Decimal("1000000000000")  # what a Money column holds: below a trillion yuan
MAX_SEATS = 10_000
MAX_TERM_MONTHS = 120
MAX_MESSAGE = 2000
MAX_QUOTA = 10_000_000  # as on an offer


# Checks on what a round proposes


def checked_terms(terms: Terms, offer: LicenceOffer) -> Terms:
    """The terms, normalised, or one ValidationFailed naming every field that is wrong.

    The quota is the offer's own when the round names none; a copy takes none."""
    problems: dict[str, list[str]] = {}
    quota = terms.quota
    if offer.access is Access.COPY:
        if quota is not None:
            problems["quota"] = [N_("A copy of the data has no quota.")]
    elif quota is None:
        quota = offer.quota
    elif not _int_between(quota, 1, MAX_QUOTA):
        problems["quota"] = [N_("A quota is 1 to 10,000,000 calls or queries.")]
    price = terms.price
    try:
        price = Decimal(price)
        valid_price = price.is_finite() and price > 0 and price < MAX_PRICE
    except (InvalidOperation, TypeError, ValueError):
        valid_price = False
    if not valid_price:
        problems["price"] = [N_("Give a price above zero, in yuan.")]
    elif price.as_tuple().exponent < -2:  # type: ignore[operator]
        problems["price"] = [N_("A price has at most two decimals (fen).")]
    try:
        scope = UseScope(terms.scope)
    except ValueError:
        problems["scope"] = [N_("Choose internal, research or commercial use.")]
    try:
        territory = Territory(terms.territory)
    except ValueError:
        problems["territory"] = [N_("Choose Jiangxi, mainland China or worldwide.")]
    if not _int_between(terms.term_months, 1, MAX_TERM_MONTHS):
        problems["term_months"] = [N_("A licence runs for 1 to 120 months.")]
    if not _int_between(terms.seats, 1, MAX_SEATS):
        problems["seats"] = [N_("A licence has 1 to 10,000 seats.")]
    for name in ("exclusive", "derivative"):
        if not isinstance(getattr(terms, name), bool):
            problems[name] = [N_("Answer yes or no.")]
    if problems:
        raise ValidationFailed(N_("These terms cannot be offered."), errors=problems)
    return replace(
        terms, price=price.quantize(Decimal("0.01")), scope=scope, territory=territory, quota=quota
    )


def _int_between(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _message(message: str | None) -> str | None:
    message = (message or "").strip() or None
    if message is not None and len(message) > MAX_MESSAGE:
        raise ValidationFailed.on("message", N_("Keep the message under 2,000 characters."))
    return message


# Loading and who may act


def load_negotiation(
    session: Session, negotiation_id: int, *, for_update: bool = False
) -> Negotiation:
    statement = (
        select(Negotiation)
        .where(Negotiation.id == negotiation_id)
        .options(selectinload(Negotiation.rounds))
    )
    if for_update:
        statement = statement.with_for_update(of=Negotiation)
    return require_found(session.scalar(statement))


def party_of(negotiation: Negotiation, side: Side) -> int:
    return negotiation.buyer_id if side == Side.BUYER else negotiation.vendor_id


def _sides(actor: Actor, negotiation: Negotiation) -> list[Side]:
    """The sides the actor may act for: 404 to strangers, 403 to members without the role."""
    members = [s for s in Side if actor.is_member(party_of(negotiation, s))]
    if not members:
        raise NotFound()
    entitled = [s for s in members if actor_has_role(actor, party_of(negotiation, s), SIDE_ROLE[s])]
    if not entitled:
        raise PermissionDenied(N_("Only the organisation's buyers or vendors may negotiate."))
    return entitled


def _require_open(negotiation: Negotiation, now: datetime) -> None:
    if negotiation.status != S.OPEN:
        raise Conflict(N_("This negotiation is closed."), status=negotiation.status.value)
    if negotiation.expires_at <= now:
        raise Conflict(N_("This negotiation has expired."), status=S.EXPIRED.value)


def _on_turn(actor: Actor, negotiation: Negotiation, now: datetime) -> Side:
    """The side acting now, which must be the side whose turn it is."""
    sides = _sides(actor, negotiation)
    _require_open(negotiation, now)
    if negotiation.turn not in sides:
        raise Conflict(N_("It is the other side's turn to answer."))
    return negotiation.turn


def _require_tradable(product: DataProduct, offer: LicenceOffer) -> None:
    if product.status != ListingStatus.LISTED:
        raise Conflict(N_("This product is not listed; it cannot be traded now."))
    if not offer.is_active:
        raise Conflict(N_("This licence offer has been withdrawn."))


def _buyer_organisation(actor: Actor, vendor_id: int) -> int:
    """The verified organisation the actor buys for; refusals say why it cannot."""
    buying = [m for m in actor.memberships if Role.BUYER in m.roles]
    others = [m for m in buying if m.organisation_id != vendor_id]
    if not others:
        if buying or actor.is_member(vendor_id):
            raise PermissionDenied(
                N_("Nobody may make an offer on their own organisation's product.")
            )
        raise PermissionDenied(N_("Only an organisation's buyers may make offers."))
    verified = [m for m in others if m.verification_status == VerificationStatus.VERIFIED]
    if not verified:
        raise Conflict(N_("Your organisation must be verified before it can trade."))
    return verified[0].organisation_id


# Moves


def _add_round(
    session: Session,
    negotiation: Negotiation,
    side: Side,
    action: RoundAction,
    actor: Actor | None,
    now: datetime,
    *,
    terms: Terms | None = None,
    message: str | None = None,
) -> NegotiationRound:
    row = NegotiationRound(
        number=len(negotiation.rounds) + 1,
        side=side,
        action=action,
        message=message,
        user_id=actor.user_id if actor else None,
        created_at=now,
    )
    if terms is not None:
        row.price, row.scope, row.term_months = terms.price, terms.scope, terms.term_months
        row.territory, row.exclusive = terms.territory, terms.exclusive
        row.seats, row.derivative, row.quota = terms.seats, terms.derivative, terms.quota
    negotiation.rounds.append(row)
    negotiation.updated_at = now
    return row


def last_proposal(negotiation: Negotiation) -> NegotiationRound:
    return next(r for r in reversed(negotiation.rounds) if r.action in PROPOSING)


def _close(
    session: Session,
    negotiation: Negotiation,
    outcome: NegotiationStatus,
    side: Side,
    action: RoundAction,
    actor: Actor | None,
    now: datetime,
    message: str | None = None,
) -> None:
    """End the negotiation with a closing round and its outcome on the ledger."""
    _add_round(session, negotiation, side, action, actor, now, message=message)
    last = last_proposal(negotiation)
    negotiation.status = outcome
    body = {
        "negotiation_id": negotiation.id,
        "offer_id": negotiation.offer_id,
        "product_id": negotiation.product_id,
        "buyer_id": negotiation.buyer_id,
        "vendor_id": negotiation.vendor_id,
        "outcome": outcome.value,
        "closed_by": side.value,
        "rounds": len(negotiation.rounds),
        "last_price": str(last.price),
        "actor_user_id": actor.user_id if actor else None,
    }
    if last.quota is not None:  # only then: a copy's entry keeps its earlier shape
        body["last_quota"] = last.quota
    entry = record_event(
        session, "trade.negotiation", body, parties=[negotiation.buyer_id, negotiation.vendor_id]
    )
    negotiation.ledger_seq = entry.seq
    audit.record(
        session,
        "trade.negotiation",
        actor=actor,
        subject=str(negotiation.id),
        outcome=outcome.value,
    )


def propose(
    uow: UnitOfWork,
    actor: Actor,
    offer_id: int,
    terms: Terms,
    message: str | None,
    *,
    expiry_hours: float,
    now: datetime | None = None,
) -> NegotiationSummary:
    """A buyer opens a negotiation on a licence offer with the terms it proposes."""
    session = uow.session
    now = now or utcnow()
    offer = require_found(session.get(LicenceOffer, offer_id, with_for_update=True))
    product = require_found(session.get(DataProduct, offer.product_id))
    if not can_see(actor, product):
        raise NotFound()
    buyer_id = _buyer_organisation(actor, product.vendor_id)
    _require_tradable(product, offer)
    terms = checked_terms(terms, offer)
    message = _message(message)
    standing = session.scalar(
        select(Negotiation)
        .where(
            Negotiation.buyer_id == buyer_id,
            Negotiation.offer_id == offer.id,
            Negotiation.status == S.OPEN,
        )
        .options(selectinload(Negotiation.rounds))
        .with_for_update(of=Negotiation)
    )
    if standing is not None and standing.expires_at > now:
        raise Conflict(N_("Your organisation already has an open negotiation on this offer."))
    if standing is not None:  # lapsed but not yet swept: close it before opening the next
        _close(session, standing, S.EXPIRED, standing.turn, RoundAction.EXPIRE, None, now)
        session.flush()
    negotiation = Negotiation(
        offer_id=offer.id,
        product_id=product.id,
        buyer_id=buyer_id,
        vendor_id=product.vendor_id,
        status=S.OPEN,
        turn=Side.VENDOR,
        expires_at=now + timedelta(hours=expiry_hours),
        created_at=now,
        updated_at=now,
        rounds=[],
    )
    _add_round(
        session,
        negotiation,
        Side.BUYER,
        RoundAction.PROPOSE,
        actor,
        now,
        terms=terms,
        message=message,
    )
    session.add(negotiation)
    try:
        session.flush()
    except IntegrityError:  # a concurrent proposal by the same buyer won the unique index
        session.rollback()
        raise Conflict(
            N_("Your organisation already has an open negotiation on this offer.")
        ) from None
    audit.record(
        session, "trade.propose", actor=actor, organisation_id=buyer_id, subject=str(negotiation.id)
    )
    uow.commit()
    return summary(negotiation)


def counter(
    uow: UnitOfWork,
    actor: Actor,
    negotiation_id: int,
    terms: Terms,
    message: str | None,
    *,
    expiry_hours: float,
    now: datetime | None = None,
) -> NegotiationSummary:
    """The side whose turn it is answers with other terms; the turn passes to the other side."""
    session = uow.session
    now = now or utcnow()
    negotiation = load_negotiation(session, negotiation_id, for_update=True)
    side = _on_turn(actor, negotiation, now)
    terms = checked_terms(terms, require_found(session.get(LicenceOffer, negotiation.offer_id)))
    message = _message(message)
    _add_round(
        session, negotiation, side, RoundAction.COUNTER, actor, now, terms=terms, message=message
    )
    negotiation.turn = side.other
    negotiation.expires_at = now + timedelta(hours=expiry_hours)
    audit.record(session, "trade.counter", actor=actor, subject=str(negotiation.id))
    uow.commit()
    return summary(negotiation)


def accept(
    uow: UnitOfWork,
    actor: Actor,
    negotiation_id: int,
    message: str | None = None,
    *,
    fee_rate: Decimal,
    acceptance_days: int,
    now: datetime | None = None,
) -> Agreement:
    """The side whose turn it is accepts the last terms proposed; they become a contract."""
    session = uow.session
    now = now or utcnow()
    negotiation = load_negotiation(session, negotiation_id, for_update=True)
    side = _on_turn(actor, negotiation, now)
    product = require_found(session.get(DataProduct, negotiation.product_id))
    offer = lock_offer(session, negotiation.offer_id)
    _require_tradable(product, offer)
    agreed = last_proposal(negotiation)
    if holds_offer(offer, agreed.exclusive):
        refuse_if_taken(session, offer)
    _close(
        session, negotiation, S.ACCEPTED, side, RoundAction.ACCEPT, actor, now, _message(message)
    )
    try:
        contract = draft(
            session,
            negotiation,
            agreed,
            fee_rate=fee_rate,
            acceptance_days=acceptance_days,
            now=now,
        )
    except IntegrityError:  # a writer that skipped the offer's lock: the index kept the rule
        session.rollback()
        raise OfferTaken() from None
    uow.commit()
    return Agreement(
        **summary(negotiation), contract_id=contract.id, contract_number=contract.number
    )


def reject(
    uow: UnitOfWork,
    actor: Actor,
    negotiation_id: int,
    message: str | None = None,
    *,
    now: datetime | None = None,
) -> NegotiationSummary:
    """The side whose turn it is turns the last terms down and ends the negotiation."""
    session = uow.session
    now = now or utcnow()
    negotiation = load_negotiation(session, negotiation_id, for_update=True)
    side = _on_turn(actor, negotiation, now)
    _close(
        session, negotiation, S.REJECTED, side, RoundAction.REJECT, actor, now, _message(message)
    )
    uow.commit()
    return summary(negotiation)


def withdraw(
    uow: UnitOfWork,
    actor: Actor,
    negotiation_id: int,
    message: str | None = None,
    *,
    now: datetime | None = None,
) -> NegotiationSummary:
    """The buyer walks away from an open negotiation, whoever's turn it is."""
    session = uow.session
    now = now or utcnow()
    negotiation = load_negotiation(session, negotiation_id, for_update=True)
    if Side.BUYER not in _sides(actor, negotiation):
        raise PermissionDenied(N_("Only the buyer may withdraw from a negotiation."))
    _require_open(negotiation, now)
    _close(
        session,
        negotiation,
        S.WITHDRAWN,
        Side.BUYER,
        RoundAction.WITHDRAW,
        actor,
        now,
        _message(message),
    )
    uow.commit()
    return summary(negotiation)


def expire_due(uow: UnitOfWork, now: datetime | None = None) -> int:
    """Close every open negotiation whose answer is overdue; how many were closed."""
    session = uow.session
    now = now or utcnow()
    due = session.scalars(
        select(Negotiation)
        .where(Negotiation.status == S.OPEN, Negotiation.expires_at <= now)
        .order_by(Negotiation.id)
        .options(selectinload(Negotiation.rounds))
        .with_for_update(of=Negotiation)
    ).all()
    for negotiation in due:
        _close(session, negotiation, S.EXPIRED, negotiation.turn, RoundAction.EXPIRE, None, now)
    uow.commit()
    return len(due)


class NegotiationSummary(TypedDict):
    """A negotiation after a step: its status, whose turn it is, until when, how many rounds."""

    id: int
    status: NegotiationStatus
    turn: Side
    expires_at: datetime
    rounds: int


class Agreement(NegotiationSummary):
    """An accepted negotiation with the contract its terms became."""

    contract_id: int
    contract_number: str


def summary(negotiation: Negotiation) -> NegotiationSummary:
    """The negotiation as a step answers it."""
    return NegotiationSummary(
        id=negotiation.id,
        status=negotiation.status,
        turn=negotiation.turn,
        expires_at=negotiation.expires_at,
        rounds=len(negotiation.rounds),
    )
