"""What the trade browser's query string may ask: filters, order and page, each checked, with
every problem named at once. Rules: dates are UTC days from 2000-01-01 to a year after today; a
range may not end before it starts nor span over 20 years; amounts are CNY to the fen, never
negative; choice filters take several values (repeated or comma-separated); unknown keys are
refused, so a typo never looks like a filter that matched."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from exchange.catalog.domain import Grade
from exchange.kernel.errors import ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.vocabulary import REGIONS
from exchange.trading.contracts import add_months
from exchange.trading.domain import ContractStatus

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

    def as_detail(self) -> dict[str, int | str | list[str]]:
        """The filters in use, as JSON for the audit log."""
        return {
            key: [str(v) for v in value] if isinstance(value, tuple) else _plain(value)
            for key, value in asdict(self).items()
            if value not in (None, ())
        }


def _plain(value: object) -> int | str:
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


def check_listing(sort: str, page: int, per_page: int) -> None:
    """Refuse an unknown sort key or a page or page size out of range."""
    problems = _Problems()
    _check_listing(sort, page, per_page, problems)
    problems.raise_any()


def check_sort(sort: str) -> None:
    """Refuse an unknown sort key."""
    check_listing(sort, 1, 1)
