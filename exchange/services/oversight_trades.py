"""The regulators' trade browser: every contract, filtered, sorted and paged, each view
audited (the CSV/XLSX export is in oversight_export). Rules where the issue left a choice:

- Regulators and operators (the supervisors, who already see every contract and the ledger)
  may read it; anyone else gets PermissionDenied before anything is validated or read.
- A trade is any contract, whatever its status. Its date is ``created_at``, when both sides
  agreed (the trade date, as on the dashboard). Dates are UTC days, both ends inclusive, from
  2000-01-01 to a year after today; a range may not end before it starts nor span over 20
  years (an open end is no span). Amounts are the price in CNY, inclusive, to the fen.
- ``region`` is a region the product's data covers (ProductRegion); the vendor's registered
  seat (Organisation.region) is its own filter, ``vendor_region``: a city's regulator may ask
  either, and mixing them would answer neither.
- Choice filters take several values (repeated or comma-separated), matching any; filters
  combine with AND. Unknown keys are refused: a typo must not look like a filter that matched.
- Sorts: date, amount, vendor or buyer (Chinese name), status (life order); "-" descends.
  Ties break by contract id in the same direction, so pages never overlap.
- A row's payment status is its contract's latest payment's, None before any.
- A refused call (permission or validation) writes nothing; any other is an audit event.

Indexes relied on: primary keys of data_products, industry_boards and organisations (joins);
``ix_trade_contracts_vendor_id``/``buyer_id``/``product_id`` (party and product filters);
``product_regions``' primary key (product_id, region) and ``ix_product_regions_region``;
``ix_payments_contract_id`` (latest payment). Missing at 100k contracts: ``trade_contracts
(created_at, id)`` for the default order and date ranges, ``(status, created_at)`` for the
status filter, ``(price)`` for the amount order and range; without them a page sorts the
whole filtered set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session, aliased

from exchange.domain.catalog import Grade
from exchange.domain.i18n import N_
from exchange.domain.trading import ContractStatus, fee_of
from exchange.domain.vocabulary import REGIONS, Role
from exchange.models import (
    DataProduct,
    IndustryBoard,
    Organisation,
    Payment,
    ProductRegion,
    TradeContract,
)
from exchange.services import audit
from exchange.services.actors import Actor, require_role
from exchange.services.errors import ValidationFailed
from exchange.services.trade_contracts import add_months
from exchange.services.unit_of_work import UnitOfWork

READERS = (Role.REGULATOR, Role.OPERATOR)
LISTED = "oversight.trades.list"
SORTS = ("date", "amount", "vendor", "buyer", "status")
DEFAULT_SORT = "-date"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_PAGE = 1_000_000  # keeps the offset far inside a bigint
EARLIEST_DATE = date(2000, 1, 1)  # anything earlier is a typo: no data exchange existed
MAX_YEARS_AHEAD = 1
MAX_SPAN_YEARS = 20
MAX_AMOUNT = Decimal("999999999999.99")  # the Money column's largest value
MAX_ID = 2**31 - 1
FILTER_KEYS = (
    "board",
    "region",
    "vendor_region",
    "grade",
    "status",
    "vendor",
    "buyer",
    "date_from",
    "date_to",
    "amount_min",
    "amount_max",
)
LISTING_KEYS = ("sort", "page", "per_page")
BOARD_CODE = re.compile(r"[a-z][a-z0-9_]{0,31}")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
LIFE_ORDER = {status: n for n, status in enumerate(ContractStatus)}
UNKNOWN = {
    "region": N_("Unknown region: %(region)s."),
    "vendor_region": N_("Unknown region: %(vendor_region)s."),
    "grade": N_("Unknown classification grade: %(grade)s."),
    "status": N_("Unknown contract status: %(status)s."),
}

AnySelect = Select[*tuple[Any, ...]]


class _Problems:
    """Every problem found in a query, raised at the end as one ValidationFailed."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.params: dict[str, Any] = {}

    def add(self, field: str, message: str, **params: Any) -> None:
        self.errors.setdefault(field, []).append(message)
        self.params |= params

    def raise_any(self) -> None:
        if self.errors:
            raise ValidationFailed(errors=self.errors, **self.params)


def _values(raw: Mapping[str, Any], key: str) -> list[str]:
    """A key's values, repeated (a MultiDict's getlist, or a list) or comma-separated."""
    getlist = getattr(raw, "getlist", None)
    found = getlist(key) if callable(getlist) else raw.get(key)
    if found is None:
        return []
    items = [found] if isinstance(found, str | int | Decimal | date) else list(found)
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


def _single(raw: Mapping[str, Any], key: str, problems: _Problems) -> str | None:
    values = _values(raw, key)
    if len(values) > 1:
        problems.add(key, N_("Give one value."))
        return None
    return values[0] if values else None


