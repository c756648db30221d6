"""What a valuation reads from the catalog: licence terms, quality and market comparables.

Comparables are the exchange's paid trades (is_trade=True, at the contract's price and terms,
dated by payment or settlement) and every active offer of every other listed product, dated by
its listing (is_trade=False: an ask, weaker evidence than a deal). Trades are trading's rows, so
valuation asks for them through the PaidTrades port that trading answers (trading.comparables).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, aliased

from exchange.accounts.models import Organisation
from exchange.catalog import domain as catalog
from exchange.catalog.domain import QUALITY_DIMENSIONS, ListingStatus, VersionState
from exchange.catalog.models import DataProduct, IndustryBoard, LicenceOffer, ProductVersion
from exchange.compute import policies as compute_policies
from pricing import (
    Access,
    Comparable,
    Grade,
    LicenceKind,
    LicenceTerms,
    ProductType,
    QualityScore,
    Territory,
    UseScope,
    ValuationError,
    score_quality,
)


def licence_terms(session: Session, offer: LicenceOffer) -> LicenceTerms:
    """A catalog offer's terms as pricing reads them (its price left aside), with the privacy
    budget the product's query policy gives a computation licence now."""
    computation = offer.access is catalog.Access.COMPUTATION
    return LicenceTerms(
        kind=LicenceKind(offer.kind.value),
        scope=UseScope(offer.scope.value),
        territory=Territory(offer.territory.value),
        term_months=offer.term_months,
        seats=offer.seats,
        derivative=offer.derivative,
        redistribution=offer.redistribution,
        access=Access(offer.access.value),
        quota=offer.quota,
        privacy_budget=compute_policies.privacy_budget(session, offer.product_id)
        if computation
        else None,
    )


def quality_scores(
    computed: Mapping[str, Any] | None, declared: Mapping[str, Any]
) -> dict[str, object]:
    """The latest version's computed scores, with the vendor's declarations filling the gaps."""
    scores = dict((computed or {}).get("scores") or {})
    return {
        name: scores.get(name) if scores.get(name) is not None else declared.get(name)
        for name in QUALITY_DIMENSIONS
    }


def product_quality(product: DataProduct, dcmm_level: int | None) -> QualityScore | None:
    """The product's quality score with its vendor's DCMM trust, or None when nothing is known."""
    latest = product.versions[-1] if product.versions else None
    scores = quality_scores(latest.quality if latest else None, product.declared_quality or {})
    if all(value is None for value in scores.values()):
        return None
    return score_quality(scores, dcmm_level)


class ProductFacts(NamedTuple):
    """What a comparable needs of the product it prices: board, type, grade, size and quality
    (the columns of PRODUCT_FACTS, in their order)."""

    product_type: catalog.ProductType
    grade: catalog.Grade
    declared_quality: Mapping[str, Any] | None
    board: str
    row_count: int
    quality: Mapping[str, Any] | None
    dcmm_level: int | None


@dataclass(frozen=True)
class PaidTrade:
    """A trade whose price was paid (in escrow or settled): its contract's number, price and
    terms as agreed, when it was paid, its product's facts, and a computation licence's
    privacy budget as its contract froze it."""

    number: str
    price: Decimal
    terms: Mapping[str, Any]
    paid_on: datetime
    facts: ProductFacts
    privacy_budget: Decimal | None = None


class PaidTrades(Protocol):
    """Where the market approach finds the exchange's paid trades: trading answers it."""

    def __call__(self, session: Session, *, exclude: int) -> list[PaidTrade]:
        """Every paid trade of a product other than `exclude`, in contract order."""
        ...


def gather_comparables(
    session: Session, *, exclude: int, paid_trades: PaidTrades
) -> list[Comparable]:
    """Every comparable the market approach may draw on: the exchange's paid trades and, as
    weaker evidence, the listed prices."""
    return comparables_from_trades(
        paid_trades(session, exclude=exclude)
    ) + comparables_from_listings(session, exclude=exclude)


# What a comparable needs of the product it prices, as ProductFacts names them.
PRODUCT_FACTS = (
    DataProduct.product_type,
    DataProduct.grade,
    DataProduct.declared_quality,
    IndustryBoard.code,
    ProductVersion.row_count,
    ProductVersion.quality,
    Organisation.dcmm_level,
)


def with_product_facts(query: Select[Any]) -> Select[Any]:
    """The query joined to its product's board, vendor and latest ready version."""
    ready = aliased(ProductVersion)
    latest_ready = (
        select(func.max(ready.number))
        .where(ready.product_id == DataProduct.id, ready.state == VersionState.READY)
        .correlate(DataProduct)
        .scalar_subquery()
    )
    return (
        query.join(IndustryBoard, IndustryBoard.id == DataProduct.board_id)
        .join(Organisation, Organisation.id == DataProduct.vendor_id)
        .join(
            ProductVersion,
            and_(
                ProductVersion.product_id == DataProduct.id,
                ProductVersion.number == latest_ready,
            ),
        )
    )


def _comparable(facts: ProductFacts, **price: Any) -> Comparable:
    """A comparable from PRODUCT_FACTS and its price, terms, date and reference."""
    kind, grade, declared, board, rows, quality, dcmm = facts
    score = score_quality(quality_scores(quality, declared or {}), dcmm)
    return Comparable(
        board=board,
        product_type=ProductType(kind.value),
        grade=Grade(grade.value),
        rows=max(rows, 1),
        quality=score.value,
        **price,
    )


def comparables_from_trades(trades: list[PaidTrade]) -> list[Comparable]:
    """Paid trades as comparables, at the price and terms their contracts agreed."""
    found: list[Comparable] = []
    for trade in trades:
        terms = trade.terms
        try:
            licence = LicenceTerms(
                kind=LicenceKind.EXCLUSIVE if terms["exclusive"] else LicenceKind.NON_EXCLUSIVE,
                scope=UseScope(terms["scope"]),
                territory=Territory(terms["territory"]),
                term_months=terms["term_months"],
                seats=terms["seats"],
                derivative=bool(terms["derivative"]),
                redistribution=False,
                access=Access(terms.get("access", "copy")),
                quota=terms.get("quota"),
                privacy_budget=trade.privacy_budget,
            )
            found.append(
                _comparable(
                    trade.facts,
                    licence=licence,
                    on=trade.paid_on.date(),
                    price=trade.price,
                    is_trade=True,
                    ref=trade.number,
                )
            )
        except (ValuationError, KeyError):
            continue  # no quality known, or terms the table cannot price: not evidence
    return found


def comparables_from_listings(session: Session, *, exclude: int) -> list[Comparable]:
    """The active offers of every other listed product, as listed-price comparables."""
    rows = session.execute(
        with_product_facts(
            select(LicenceOffer, DataProduct.listed_at, *PRODUCT_FACTS).join(
                DataProduct, DataProduct.id == LicenceOffer.product_id
            )
        )
        .where(
            DataProduct.status == ListingStatus.LISTED,
            DataProduct.id != exclude,
            LicenceOffer.is_active.is_(True),
        )
        .order_by(LicenceOffer.id)
    )
    found: list[Comparable] = []
    for offer, listed_at, *facts in rows:
        try:
            found.append(
                _comparable(
                    ProductFacts(*facts),
                    licence=licence_terms(session, offer),
                    on=listed_at.date(),
                    price=offer.price,
                    is_trade=False,
                    ref=f"product {offer.product_id} offer {offer.id}",
                )
            )
        except (ValuationError, AttributeError):
            continue  # no quality known or no listing date: not evidence of a price
    return found
