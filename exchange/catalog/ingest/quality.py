"""Quality scores a buyer can trust because the exchange computed them from the file itself.

Each score is a share between 0 and 1, rounded to 4 decimals. A score the file cannot support
is None, and the vendor declares it instead: accuracy always (only the source can vouch for
it), timeliness when no column holds dates, and the others when there is nothing to count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TypedDict

from exchange.catalog.domain import QUALITY_DIMENSIONS, FileFormat

PLACES = 4
FRESH_DAYS = 30
STALE_DAYS = 730  # two years

ACCESSIBILITY = {
    # How directly a buyer's tools read the format: typed columnar data needs no parsing
    # decisions; CSV and JSON are open text but leave types and encodings to guess; a
    # spreadsheet needs a spreadsheet library and may hide data in other sheets or formulas.
    FileFormat.PARQUET: 1.0,
    FileFormat.CSV: 0.95,
    FileFormat.JSON: 0.95,
    FileFormat.XLSX: 0.85,
}


@dataclass(frozen=True)
class Tallies:
    """What one pass over the rows counted: all the computed scores need."""

    cells: int  # rows × columns
    empty: int  # cells that are null or blank
    agreeing: int  # non-empty values of their column's inferred type
    patterned: int  # non-empty values in columns with a recognisable pattern
    well_formed: int  # of those, the ones that are well formed
    newest: date | None  # the latest date in a date or datetime column


class StoredQuality(TypedDict):
    """A version's quality as stored: each dimension's score, and which were computed or are
    left for the vendor to declare."""

    scores: dict[str, float | None]
    computed: list[str]
    declared: list[str]


@dataclass(frozen=True)
class Quality:
    """A score per dimension; None where the vendor must declare it."""

    scores: dict[str, float | None]

    @property
    def computed(self) -> list[str]:
        """The dimensions the exchange computed from the file."""
        return [name for name in QUALITY_DIMENSIONS if self.scores.get(name) is not None]

    @property
    def declared(self) -> list[str]:
        """The dimensions left for the vendor to declare."""
        return [name for name in QUALITY_DIMENSIONS if self.scores.get(name) is None]

    def to_dict(self) -> StoredQuality:
        """Scores in QUALITY_DIMENSIONS order, and which were computed or are to declare."""
        return StoredQuality(
            scores={name: self.scores.get(name) for name in QUALITY_DIMENSIONS},
            computed=self.computed,
            declared=self.declared,
        )


def assess(tallies: Tallies, fmt: FileFormat, today: date) -> Quality:
    """Every dimension of QUALITY_DIMENSIONS scored from the tallies, or None to declare."""
    non_empty = tallies.cells - tallies.empty
    return Quality(
        {
            "completeness": completeness(tallies.cells, tallies.empty),
            "accuracy": None,
            "consistency": consistency(non_empty, tallies.agreeing),
            "timeliness": timeliness(tallies.newest, today),
            "conformance": conformance(tallies.patterned, tallies.well_formed),
            "accessibility": accessibility(fmt),
        }
    )


def completeness(cells: int, empty: int) -> float | None:
    """The share of cells that hold a value; None for a file without rows."""
    return _share(cells - empty, cells)


def consistency(non_empty: int, agreeing: int) -> float | None:
    """The share of values of their column's inferred type (every value is a string)."""
    return _share(agreeing, non_empty)


def conformance(patterned: int, well_formed: int) -> float | None:
    """The share of values well formed, over columns with a pattern to check.

    A column has a pattern when it is of date or datetime type (well formed: a real date), or
    when it was detected as ID numbers, mobiles, emails, bank cards or credit codes (well formed:
    passes that detector, so an ID number with a wrong check digit counts against it).
    None when no column has a pattern.
    """
    return _share(well_formed, patterned)


def timeliness(newest: date | None, today: date) -> float | None:
    """1.0 when the newest date is at most 30 days old, falling linearly to 0.0 at two years.

    Dates after today count as fresh. None when the file has no date column.
    """
    if newest is None:
        return None
    age = (today - newest).days
    if age <= FRESH_DAYS:
        return 1.0
    if age >= STALE_DAYS:
        return 0.0
    return round(1 - (age - FRESH_DAYS) / (STALE_DAYS - FRESH_DAYS), PLACES)


def accessibility(fmt: FileFormat) -> float:
    """How machine-readable the format is; see ACCESSIBILITY for the table and the reasons."""
    return ACCESSIBILITY[fmt]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, PLACES) if whole else None