def _choices(
    raw: Mapping[str, Any], key: str, allowed: Iterable[str], problems: _Problems
) -> tuple[str, ...]:
    """The key's known values once each, in the order given; the unknown ones are a problem."""
    values = tuple(dict.fromkeys(_values(raw, key)))
    known = {str(value) for value in allowed}
    unknown = [v for v in values if v not in known]
    if unknown:
        problems.add(key, UNKNOWN[key], **{key: ", ".join(unknown)})
    return tuple(v for v in values if v in known)


def _organisation(raw: Mapping[str, Any], key: str, problems: _Problems) -> int | None:
    value = _single(raw, key, problems)
    if value is None:
        return None
    if not value.isdecimal() or len(value) > 10 or not 1 <= int(value) <= MAX_ID:
        problems.add(key, N_("Give an organisation's number."))
        return None
    return int(value)


def _day(raw: Mapping[str, Any], key: str, today: date, problems: _Problems) -> date | None:
    value = _single(raw, key, problems)
    if value is None:
        return None
    try:
        day = date.fromisoformat(value) if ISO_DATE.fullmatch(value) else None
    except ValueError:
        day = None
    if day is None:
        problems.add(key, N_("Enter a date as YYYY-MM-DD."))
        return None
    latest = add_months(today, 12 * MAX_YEARS_AHEAD)
    if not EARLIEST_DATE <= day <= latest:
        problems.add(
            key,
            N_("Give a date from %(earliest)s to %(latest)s."),
            earliest=EARLIEST_DATE.isoformat(),
            latest=latest.isoformat(),
        )
        return None
    return day


def _amount(raw: Mapping[str, Any], key: str, problems: _Problems) -> Decimal | None:
    value = _single(raw, key, problems)
    if value is None:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        problems.add(key, N_("Enter a number, e.g. 1200.00."))
    elif amount < 0:
        problems.add(key, N_("An amount cannot be negative."))
    elif amount > MAX_AMOUNT:
        problems.add(key, N_("The price is too large."))
    elif amount != amount.quantize(Decimal("0.01")):
        problems.add(key, N_("A price has at most two decimals (fen)."))
    else:
        return amount
    return None


def _whole(raw: Mapping[str, Any], key: str, default: int, problems: _Problems) -> int:
    value = _single(raw, key, problems)
    if value is None:
        return default
    if not value.isdecimal() or len(value) > 9:
        problems.add(key, N_("Enter a whole number."))
        return default
    return int(value)


