"""Schemas of the regulators' API: the dashboard's period and its series, a page of trades and
one trade's dossier, the proof checks, alerts with their notes, a traced leak."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, TypeVar

from flask_babel import gettext
from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields

from exchange.catalog.domain import Grade
from exchange.catalog.schemas import ProductSummarySchema
from exchange.compute.schemas import QuerySchema
from exchange.delivery.domain import EntitlementStatus
from exchange.http.i18n import translate
from exchange.http.openapi import DECIMAL_STRING
from exchange.http.schemas import BaseSchema, choice
from exchange.kernel.i18n import N_
from exchange.oversight.domain import ALERT_KIND_LABELS, NOTE_MAX_LENGTH, AlertKind, AlertStatus
from exchange.oversight.export import MEDIA_TYPES
from exchange.oversight.trade_query import (
    DEFAULT_PER_PAGE,
    DEFAULT_SORT,
    EARLIEST_DATE,
    MAX_PER_PAGE,
    SORTS,
)
from exchange.payments.domain import PaymentStatus
from exchange.rights.schemas import LicenceGrantSchema, RightsRecordSchema
from exchange.trading.contracts import add_months
from exchange.trading.domain import ContractStatus, NegotiationStatus, RoundAction, Side
from exchange.trading.schemas import ContractSchema, PartySchema, PaymentSchema

E = TypeVar("E", bound=Enum)


class Member(fields.Enum[E]):
    """An enumeration's value, whether the service gave the member or its value already."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        member = None if value is None else self.enum(value)
        return super()._serialize(member, attr, obj, **kwargs)


def member(enum_type: type[E], **kwargs: Any) -> Member[E]:
    """One value of an enumeration, dumped by value."""
    return Member(enum_type, by_value=True, **kwargs)


def money() -> fields.Decimal:
    """Yuan to the fen, as a string."""
    return fields.Decimal(as_string=True)


def plausible_day(value: date) -> None:
    """A day the exchange could have traded on, as the trade browser allows (the dashboard's
    service would fail on a day near the calendar's end instead of refusing it)."""
    latest = add_months(datetime.now(UTC).date(), 12)
    if not EARLIEST_DATE <= value <= latest:
        raise ValidationError(
            gettext(
                N_("Give a date from %(earliest)s to %(latest)s."),
                earliest=EARLIEST_DATE.isoformat(),
                latest=latest.isoformat(),
            )
        )


# In


class DashboardQuerySchema(BaseSchema):
    date_from = fields.Date(
        load_default=None,
        validate=plausible_day,
        metadata={"description": "first UTC day; default: the first of the month 11 months ago"},
    )
    date_to = fields.Date(
        load_default=None,
        validate=plausible_day,
        metadata={"description": "last UTC day, inclusive; default: today; at most 10 years"},
    )


class AlertQuerySchema(BaseSchema):
    status = choice(AlertStatus, load_default=None)
    kind = choice(AlertKind, load_default=None)


class NoteInputSchema(BaseSchema):
    body = fields.String(
        required=True, metadata={"description": f"1 to {NOTE_MAX_LENGTH} characters"}
    )


class SuspectFileSchema(BaseSchema):
    file = Upload(
        required=True,
        metadata={"description": "the suspect copy: CSV, JSON lines or XLSX, as found"},
    )


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"in": "query", "name": name, "description": description, "schema": schema}


def _several(name: str, description: str) -> dict[str, Any]:
    return _query(
        name,
        description + "; several values repeated or comma-separated, matching any",
        {"type": "array", "items": {"type": "string"}},
    ) | {"style": "form", "explode": True}


# The trade browser's query string: TradeQuery.parse validates it, these only describe it.
TRADE_FILTER_PARAMETERS = [
    _several("board", "industry board codes"),
    _several("region", "regions the product's data covers"),
    _several("vendor_region", "regions where the vendor is seated"),
    _several("grade", "classification grades: " + ", ".join(Grade)),
    _several("status", "contract statuses: " + ", ".join(ContractStatus)),
    _query("vendor", "the vendor organisation's id", {"type": "integer", "minimum": 1}),
    _query("buyer", "the buyer organisation's id", {"type": "integer", "minimum": 1}),
    _query(
        "date_from",
        f"agreed on or after this UTC day (from {EARLIEST_DATE.isoformat()})",
        {"type": "string", "format": "date"},
    ),
    _query(
        "date_to",
        "agreed on or before this UTC day (at most a year ahead; at most 20 years after date_from)",
        {"type": "string", "format": "date"},
    ),
    _query("amount_min", "lowest price in CNY, to the fen", DECIMAL_STRING),
    _query("amount_max", "highest price in CNY, to the fen", DECIMAL_STRING),
]
SORT_PARAMETER = _query(
    "sort",
    "date, amount, vendor, buyer or status; a leading - descends",
    {"type": "string", "default": DEFAULT_SORT, "enum": [*SORTS, *(f"-{s}" for s in SORTS)]},
)
TRADE_LIST_PARAMETERS = [
    *TRADE_FILTER_PARAMETERS,
    SORT_PARAMETER,
    _query("page", "from 1", {"type": "integer", "minimum": 1, "default": 1}),
    _query(
        "per_page",
        "rows a page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
    ),
]
TRADE_EXPORT_PARAMETERS = [
    *TRADE_FILTER_PARAMETERS,
    SORT_PARAMETER,
    _query(
        "format",
        "the file's format",
        {"type": "string", "enum": list(MEDIA_TYPES), "default": "csv"},
    ),
]


