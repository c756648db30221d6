"""Reading negotiations: one with its whole history, the valuation band and a suggested
counter, and the list an organisation's buyers or vendors work through."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TypedDict

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from exchange.accounts.names import PartyName, party_names
from exchange.catalog.browse import SUPERVISORS
from exchange.catalog.domain import Access, LicenceKind, Territory, UseScope
from exchange.catalog.models import DataProduct, LicenceOffer
from exchange.catalog.product_page import unit_price
from exchange.kernel.actors import Actor, require_found
from exchange.kernel.errors import NotFound, PermissionDenied
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role
from exchange.trading.band import Band, negotiation_band
from exchange.trading.domain import RoundAction, Side
from exchange.trading.models import Negotiation, NegotiationRound, TradeContract
from exchange.trading.negotiations import (
    PROPOSING,
    SIDE_ROLE,
    NegotiationSummary,
    last_proposal,
    load_negotiation,
    party_of,
    summary,
)
from exchange.trading.reading import ProductTitles
from exchange.valuation.valuations import FactorView
from pricing.band import PriceBand
from pricing.bargaining import suggest_counter
from pricing.explain import jsonable


class RoundView(TypedDict):
    """One round of a negotiation's history: who did what, with which terms."""

    number: int
    side: Side
    action: RoundAction
    price: Decimal | None
    scope: UseScope | None
    term_months: int | None
    territory: Territory | None
    exclusive: bool | None
    seats: int | None
    derivative: bool | None
    quota: int | None  # calls or queries proposed; None for a copy and for closing rounds
    unit_price: Decimal | None  # the price of one call or query at that quota
    message: str | None
    user_id: int | None
    created_at: datetime


class NegotiatedProduct(TypedDict):
    """The product under negotiation, by its titles."""

    id: int
    title_zh: str
    title_en: str


class NegotiatedOffer(TypedDict):
    """The licence offer under negotiation, as the vendor published it."""

    id: int
    kind: LicenceKind
    scope: UseScope
    term_months: int
    territory: Territory
    seats: int
    derivative: bool
    price: Decimal
    access: Access
    quota: int | None
    unit_price: Decimal | None


class SuggestedCounter(TypedDict):
    """pricing's counter-offer between the two sides' latest prices, as JSON (money as text)."""

    price: str
    buyer_price: str
    vendor_price: str
    buyer_power: str
    split: str
    clamped: bool
    explanation: list[FactorView]
    method_version: str


class NegotiationView(NegotiationSummary):
    """A negotiation with its whole history, both sides, the band and a suggested counter."""

    my_sides: list[Side]
    product: NegotiatedProduct
    offer: NegotiatedOffer
    buyer: PartyName
    vendor: PartyName
    history: list[RoundView]
    band: Band | None
    suggested_counter: SuggestedCounter | None
    contract_id: int | None
    created_at: datetime
    updated_at: datetime
    ledger_seq: int | None


class NegotiationLine(NegotiationSummary):
    """A negotiation as listed for the organisations that buy or sell in it."""

    side: Side
    product_id: int
    product: ProductTitles
    product_title_zh: str | None
    product_title_en: str | None
    offer_id: int
    buyer: PartyName
    vendor: PartyName
    last_price: Decimal | None
    updated_at: datetime


def _round_view(row: NegotiationRound, access: Access) -> RoundView:
    per_unit = None if row.price is None else unit_price(row.price, access, row.quota)
    return RoundView(
        number=row.number,
        side=row.side,
        action=row.action,
        price=row.price,
        scope=row.scope,
        term_months=row.term_months,
        territory=row.territory,
        exclusive=row.exclusive,
        seats=row.seats,
        derivative=row.derivative,
        quota=row.quota,
        unit_price=per_unit,
        message=row.message,
        user_id=row.user_id,
        created_at=row.created_at,
    )