@dataclass(frozen=True)
class TradeFilters:
    """What a regulator narrows the trades to; an empty filter matches every trade."""

    boards: tuple[str, ...] = ()
    vendor_id: int | None = None
    buyer_id: int | None = None
    regions: tuple[str, ...] = ()
    vendor_regions: tuple[str, ...] = ()
    grades: tuple[Grade, ...] = ()
    statuses: tuple[ContractStatus, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None

    @classmethod
    def parse(
        cls, raw: Mapping[str, Any], *, today: date | None = None, also: Sequence[str] = ()
    ) -> TradeFilters:
        """The filters of a query string, or one ValidationFailed naming every bad field; keys
        other than the filters' (and `also`, the caller's own) are refused."""
        problems = _Problems()
        filters = cls._parse(raw, today or datetime.now(UTC).date(), problems, also)
        problems.raise_any()
        return filters

    @classmethod
    def _parse(
        cls, raw: Mapping[str, Any], today: date, problems: _Problems, also: Sequence[str]
    ) -> TradeFilters:
        for key in sorted(set(raw) - {*FILTER_KEYS, *also}):
            problems.add(key, N_("There is no such filter."))
        boards = _values(raw, "board")
        bad_boards = [code for code in boards if not BOARD_CODE.fullmatch(code)]
        if bad_boards:
            problems.add("board", N_("There is no industry board %(code)s."), code=bad_boards[0])
        date_from = _day(raw, "date_from", today, problems)
        date_to = _day(raw, "date_to", today, problems)
        if date_from and date_to and date_to < date_from:
            problems.add("date_to", N_("The period must start before it ends."))
        elif date_from and date_to and date_to > add_months(date_from, 12 * MAX_SPAN_YEARS):
            problems.add(
                "date_to",
                N_("The period may be at most %(years)s years long."),
                years=MAX_SPAN_YEARS,
            )
        amount_min = _amount(raw, "amount_min", problems)
        amount_max = _amount(raw, "amount_max", problems)
        if amount_min is not None and amount_max is not None and amount_min > amount_max:
            problems.add("amount_max", N_("The highest amount is below the lowest."))
        return cls(
            boards=tuple(dict.fromkeys(boards)),
            vendor_id=_organisation(raw, "vendor", problems),
            buyer_id=_organisation(raw, "buyer", problems),
            regions=_choices(raw, "region", REGIONS, problems),
            vendor_regions=_choices(raw, "vendor_region", REGIONS, problems),
            grades=tuple(map(Grade, _choices(raw, "grade", Grade, problems))),
            statuses=tuple(map(ContractStatus, _choices(raw, "status", ContractStatus, problems))),
            date_from=date_from,
            date_to=date_to,
            amount_min=amount_min,
            amount_max=amount_max,
        )

    def as_detail(self) -> dict[str, Any]:
        """The filters in use, as JSON for the audit log."""
        return {
            key: [str(v) for v in value] if isinstance(value, tuple) else _plain(value)
            for key, value in asdict(self).items()
            if value not in (None, ())
        }


def _plain(value: Any) -> Any:
    if isinstance(value, int):
        return value
    return value.isoformat() if isinstance(value, date) else str(value)


@dataclass(frozen=True)
class TradeQuery:
    """A page of the trade browser as a query string asks for it."""

    filters: TradeFilters
    sort: str = DEFAULT_SORT
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @classmethod
    def parse(cls, raw: Mapping[str, Any], *, today: date | None = None) -> TradeQuery:
        """Filters, order and page of a query string, or one ValidationFailed naming them all."""
        problems = _Problems()
        filters = TradeFilters._parse(
            raw, today or datetime.now(UTC).date(), problems, LISTING_KEYS
        )
        sort = _single(raw, "sort", problems) or DEFAULT_SORT
        page = _whole(raw, "page", 1, problems)
        per_page = _whole(raw, "per_page", DEFAULT_PER_PAGE, problems)
        _check_listing(sort, page, per_page, problems)
        problems.raise_any()
        return cls(filters, sort, page, per_page)


def _check_listing(sort: str, page: int, per_page: int, problems: _Problems) -> None:
    if sort.removeprefix("-") not in SORTS:
        problems.add("sort", N_("Sort by date, amount, vendor, buyer or status."))
    if not 1 <= page <= MAX_PAGE:
        problems.add("page", N_("Pages are numbered from 1."))
    if not 1 <= per_page <= MAX_PER_PAGE:
        problems.add(
            "per_page",
            N_("Show from 1 to %(max_per_page)s rows a page."),
            max_per_page=MAX_PER_PAGE,
        )


def check_sort(sort: str) -> None:
    """Refuse an unknown sort key."""
    problems = _Problems()
    _check_listing(sort, 1, 1, problems)
    problems.raise_any()


def require_reader(actor: Actor) -> None:
    """Only regulators and operators browse every trade."""
    require_role(actor, *READERS)


def check_boards(session: Session, filters: TradeFilters) -> None:
    """Refuse a board code the exchange does not have (one small query, only when asked)."""
    if not filters.boards:
        return
    known = set(
        session.scalars(select(IndustryBoard.code).where(IndustryBoard.code.in_(filters.boards)))
    )
    missing = [code for code in filters.boards if code not in known]
    if missing:
        raise ValidationFailed.on(
            "board", N_("There is no industry board %(code)s."), code=", ".join(missing)
        )


def _conditions(filters: TradeFilters) -> list[ColumnElement[bool]]:
    """The filters as conditions on trade_contracts and data_products."""
    where: list[ColumnElement[bool]] = []
    if filters.boards:
        boards = select(IndustryBoard.id).where(IndustryBoard.code.in_(filters.boards))
        where.append(DataProduct.board_id.in_(boards))
    if filters.grades:
        where.append(DataProduct.grade.in_(filters.grades))
    if filters.vendor_id is not None:
        where.append(TradeContract.vendor_id == filters.vendor_id)
    if filters.buyer_id is not None:
        where.append(TradeContract.buyer_id == filters.buyer_id)
    if filters.regions:
        covered = select(ProductRegion.product_id).where(ProductRegion.region.in_(filters.regions))
        where.append(TradeContract.product_id.in_(covered))
    if filters.vendor_regions:
        seated = select(Organisation.id).where(Organisation.region.in_(filters.vendor_regions))
        where.append(TradeContract.vendor_id.in_(seated))
    if filters.statuses:
        where.append(TradeContract.status.in_(filters.statuses))
    if filters.date_from is not None:
        where.append(TradeContract.created_at >= _midnight(filters.date_from))
    if filters.date_to is not None:
        where.append(TradeContract.created_at < _midnight(filters.date_to + timedelta(days=1)))
    if filters.amount_min is not None:
        where.append(TradeContract.price >= filters.amount_min)
    if filters.amount_max is not None:
        where.append(TradeContract.price <= filters.amount_max)
    return where


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def count_trades(session: Session, filters: TradeFilters) -> int:
    """How many trades match: one query, joining the product only when a filter needs it."""
    query = select(func.count()).select_from(TradeContract)
    if filters.boards or filters.grades:
        query = query.join(DataProduct, DataProduct.id == TradeContract.product_id)
    return session.scalar(query.where(*_conditions(filters))) or 0


def trades_query(filters: TradeFilters, sort: str) -> AnySelect:
    """Every matching trade with all its row's columns, ordered: one query, no N+1."""
    vendor, buyer = aliased(Organisation), aliased(Organisation)
    regions = (
        select(func.aggregate_strings(ProductRegion.region, ","))
        .where(ProductRegion.product_id == TradeContract.product_id)
        .correlate(TradeContract)
        .scalar_subquery()
    )
    payment = (
        select(Payment.status)
        .where(Payment.contract_id == TradeContract.id)
        .order_by(Payment.id.desc())
        .limit(1)
        .correlate(TradeContract)
        .scalar_subquery()
    )
    query = (
        select(
            TradeContract.id,
            TradeContract.number,
            TradeContract.created_at,
            TradeContract.price,
            TradeContract.fee_rate,
            TradeContract.currency,
            TradeContract.status,
            TradeContract.product_id,
            DataProduct.title_zh,
            DataProduct.title_en,
            DataProduct.grade,
            IndustryBoard.code.label("board_code"),
            IndustryBoard.name_zh.label("board_name_zh"),
            IndustryBoard.name_en.label("board_name_en"),
            vendor.id.label("vendor_id"),
            vendor.name_zh.label("vendor_name_zh"),
            vendor.name_en.label("vendor_name_en"),
            buyer.id.label("buyer_id"),
            buyer.name_zh.label("buyer_name_zh"),
            buyer.name_en.label("buyer_name_en"),
            regions.label("regions"),
            payment.label("payment_status"),
        )
        .join(DataProduct, DataProduct.id == TradeContract.product_id)
        .join(IndustryBoard, IndustryBoard.id == DataProduct.board_id)
        .join(vendor, vendor.id == TradeContract.vendor_id)
        .join(buyer, buyer.id == TradeContract.buyer_id)
        .where(*_conditions(filters))
    )
    descending = sort.startswith("-")
    keys: dict[str, Any] = {  # a sort key's column or expression
        "date": TradeContract.created_at,
        "amount": TradeContract.price,
        "vendor": vendor.name_zh,
        "buyer": buyer.name_zh,
        "status": case(LIFE_ORDER, value=TradeContract.status, else_=len(LIFE_ORDER)),
    }
    order = [keys[sort.removeprefix("-")], TradeContract.id]
    return query.order_by(*(key.desc() if descending else key.asc() for key in order))


def _group(row: Any, prefix: str, *names: str) -> dict[str, Any]:
    """A board's or a party's columns of a row, by their names without the prefix."""
    return {name: getattr(row, f"{prefix}_{name}") for name in names}


def trade_row(row: Any) -> dict[str, Any]:
    """One trade as the browser and the export show it, from a row of trades_query."""
    return {
        "id": row.id,
        "number": row.number,
        "date": row.created_at,
        "board": _group(row, "board", "code", "name_zh", "name_en"),
        "product": {"id": row.product_id, "title_zh": row.title_zh, "title_en": row.title_en},
        "vendor": _group(row, "vendor", "id", "name_zh", "name_en"),
        "buyer": _group(row, "buyer", "id", "name_zh", "name_en"),
        "regions": sorted(row.regions.split(",")) if row.regions else [],
        "grade": row.grade,
        "price": row.price,
        "fee": fee_of(row.price, row.fee_rate),
        "currency": row.currency,
        "status": row.status,
        "payment_status": row.payment_status,
    }


def list_trades(
    uow: UnitOfWork,
    actor: Actor,
    filters: TradeFilters,
    *,
    sort: str = DEFAULT_SORT,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
) -> dict[str, Any]:
    """One page of the trades matching the filters with their total, for supervisors; the
    view goes into the audit log."""
    require_reader(actor)
    problems = _Problems()
    _check_listing(sort, page, per_page, problems)
    problems.raise_any()
    session = uow.session
    check_boards(session, filters)
    total = count_trades(session, filters)
    rows = session.execute(
        trades_query(filters, sort).limit(per_page).offset((page - 1) * per_page)
    ).all()
    audit.record(
        session,
        LISTED,
        actor=actor,
        filters=filters.as_detail(),
        sort=sort,
        page=page,
        per_page=per_page,
        total=total,
    )
    uow.commit()
    return {
        "rows": [trade_row(row) for row in rows],
        "total": total,
        "page": page,
        "per_page": per_page,
        "sort": sort,
    }
