"""The valuation band a negotiation is judged by: the vendor's newest listing valuation of the
offer under negotiation, rescaled to the terms on the table by the valuation's own licence table.

Both sides see it, the counter suggestion is clamped into it, the contract freezes it, and the
regulator's dossier and the price-deviation alert measure the deal against it. A valuation of
another offer of the same product prices other terms (an exclusive, a longer term...), so it is
never used: no valuation of this offer means no band, not a wrong one. Only the vendor's own
valuations count: a buyer's purchase valuation is private to it."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, localcontext
from typing import Any, Protocol, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange.catalog.models import LicenceOffer
from exchange.compute import policies as compute_policies
from exchange.valuation.access import LISTING
from exchange.valuation.models import Valuation
from pricing import LicenceTable, LicenceTerms, ValuationError, licence_table
from pricing.licence import licence_multiplier
from pricing.money import CONTEXT, cents
from pricing.terms import Access, LicenceKind, Territory, UseScope

FACTOR_PLACES = Decimal("0.000001")


class Band(TypedDict):
    """A band as shown, frozen on a contract and judged against (money as Decimal)."""

    valuation_id: int
    offer_id: int
    floor: Decimal
    reference: Decimal
    ceiling: Decimal
    terms_factor: Decimal


class OfferedTerms(Protocol):
    """What a round proposes: the negotiable licence terms (and `exclusive`, if it has one)."""

    @property
    def scope(self) -> Any: ...
    @property
    def term_months(self) -> int | None: ...
    @property
    def territory(self) -> Any: ...
    @property
    def seats(self) -> int | None: ...
    @property
    def derivative(self) -> bool | None: ...
    @property
    def quota(self) -> int | None: ...


def offer_valuation(session: Session, offer: LicenceOffer, vendor_id: int) -> Valuation | None:
    """The vendor's newest listing valuation that priced exactly this offer."""
    rows = session.scalars(
        select(Valuation)
        .where(
            Valuation.product_id == offer.product_id,
            Valuation.organisation_id == vendor_id,
            Valuation.purpose == LISTING,
        )
        .order_by(Valuation.created_at.desc(), Valuation.id.desc())
    )
    return next((row for row in rows if (row.inputs or {}).get("offer_id") == offer.id), None)


def negotiation_band(
    session: Session,
    offer: LicenceOffer,
    vendor_id: int,
    terms: OfferedTerms | None = None,
) -> Band | None:
    """The offer's valuation band, priced for the terms under negotiation when they differ."""
    row = offer_valuation(session, offer, vendor_id)
    if row is None:
        return None
    factor = _terms_factor(row, offer, terms, _privacy_budget(session, offer))
    with_terms = (cents(edge * factor) for edge in (row.floor, row.reference, row.ceiling))
    floor, reference, ceiling = with_terms
    return Band(
        valuation_id=row.id,
        offer_id=offer.id,
        floor=floor,
        reference=reference,
        ceiling=ceiling,
        terms_factor=factor,
    )


def _privacy_budget(session: Session, offer: LicenceOffer) -> Decimal | None:
    """The budget a computation licence over the product gives now (none for other access)."""
    if offer.access.value != Access.COMPUTATION:
        return None
    return compute_policies.privacy_budget(session, offer.product_id)


def _terms_factor(
    row: Valuation, offer: LicenceOffer, terms: OfferedTerms | None, budget: Decimal | None
) -> Decimal:
    """The negotiated terms' licence multiplier over the valued offer's, by its own table, at
    the privacy budget the query policy gives now."""
    licence = (row.result or {}).get("licence")
    if terms is None or not licence:
        return Decimal(1)
    try:
        table = _table(licence["table"])
        valued = Decimal(str(licence["multiplier"]))
        wanted = licence_multiplier(_terms(offer, terms, budget), table)
    except (KeyError, TypeError, ValueError, ValuationError):
        return Decimal(1)  # a valuation from before its table was kept: the offer's own band
    if not valued:
        return Decimal(1)
    with localcontext(CONTEXT):
        return (wanted / valued).quantize(FACTOR_PLACES)


def _table(stored: Mapping[str, Any]) -> LicenceTable:
    """The licence table a valuation used, rebuilt from the copy stored with it."""
    data = dict(stored)
    data["rights"] = {name: data.pop(name) for name in ("derivative", "redistribution")}
    return licence_table(data)


def _terms(offer: LicenceOffer, terms: OfferedTerms, budget: Decimal | None) -> LicenceTerms:
    """The round's terms, the offer's where the round leaves one out."""

    def value(name: str) -> Any:
        given = getattr(terms, name)
        return getattr(offer, name) if given is None else given

    exclusive = getattr(terms, "exclusive", None)
    kind = (
        offer.kind.value if exclusive is None else ("exclusive" if exclusive else "non_exclusive")
    )
    return LicenceTerms(
        kind=LicenceKind(kind),
        scope=UseScope(value("scope").value),
        territory=Territory(value("territory").value),
        term_months=int(value("term_months")),
        seats=int(value("seats")),
        derivative=bool(value("derivative")),
        redistribution=offer.redistribution,
        access=Access(offer.access.value),  # the offer's: rounds never change the access
        quota=None if offer.access.value == Access.COPY else value("quota"),
        privacy_budget=budget,
    )