def _suggestion(band: Band | None, rounds: list[NegotiationRound]) -> SuggestedCounter | None:
    """pricing's counter (its JSON, as pricing gives it) between each side's latest price, inside
    the band; None without both, or while they price different quotas (no middle between them)."""
    if band is None:
        return None
    proposals = {r.side: r for r in rounds if r.action in PROPOSING and r.price is not None}
    if len(proposals) < 2 or len({r.quota for r in proposals.values()}) > 1:
        return None
    latest = {side: r.price for side, r in proposals.items() if r.price is not None}
    # suggest_counter reads only the band's edges; the stored valuation keeps the rest.
    price_band = PriceBand(
        floor=band["floor"],
        reference=band["reference"],
        ceiling=band["ceiling"],
        weights={},
        values={},
        licence_multiplier=Decimal(1),
        cost=None,
        income=None,
        market=None,
        licence=None,
        explanation=(),
    )
    counter = suggest_counter(price_band, latest[Side.BUYER], latest[Side.VENDOR])
    return SuggestedCounter(
        price=str(counter.price),
        buyer_price=str(counter.buyer_price),
        vendor_price=str(counter.vendor_price),
        buyer_power=str(counter.buyer_power),
        split=str(counter.split),
        clamped=counter.clamped,
        explanation=jsonable(counter.explanation),
        method_version=counter.method_version,
    )


def negotiation_view(uow: UnitOfWork, actor: Actor, negotiation_id: int) -> NegotiationView:
    """The whole history with both sides' names, the valuation band and a suggested counter;
    to the two sides' members and the supervisors (404 to anyone else)."""
    session = uow.session
    negotiation = load_negotiation(session, negotiation_id)
    parties = (negotiation.buyer_id, negotiation.vendor_id)
    if not (any(actor.is_member(o) for o in parties) or actor.has_role(*SUPERVISORS)):
        raise NotFound()
    product = require_found(session.get(DataProduct, negotiation.product_id))
    offer = require_found(session.get(LicenceOffer, negotiation.offer_id))
    names = party_names(session, parties)
    band = negotiation_band(session, offer, negotiation.vendor_id, last_proposal(negotiation))
    contract_id = session.scalar(
        select(TradeContract.id).where(TradeContract.negotiation_id == negotiation.id)
    )
    return NegotiationView(
        **summary(negotiation),
        # The sides the actor may act for; a member without the side's role only reads.
        my_sides=[s for s in Side if actor.has_role_in(party_of(negotiation, s), SIDE_ROLE[s])],
        product=NegotiatedProduct(
            id=product.id, title_zh=product.title_zh, title_en=product.title_en
        ),
        offer=NegotiatedOffer(
            id=offer.id,
            kind=offer.kind,
            scope=offer.scope,
            term_months=offer.term_months,
            territory=offer.territory,
            seats=offer.seats,
            derivative=offer.derivative,
            price=offer.price,
            access=offer.access,
            quota=offer.quota,
            unit_price=unit_price(offer.price, offer.access, offer.quota),
        ),
        buyer=names[negotiation.buyer_id],
        vendor=names[negotiation.vendor_id],
        history=[_round_view(r, offer.access) for r in negotiation.rounds],
        band=band,
        suggested_counter=_suggestion(band, negotiation.rounds),
        contract_id=contract_id,
        created_at=negotiation.created_at,
        updated_at=negotiation.updated_at,
        ledger_seq=negotiation.ledger_seq,
    )


def my_negotiations(uow: UnitOfWork, actor: Actor) -> list[NegotiationLine]:
    """The negotiations of the organisations the actor buys or sells for, newest move first."""
    buying = [m.organisation_id for m in actor.memberships if Role.BUYER in m.roles]
    selling = [m.organisation_id for m in actor.memberships if Role.VENDOR in m.roles]
    if not buying and not selling:
        raise PermissionDenied()
    session = uow.session
    rows = session.scalars(
        select(Negotiation)
        .where(or_(Negotiation.buyer_id.in_(buying), Negotiation.vendor_id.in_(selling)))
        .options(selectinload(Negotiation.rounds))
        .order_by(Negotiation.updated_at.desc(), Negotiation.id.desc())
    ).all()
    names = party_names(session, [o for n in rows for o in (n.buyer_id, n.vendor_id)])
    found = session.execute(
        select(DataProduct.id, DataProduct.title_zh, DataProduct.title_en).where(
            DataProduct.id.in_({n.product_id for n in rows})
        )
    )
    titles = {row.id: ProductTitles(title_zh=row.title_zh, title_en=row.title_en) for row in found}
    return [
        NegotiationLine(
            **summary(n),
            side=Side.BUYER if n.buyer_id in buying else Side.VENDOR,
            product_id=n.product_id,
            product=titles.get(n.product_id, {}),
            product_title_zh=titles.get(n.product_id, {}).get("title_zh"),
            product_title_en=titles.get(n.product_id, {}).get("title_en"),
            offer_id=n.offer_id,
            buyer=names[n.buyer_id],
            vendor=names[n.vendor_id],
            last_price=last_proposal(n).price,
            updated_at=n.updated_at,
        )
        for n in rows
    ]