# Out: the dashboard


def _translated(attribute: str) -> fields.Function:
    """A label the service leaves untranslated, in the language the request asked for."""
    return fields.Function(lambda row: translate(getattr(row, attribute)))


class PeriodSchema(Schema):
    date_from = fields.Date()
    date_to = fields.Date()


class MonthRowSchema(Schema):
    month = fields.String(attribute="key", metadata={"description": "YYYY-MM"})
    trades = fields.Integer()
    value = money()


class BoardRowSchema(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    trades = fields.Integer()
    value = money()


class RegionRowSchema(Schema):
    region = fields.String(allow_none=True, metadata={"description": "null: no region given"})
    label = _translated("label")
    trades = fields.Integer()
    value = money()


class PartyRowSchema(Schema):
    organisation_id = fields.Integer()
    name_zh = fields.String()
    name_en = fields.String()
    trades = fields.Integer()
    value = money()


class GradeRowSchema(Schema):
    grade = member(Grade)
    label = _translated("label")
    trades = fields.Integer()
    value = money()


class ReviewCountsSchema(Schema):
    awaiting_operator = fields.Integer()
    awaiting_regulator = fields.Integer()
    important = fields.Integer()
    waiting = fields.Integer()
    oldest_since = fields.AwareDateTime(allow_none=True)


class DashboardSchema(Schema):
    """Trades agreed in the period (paid into escrow and not refunded), every series."""

    period = fields.Nested(PeriodSchema)
    trades = fields.Integer()
    value = money()
    by_month = fields.List(fields.Nested(MonthRowSchema))
    by_board = fields.List(fields.Nested(BoardRowSchema))
    by_region = fields.List(fields.Nested(RegionRowSchema))
    top_vendors = fields.List(fields.Nested(PartyRowSchema))
    top_buyers = fields.List(fields.Nested(PartyRowSchema))
    by_grade = fields.List(fields.Nested(GradeRowSchema))
    review_queue = fields.Nested(ReviewCountsSchema)


# Out: trades


class TradeBoardSchema(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()


class ProductTitleSchema(Schema):
    id = fields.Integer()
    title_zh = fields.String()
    title_en = fields.String()


class TradeRowSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    date = fields.AwareDateTime(metadata={"description": "when both sides agreed (UTC)"})
    board = fields.Nested(TradeBoardSchema)
    product = fields.Nested(ProductTitleSchema)
    vendor = fields.Nested(PartySchema)
    buyer = fields.Nested(PartySchema)
    regions = fields.List(fields.String())
    grade = member(Grade)
    price = money()
    fee = money()
    currency = fields.String()
    status = member(ContractStatus)
    payment_status = member(PaymentStatus, allow_none=True, metadata={"description": "the latest"})


class TradePageSchema(Schema):
    rows = fields.List(fields.Nested(TradeRowSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Function(lambda found: math.ceil(found["total"] / found["per_page"]))
    sort = fields.String()


class DossierProductSchema(Schema):
    id = fields.Integer()
    title_zh = fields.String()
    title_en = fields.String()
    board_id = fields.Integer()
    grade = member(Grade)


class DossierRoundSchema(Schema):
    number = fields.Integer()
    side = member(Side)
    action = member(RoundAction)
    price = fields.Decimal(as_string=True, allow_none=True)
    quota = fields.Integer(allow_none=True, metadata={"description": "calls or queries proposed"})
    message = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()


class DossierNegotiationSchema(Schema):
    id = fields.Integer()
    status = member(NegotiationStatus)
    ledger_seq = fields.Integer(allow_none=True)
    rounds = fields.List(fields.Nested(DossierRoundSchema))


class PostingSchema(Schema):
    account_id = fields.Integer()
    account_kind = fields.String()
    organisation = fields.Nested(PartySchema, allow_none=True)
    debit = money()
    credit = money()


class JournalSchema(Schema):
    kind = fields.String()
    memo = fields.String(allow_none=True)
    ledger_seq = fields.Integer(allow_none=True)
    postings = fields.List(fields.Nested(PostingSchema))


class DownloadSchema(Schema):
    at = fields.AwareDateTime()
    user_id = fields.Integer(allow_none=True)
    version = fields.Integer()
    fingerprint = fields.String()
    size_bytes = fields.Integer()
    client_address = fields.String(allow_none=True)


class DeliverySchema(Schema):
    entitlement_id = fields.Integer()
    status = member(EntitlementStatus)
    quota = fields.Integer(allow_none=True)
    used = fields.Integer()
    expires_at = fields.AwareDateTime()
    ledger_seq = fields.Integer(allow_none=True)
    downloads = fields.List(fields.Nested(DownloadSchema))


class DossierRecordSchema(RightsRecordSchema):
    closed_by_this = fields.Boolean(metadata={"description": "this trade ended the right"})


class DossierRightsSchema(Schema):
    records = fields.List(fields.Nested(DossierRecordSchema))
    grants = fields.List(fields.Nested(LicenceGrantSchema))


class ProgressSchema(Schema):
    payment = fields.Nested(PaymentSchema, allow_none=True)
    entitlement = fields.Dict(allow_none=True)
    dispute = fields.Dict(allow_none=True)
    payout = fields.Dict(allow_none=True, metadata={"description": "price, fee, net"})
    delivered_at = fields.AwareDateTime(allow_none=True)
    acceptance_due_at = fields.AwareDateTime(allow_none=True)
    settled_at = fields.AwareDateTime(allow_none=True)


class TradeEntrySchema(Schema):
    seq = fields.Integer()
    entry_type = fields.String()
    body = fields.Dict()
    leaf_hash = fields.String()
    recorded_at = fields.AwareDateTime()
    anchor_status = fields.String(metadata={"description": "pending, anchored or confirmed"})


class DossierSchema(Schema):
    """One trade as a regulator reads it; its ledger entries oldest first."""

    contract = fields.Nested(ContractSchema)
    progress = fields.Nested(ProgressSchema)
    product = fields.Nested(DossierProductSchema)
    negotiation = fields.Nested(DossierNegotiationSchema)
    payments = fields.List(fields.Nested(PaymentSchema))
    escrow = fields.List(fields.Nested(JournalSchema))
    delivery = fields.Nested(DeliverySchema, allow_none=True)
    rights = fields.Nested(DossierRightsSchema)
    computations = fields.List(
        fields.Nested(QuerySchema),
        metadata={"description": "a computation licence's queries, refused ones included"},
    )
    ledger = fields.List(fields.Nested(TradeEntrySchema))


class ProofStepSchema(Schema):
    name = fields.String()
    ok = fields.Boolean()
    detail = fields.String(allow_none=True)


class ProofCheckSchema(Schema):
    seq = fields.Integer()
    entry_type = fields.String()
    anchor_status = fields.String()
    ok = fields.Boolean(allow_none=True, metadata={"description": "null: not on chain yet"})
    reason = fields.String(allow_none=True)
    steps = fields.List(fields.Nested(ProofStepSchema))


class TradeProofsSchema(Schema):
    contract_id = fields.Integer()
    number = fields.String()
    ok = fields.Boolean(metadata={"description": "no entry failed"})
    verified_on_chain = fields.Boolean(metadata={"description": "every entry checked on chain"})
    tree_size = fields.Integer()
    checks = fields.List(fields.Nested(ProofCheckSchema))


class ReviewItemSchema(ProductSummarySchema):
    grade_justification = fields.String(allow_none=True)
    updated_at = fields.AwareDateTime()


# Out: alerts


class AlertSummarySchema(Schema):
    id = fields.Integer()
    kind = member(AlertKind)
    label = fields.Function(lambda alert: translate(ALERT_KIND_LABELS[AlertKind(alert["kind"])]))
    status = member(AlertStatus)
    organisation_ids = fields.List(fields.Integer())
    contract_ids = fields.List(fields.Integer())
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ContractRefSchema(Schema):
    id = fields.Integer()
    number = fields.String(allow_none=True)


class AlertNoteSchema(Schema):
    id = fields.Integer()
    author_id = fields.Integer()
    author = fields.String(allow_none=True)
    body = fields.String()
    created_at = fields.AwareDateTime()


class NoteSchema(AlertNoteSchema):
    alert_id = fields.Integer()


class AlertSchema(AlertSummarySchema):
    evidence = fields.Dict(metadata={"description": "what the detector found, by kind"})
    organisations = fields.List(fields.Nested(PartySchema))
    contracts = fields.List(fields.Nested(ContractRefSchema))
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    acknowledged_by_id = fields.Integer(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    closed_by_id = fields.Integer(allow_none=True)
    notes = fields.List(fields.Nested(AlertNoteSchema))


class LeakTraceSchema(Schema):
    match = fields.Dict(
        allow_none=True,
        metadata={"description": "the leak alert's evidence: entitlement, buyer, downloads"},
    )
    candidates = fields.Integer(metadata={"description": "entitlements whose marks were tried"})
    alert_id = fields.Integer(allow_none=True)
    new = fields.Boolean(metadata={"description": "false when this copy was traced before"})
