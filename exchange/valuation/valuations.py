"""Valuations in the exchange: a vendor values a product while listing it, a buyer before buying.

Who may value and who may read is `valuation_access`'s rule. Only the vendor may give cost
inputs (they are the vendor's own costs); a buyer who sends them is refused rather than silently
ignored, so nobody believes their figures were used.

The pricing core does the arithmetic; this module gathers what it needs from the catalog
(quality, the vendor's DCMM level, comparables), maps its refusals onto field errors, and
stores each valuation with its inputs and result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, NotRequired, TypedDict, TypeVar, cast

from sqlalchemy import select

from exchange.accounts.models import Organisation
from exchange.catalog.models import DataProduct, LicenceOffer
from exchange.catalog.product_page import can_see, load_product
from exchange.kernel import audit
from exchange.kernel.actors import Actor, require_found
from exchange.kernel.errors import NotFound, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.valuation.access import LISTING, PURCHASE, organisations_of, reads_all, valuing
from exchange.valuation.inputs import (
    PaidTrades,
    gather_comparables,
    licence_terms,
    product_quality,
)
from exchange.valuation.models import Valuation
from pricing import (
    METHOD_VERSION,
    CostInputs,
    DiscountRate,
    Grade,
    IncomeInputs,
    LicenceTable,
    MarketParameters,
    MarketSubject,
    ProductType,
    ValuationError,
    cost_approach,
    income_approach,
    licence_adjustment,
    market_approach,
    price_band,
)
from pricing.explain import jsonable
from pricing.money import cents

T = TypeVar("T")
# Names pricing gives to a whole group of inputs rather than to one of them.
OWN_NAMES = {
    "cost": ("total_cost",),
    "income": ("income",),
    "income.discount": ("discount_rate",),
    "offer_id": ("term_months", "seats", "kind", "scope", "territory"),
}


class Skipped(TypedDict):
    """Why an approach could not value the product: the input, a template and its parameters."""

    field: str
    message: str
    params: dict[str, Any]


class SkippedView(Skipped):
    """A skipped approach with its reason filled in (in English)."""

    reason: str


class FactorView(TypedDict):
    """One step of an explanation as stored; older valuations kept only its sentence."""

    name: str
    value: str | int
    source: str
    why: NotRequired[str]
    params: NotRequired[dict[str, Any]]


class ComparableView(TypedDict):
    """A trade or listing the market approach compared with, and how much it counted."""

    ref: str
    is_trade: bool
    on: str
    price: str
    adjusted_price: str
    similarity: str
    weight: str


class ValuationInputs(TypedDict):
    """What a valuation was computed from, as stored (pricing's own inputs as its JSON)."""

    as_of: str
    offer_id: int | None
    licence: dict[str, object]
    licence_table_version: str
    quality: dict[str, object] | None
    cost: dict[str, object] | None
    income: dict[str, object] | None
    market: dict[str, object]
    comparables: list[str]


class ValuationView(TypedDict):
    """A stored valuation as pages and the API read it: the band, why, and the inputs."""

    id: int
    product_id: int
    purpose: str
    requested_by_id: int
    organisation_id: int | None
    method_version: str
    floor: Decimal
    reference: Decimal
    ceiling: Decimal
    weights: dict[str, str]
    values: dict[str, str]
    licence_multiplier: str | None
    explanation: list[FactorView]
    approaches: dict[str, list[FactorView]]
    licence: list[FactorView] | None
    comparables: list[ComparableView]
    skipped: dict[str, SkippedView]
    inputs: ValuationInputs
    created_at: datetime


def request_valuation(
    uow: UnitOfWork,
    actor: Actor,
    product_id: int,
    data: Mapping[str, Any],
    *,
    table: LicenceTable,
    paid_trades: PaidTrades,
    market: MarketParameters | None = None,
    now: datetime | None = None,
) -> ValuationView:
    """Value a product by every approach its inputs allow, store the band and return it; the
    market approach draws on `paid_trades` (trading's) and the listed prices."""
    session = uow.session
    now = now or utcnow()
    product = load_product(session, product_id)
    purpose, organisation_id = valuing(actor, product)
    if purpose == PURCHASE and data.get("cost") is not None:
        raise ValidationFailed.on(
            "cost", N_("Only the vendor's members may give cost inputs; leave them out.")
        )
    offer = _offer(product, data.get("offer_id"))
    terms = licence_terms(session, offer) if offer else None
    licence = _priced("offer_id", lambda: licence_adjustment(terms, table)) if terms else None
    vendor = session.get(Organisation, product.vendor_id)
    quality = product_quality(product, vendor.dcmm_level if vendor else None)

    cost = income = valuation = None
    skipped: dict[str, Skipped] = {}
    raw_cost, raw_income = data.get("cost"), data.get("income")
    if raw_cost is not None:
        if quality is None:
            raise ValidationFailed.on("cost", N_("Upload the data file or declare its quality."))
        inputs = _priced("cost", lambda: CostInputs(**raw_cost, quality=quality.value))
        cost = _priced("cost", lambda: cost_approach(inputs))
    if raw_income is not None:
        income_inputs = _income_inputs(raw_income, offer)
        income = _priced("income", lambda: income_approach(income_inputs))
    subject = _subject(product, quality, terms, table)
    if not isinstance(subject, MarketSubject):
        skipped["market"] = subject
    else:
        comparables = gather_comparables(session, exclude=product.id, paid_trades=paid_trades)
        try:
            valuation = market_approach(
                subject, comparables, table=table, as_of=now.date(), parameters=market
            )
        except ValuationError as error:
            skipped["market"] = _reason(error)
    if cost is None and income is None and valuation is None:
        missing = {"market": [skipped["market"]["message"]]}
        if purpose == LISTING:
            missing["cost"] = [N_("Give the costs of making the data.")]
        missing["income"] = [N_("Give the income the data brings.")]
        raise ValidationFailed(
            N_("No approach could value this product: give what is missing."),
            errors=missing,
            **skipped["market"]["params"],
        )
    band = _priced(
        "", lambda: price_band(cost=cost, income=income, market=valuation, licence=licence)
    )

    result = band.to_dict() | {"skipped": skipped}
    row = Valuation(
        product_id=product.id,
        requested_by_id=actor.user_id,
        organisation_id=organisation_id,
        purpose=purpose,
        method_version=METHOD_VERSION,
        inputs=ValuationInputs(
            as_of=now.date().isoformat(),
            offer_id=offer.id if offer else None,
            licence=jsonable(terms),
            licence_table_version=table.version,
            quality=quality.to_dict() if quality else None,
            cost=jsonable(cost.inputs) if cost else None,
            income=jsonable(income.inputs) if income else None,
            market=jsonable(market or MarketParameters()),
            comparables=[used.comparable.ref for used in valuation.comparables]
            if valuation
            else [],
        ),
        result=result,
        floor=band.floor,
        reference=band.reference,
        ceiling=band.ceiling,
        created_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        "valuation.requested",
        actor=actor,
        organisation_id=organisation_id,
        subject=str(product.id),
        valuation_id=row.id,
        purpose=purpose,
        reference=str(band.reference),
    )
    uow.commit()
    return valuation_view(row)


def latest_valuation(uow: UnitOfWork, actor: Actor, product_id: int) -> ValuationView:
    """The newest valuation of the product the actor may read, or 404."""
    session = uow.session
    product = load_product(session, product_id)
    if not can_see(actor, product):
        raise NotFound()
    query = select(Valuation).where(Valuation.product_id == product_id)
    if not reads_all(actor, product):
        query = query.where(Valuation.organisation_id.in_(organisations_of(actor)))
    row = session.scalar(query.order_by(Valuation.created_at.desc(), Valuation.id.desc()).limit(1))
    return valuation_view(require_found(row))


def get_valuation(uow: UnitOfWork, actor: Actor, valuation_id: int) -> ValuationView:
    """One valuation, if the actor may read it; 404 otherwise, so ids reveal nothing."""
    session = uow.session
    row = require_found(session.get(Valuation, valuation_id))
    product = require_found(session.get(DataProduct, row.product_id))
    readable = can_see(actor, product) and (
        reads_all(actor, product) or row.organisation_id in organisations_of(actor)
    )
    if not readable:
        raise NotFound()
    return valuation_view(row)


def valuation_view(row: Valuation) -> ValuationView:
    """A stored valuation as plain data: the band, each approach's explanation, the inputs."""
    result = row.result
    market = result.get("market")
    return ValuationView(
        id=row.id,
        product_id=row.product_id,
        purpose=row.purpose,
        requested_by_id=row.requested_by_id,
        organisation_id=row.organisation_id,
        method_version=row.method_version,
        floor=row.floor,
        reference=row.reference,
        ceiling=row.ceiling,
        weights=result.get("weights", {}),
        values=result.get("values", {}),
        licence_multiplier=result.get("licence_multiplier"),
        explanation=result.get("explanation", []),
        approaches={
            name: result[name]["explanation"]
            for name in ("cost", "income", "market")
            if result.get(name)
        },
        licence=result["licence"]["explanation"] if result.get("licence") else None,
        comparables=[_comparable(used) for used in market["comparables"]] if market else [],
        skipped={
            name: SkippedView(
                field=why["field"],
                message=why["message"],
                params=why["params"],
                reason=why["message"] % why["params"],
            )
            for name, why in result.get("skipped", {}).items()
        },
        inputs=cast(ValuationInputs, row.inputs),  # stored as request_valuation wrote it
        created_at=row.created_at,
    )


def _comparable(used: Mapping[str, Any]) -> ComparableView:
    comparable = used["comparable"]
    return ComparableView(
        ref=comparable["ref"],
        is_trade=comparable["is_trade"],
        on=comparable["on"],
        price=comparable["price"],
        adjusted_price=str(cents(Decimal(used["adjusted_price"]))),
        similarity=used["similarity"],
        weight=used["weight"],
    )


def _offer(product: DataProduct, offer_id: int | None) -> LicenceOffer | None:
    """The offer asked for, else the cheapest active one, else none (the reference terms)."""
    active = [offer for offer in product.offers if offer.is_active]
    if offer_id is None:
        return min(active, key=lambda offer: (offer.price, offer.id), default=None)
    chosen = next((offer for offer in active if offer.id == offer_id), None)
    if chosen is None:
        raise ValidationFailed.on("offer_id", N_("This product has no such active offer."))
    return chosen


def _income_inputs(raw: Mapping[str, Any], offer: LicenceOffer | None) -> IncomeInputs:
    """The income inputs; the licence's term bounds the horizon unless a term is given."""
    figures = dict(raw)
    discount = _priced("income.discount", lambda: DiscountRate(**figures.pop("discount")))
    if offer is not None and figures.get("contract_term_months") is None:
        figures["contract_term_months"] = offer.term_months
    return _priced("income", lambda: IncomeInputs(**figures, discount=discount))


def _subject(
    product: DataProduct, quality: Any, terms: Any, table: LicenceTable
) -> MarketSubject | Skipped:
    """The product as the market approach sees it, or why it cannot (the reason is kept)."""
    latest = product.versions[-1] if product.versions else None
    if latest is None or quality is None:
        return Skipped(
            field="file",
            message=N_("Upload the data file first: its size and quality are unknown."),
            params={},
        )
    return MarketSubject(
        board=product.board.code,
        product_type=ProductType(product.product_type.value),
        grade=Grade(product.grade.value),
        rows=max(latest.row_count, 1),
        licence_kind=(terms or table.reference).kind,
        access=(terms or table.reference).access,
        quality=quality.value,
    )


def _reason(error: ValuationError) -> Skipped:
    return Skipped(field=error.field, message=error.message, params=jsonable(error.params))


def _priced(prefix: str, compute: Callable[[], T]) -> T:
    """Run a pricing step, turning its refusal into a field error under this prefix."""
    try:
        return compute()
    except ValuationError as error:
        field = _field(prefix, error.field)
        raise ValidationFailed.on(field, error.message, **jsonable(error.params)) from error


def _field(prefix: str, field: str) -> str:
    """The request's path to the input pricing named, e.g. cost.labour or income.discount."""
    if not prefix:
        return field
    if field in OWN_NAMES.get(prefix, ()):
        return prefix
    return f"{prefix}.{field}"
