"""The shapes of the demo catalog: vendors, products, offers, columns and how a column is made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal, TypeAlias

from exchange.catalog.domain import (
    FileFormat,
    Grade,
    LicenceKind,
    ListingStatus,
    ProductType,
    Territory,
    UpdateFrequency,
    UseScope,
)


@dataclass(frozen=True)
class DemoVendor:
    key: str  # short id products refer to
    name_zh: str
    name_en: str
    credit_code: str  # GB 32100, valid and unique; division digits 36xxxx (Jiangxi)
    region: str  # a REGIONS key
    dcmm_level: int | None
    dcmm_certificate_no: str | None
    contact_name: str
    contact_phone: str
    contact_email: str
    user_email: str
    user_display_name: str


@dataclass(frozen=True)
class DemoOffer:
    kind: LicenceKind
    scope: UseScope
    term_months: int
    territory: Territory
    seats: int
    derivative: bool
    redistribution: bool
    price: Decimal  # CNY, two decimals


# How the generator fills a column. A table has rows for each period (from the Period column and
# the product's update frequency) times each category (from the Each column), or, with no
# Period column, `DemoProduct.rows` rows.


@dataclass(frozen=True)
class Period:
    """The row's period: an hour, day, week start, month, quarter or year, by update frequency."""

    weekdays_only: bool = False  # trading days: skip Saturdays and Sundays


@dataclass(frozen=True)
class Each:
    """The row's category: every period has one row per option (rosters cycle through them)."""

    options: tuple[str, ...]


@dataclass(frozen=True)
class Walk:
    """A random walk per category, pulled gently back to its start and reflected into [low, high];
    `starts` gives each category its own start (its bounds scale with it)."""

    start: float
    step: float  # standard deviation of one step, as a fraction of the start
    low: float
    high: float
    decimals: int = 0
    starts: tuple[float, ...] = ()


@dataclass(frozen=True)
class Level:
    """A steady level per category with noise, drifting by a relative amount each period."""

    base: float
    noise: float = 0.03
    spread: float = 0.0  # categories' bases differ by up to this fraction of `base`
    drift: float = 0.0
    decimals: int = 0
    bases: tuple[float, ...] = ()  # one base per category, instead of base and spread
    cycle: float = 0.0  # hourly data: amplitude of a daily cycle that peaks mid-afternoon


@dataclass(frozen=True)
class Uniform:
    low: float
    high: float
    decimals: int = 0


@dataclass(frozen=True)
class Pick:
    options: tuple[str, ...]
    weights: tuple[float, ...] = ()


@dataclass(frozen=True)
class Pattern:
    """A code from a template: '#' becomes a digit, '@' a capital letter (no I or O)."""

    template: str


@dataclass(frozen=True)
class Serial:
    prefix: str
    width: int = 6
    start: int = 1


@dataclass(frozen=True)
class Day:
    """A random date within the product's coverage."""


@dataclass(frozen=True)
class Timeline:
    """Increasing date-times spread across the coverage, for logs and work orders."""


@dataclass(frozen=True)
class Scaled:
    """Another column of the same row, times a factor drawn from [low, high]."""

    of: str
    low: float
    high: float
    decimals: int = 0


@dataclass(frozen=True)
class Around:
    """Another column of the same row, plus an offset drawn from [low, high]."""

    of: str
    low: float
    high: float
    decimals: int = 0


@dataclass(frozen=True)
class Change:
    """The change of another column since the category's previous row (0 on its first row)."""

    of: str
    decimals: int = 0


PersonalKind: TypeAlias = Literal["name", "id_number", "mobile", "email", "bank_card"]


@dataclass(frozen=True)
class Personal:
    """One attribute of a synthetic person; the columns of a row describe the same person."""

    kind: PersonalKind


Values: TypeAlias = (
    Period
    | Each
    | Walk
    | Level
    | Uniform
    | Pick
    | Pattern
    | Serial
    | Day
    | Timeline
    | Scaled
    | Around
    | Change
    | Personal
)


@dataclass(frozen=True)
class DemoField:
    """Notes for one column of the generated file."""

    name: str
    unit: str | None
    description: str
    personal: bool = False
    values: Values | None = None  # how the generator fills the column


@dataclass(frozen=True)
class DemoProduct:
    key: str
    vendor: str
    board: str
    title_zh: str
    title_en: str
    summary_zh: str
    summary_en: str
    description: str  # Chinese, says it is demo (synthetic) data
    product_type: ProductType
    update_frequency: UpdateFrequency
    coverage_start: date
    coverage_end: date
    regions: tuple[str, ...]
    tags: tuple[str, ...]
    grade: Grade
    grade_justification: str
    offers: tuple[DemoOffer, ...]
    file_format: FileFormat
    fields: tuple[DemoField, ...]  # one per column of the file, in order
    versions: int = 1
    status: ListingStatus = ListingStatus.LISTED
    accuracy: float | None = None
    declared_note: str | None = None
    rows: int | None = None  # rows of version 1 when the file has no Period column
    csv_bom: bool = False  # CSV starts with a UTF-8 byte-order mark, as Excel writes it
