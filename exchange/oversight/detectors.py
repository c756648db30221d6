"""Oversight detectors: each asks the database, in one grouped or windowed query over recent
trades or downloads, for what a regulator should see, and names each finding by a key that
stays the same however often it is found.

A trade is a contract whose price reached escrow (`PAID_STATUSES`, refunded ones included: a
refund does not undo a wash trade or a burst), dated by the moment it was paid
(`delivered_at`, set when the payment grants the entitlement). Each pass looks at trades paid
and downloads made between `since` and `until`, and reaches back further only as far as a
window needs (the first leg of a circular trade, the start of a burst).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    String,
    and_,
    case,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from exchange.accounts.models import Membership, Organisation
from exchange.catalog.domain import Grade
from exchange.catalog.models import DataProduct
from exchange.oversight.domain import (
    PAID_STATUSES,
    AlertKind,
    Thresholds,
    contract_key,
    exceeds,
    pair_key,
)
from exchange.oversight.evidence import (
    BandSource,
    CircularTradeEvidence,
    Evidence,
    ImportantDataEvidence,
    ImportantProduct,
    JudgedBand,
    PriceDeviationEvidence,
    RelatedPartiesEvidence,
    TradeEvidence,
)
from exchange.trading.models import TradeContract
from exchange.valuation.models import Valuation
from pricing import PriceBand, deviation

# The most rows an alert names in its evidence and links; the count always says how many.
MAX_LISTED = 200


@dataclass(frozen=True)
class Finding:
    """What one detector found: its kind and key, the evidence, and whom and what it concerns."""

    kind: AlertKind
    key: str
    evidence: Evidence
    organisation_ids: tuple[int, ...]
    contract_ids: tuple[int, ...]


class epoch_seconds(FunctionElement[float]):  # noqa: N801 - named like the SQL function it is
    """Seconds since 1970 of a timestamp, so windows compare the same on SQLite and PostgreSQL."""

    type = Float()
    name = "epoch_seconds"
    inherit_cache = True


@compiles(epoch_seconds)
def _epoch_postgresql(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps UTC timestamps as text; julianday() reads it, 2440587.5 is 1970-01-01.
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


def paid_in(contract: type[TradeContract], since: datetime, until: datetime) -> list[Any]:
    return [
        contract.status.in_(PAID_STATUSES),
        contract.delivered_at.is_not(None),
        contract.delivered_at >= since,
        contract.delivered_at <= until,
    ]


def stamp(moment: datetime) -> str:
    return moment.isoformat()


def trade_of(row: Any, prefix: str = "") -> TradeEvidence:
    """A contract as evidence: enough to find it and to see what was traded between whom."""
    values = row._mapping
    return TradeEvidence(
        id=values[prefix + "id"],
        number=values[prefix + "number"],
        product_id=values[prefix + "product_id"],
        vendor_id=values[prefix + "vendor_id"],
        buyer_id=values[prefix + "buyer_id"],
        price=str(Decimal(values[prefix + "price"]).quantize(Decimal("0.01"))),
        paid_at=stamp(values[prefix + "delivered_at"]),
    )


def contract_columns(contract: Any) -> list[Any]:
    return [
        contract.id,
        contract.number,
        contract.product_id,
        contract.vendor_id,
        contract.buyer_id,
        contract.price,
        contract.delivered_at,
    ]


def prefixed(contract: Any, prefix: str) -> list[Any]:
    return [column.label(prefix + column.key) for column in contract_columns(contract)]


def price_deviations(
    session: Session, *, since: datetime, until: datetime, thresholds: Thresholds
) -> list[Finding]:
    """Trades priced further outside their valuation band than the threshold allows.

    The band is the one the contract froze at agreement (the vendor's valuation of the offer
    traded, priced for the agreed terms, that both sides saw); a contract agreed without one is
    measured against the newest valuation of that same offer by either party made before the
    contract. A valuation of another offer prices other terms and is never used."""
    c = TradeContract
    limit = thresholds.price_deviation
    newest_then = (
        select(Valuation.id)
        .where(
            Valuation.product_id == c.product_id,
            Valuation.inputs["offer_id"].as_integer() == c.offer_id,
            or_(Valuation.organisation_id == c.vendor_id, Valuation.organisation_id == c.buyer_id),
            Valuation.created_at <= c.created_at,
        )
        .order_by(Valuation.created_at.desc(), Valuation.id.desc())
        .limit(1)
        .correlate(c)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            *contract_columns(c),
            c.valuation_band,
            Valuation.id.label("valuation_id"),
            Valuation.purpose,
            Valuation.floor,
            Valuation.reference,
            Valuation.ceiling,
        )
        .outerjoin(Valuation, Valuation.id == newest_then)
        .where(*paid_in(c, since, until))
        .order_by(c.id)
    )
    findings = []
    for row in rows:
        judged = _judged_band(row)
        if judged is None:
            continue
        band, evidence = judged
        off = deviation(Decimal(row.price), band)
        if not exceeds(off, limit):
            continue
        findings.append(
            Finding(
                AlertKind.PRICE_DEVIATION,
                contract_key(AlertKind.PRICE_DEVIATION, row.id),
                PriceDeviationEvidence(
                    contract=trade_of(row),
                    band=JudgedBand(
                        **evidence,
                        floor=str(band.floor),
                        reference=str(band.reference),
                        ceiling=str(band.ceiling),
                    ),
                    deviation=str(off),
                    threshold=str(limit),
                ),
                (row.vendor_id, row.buyer_id),
                (row.id,),
            )
        )
    return findings


def _judged_band(row: Any) -> tuple[PriceBand, BandSource] | None:
    """The contract's frozen band (edges as frozen), else its offer's newest valuation."""
    frozen = row.valuation_band
    if frozen:
        band = _band(frozen["floor"], frozen["reference"], frozen["ceiling"])
        return band, BandSource(
            valuation_id=frozen["valuation_id"], purpose="listing", source="contract"
        )
    if row.valuation_id is None:
        return None
    band = _band(row.floor, row.reference, row.ceiling)
    return band, BandSource(
        valuation_id=row.valuation_id, purpose=row.purpose, source="newest valuation"
    )


def _band(floor: Any, reference: Any, ceiling: Any) -> PriceBand:
    """The stored band's edges as pricing's band, all `deviation` needs."""
    cents = Decimal("0.01")
    return PriceBand(
        floor=Decimal(floor).quantize(cents),
        reference=Decimal(reference).quantize(cents),
        ceiling=Decimal(ceiling).quantize(cents),
        weights={},
        values={},
        licence_multiplier=Decimal(1),
        cost=None,
        income=None,
        market=None,
        licence=None,
        explanation=(),
    )


def circular_trades(
    session: Session, *, since: datetime, until: datetime, thresholds: Thresholds
) -> list[Finding]:
    """A sells to B and B sells back to A within the window: each such pair of trades."""
    first, second = aliased(TradeContract), aliased(TradeContract)
    window = thresholds.circular_window
    gap = epoch_seconds(second.delivered_at) - epoch_seconds(first.delivered_at)
    pairs = session.execute(
        select(*prefixed(first, "a_"), *prefixed(second, "b_"), gap.label("gap"))
        .join(
            second,
            and_(
                second.vendor_id == first.buyer_id,
                second.buyer_id == first.vendor_id,
                second.id != first.id,
            ),
        )
        .where(
            *paid_in(second, since, until),
            first.status.in_(PAID_STATUSES),
            first.delivered_at >= since - window,
            first.vendor_id != first.buyer_id,
            gap >= 0,
            gap <= window.total_seconds(),
        )
        .order_by(first.id, second.id)
    )
    findings: dict[str, Finding] = {}
    for row in pairs:
        there, back = trade_of(row, "a_"), trade_of(row, "b_")
        key = pair_key(AlertKind.CIRCULAR_TRADE, there["id"], back["id"])
        if key in findings:  # paid at the same moment: found once each way round
            continue
        findings[key] = Finding(
            AlertKind.CIRCULAR_TRADE,
            key,
            CircularTradeEvidence(
                first=there,
                second=back,
                same_product=there["product_id"] == back["product_id"],
                gap_seconds=round(float(row.gap)),
                window_days=window.total_seconds() / 86400,
            ),
            tuple(sorted({there["vendor_id"], there["buyer_id"]})),
            (there["id"], back["id"]),
        )
    return list(findings.values())


def _digits(column: Any) -> ColumnElement[str]:
    """A phone number without the spaces, dashes, brackets and plus signs people write."""
    digits: ColumnElement[str] = column
    for mark in (" ", "-", "(", ")", "+"):
        digits = func.replace(digits, mark, "", type_=String())
    return digits


def related_parties(
    session: Session, *, since: datetime, until: datetime, thresholds: Thresholds
) -> list[Finding]:
    """Trades between organisations that share a member, a contact email or phone, or are one."""
    c = TradeContract
    vendor, buyer = aliased(Organisation), aliased(Organisation)
    ours, theirs = aliased(Membership), aliased(Membership)
    shared_member = (
        exists()
        .where(
            ours.organisation_id == c.vendor_id,
            theirs.organisation_id == c.buyer_id,
            ours.user_id == theirs.user_id,
        )
        .correlate(c)
    )
    same_email = func.lower(func.trim(vendor.contact_email)) == func.lower(
        func.trim(buyer.contact_email)
    )
    same_phone = and_(
        _digits(vendor.contact_phone) == _digits(buyer.contact_phone),
        _digits(vendor.contact_phone) != "",
    )
    rows = session.execute(
        select(
            *contract_columns(c),
            shared_member.label("shared_member"),
            case((same_email, True), else_=False).label("same_email"),
            case((same_phone, True), else_=False).label("same_phone"),
        )
        .join(vendor, vendor.id == c.vendor_id)
        .join(buyer, buyer.id == c.buyer_id)
        .where(
            *paid_in(c, since, until),
            or_(c.vendor_id == c.buyer_id, shared_member, same_email, same_phone),
        )
        .order_by(c.id)
    ).all()
    findings = []
    for row in rows:
        members = _shared_members(session, row.vendor_id, row.buyer_id) if row.shared_member else []
        findings.append(
            Finding(
                AlertKind.RELATED_PARTIES,
                contract_key(AlertKind.RELATED_PARTIES, row.id),
                RelatedPartiesEvidence(
                    contract=trade_of(row),
                    same_organisation=row.vendor_id == row.buyer_id,
                    shared_member_user_ids=members,
                    same_contact_email=bool(row.same_email),
                    same_contact_phone=bool(row.same_phone),
                ),
                tuple(sorted({row.vendor_id, row.buyer_id})),
                (row.id,),
            )
        )
    return findings


def _shared_members(session: Session, first: int, second: int) -> list[int]:
    ours, theirs = aliased(Membership), aliased(Membership)
    return list(
        session.scalars(
            select(ours.user_id)
            .join(theirs, theirs.user_id == ours.user_id)
            .where(ours.organisation_id == first, theirs.organisation_id == second)
            .order_by(ours.user_id)
        )
    )


def important_data_trades(
    session: Session, *, since: datetime, until: datetime, thresholds: Thresholds
) -> list[Finding]:
    """Every trade of a product graded important data (GB/T 43697-2024)."""
    c = TradeContract
    rows = session.execute(
        select(*contract_columns(c), DataProduct.title_zh, DataProduct.title_en)
        .join(DataProduct, DataProduct.id == c.product_id)
        .where(*paid_in(c, since, until), DataProduct.grade == Grade.IMPORTANT)
        .order_by(c.id)
    )
    return [
        Finding(
            AlertKind.IMPORTANT_DATA,
            contract_key(AlertKind.IMPORTANT_DATA, row.id),
            ImportantDataEvidence(
                contract=trade_of(row),
                product=ImportantProduct(
                    id=row.product_id,
                    title_zh=row.title_zh,
                    title_en=row.title_en,
                    grade=Grade.IMPORTANT.value,
                ),
            ),
            tuple(sorted({row.vendor_id, row.buyer_id})),
            (row.id,),
        )
        for row in rows
    ]
