"""One pass over a table: its schema, row count, quality tallies and a masked sample of rows."""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TypedDict

from exchange.catalog.domain import FieldType, FileFormat, Sensitivity
from exchange.catalog.ingest.masking import detect, mask_row
from exchange.catalog.ingest.quality import Quality, StoredQuality, Tallies, assess
from exchange.catalog.ingest.readers import Cell, Row, Table

SENSITIVE_SHARE = 0.6  # a column is sensitive when this share of its values is detected
SAMPLE_CELL_CHARS = 200  # longer sample text is cut: every page view shows the stored sample
MEMO_CHARS = 64  # text this short is read and detected once per file, however often it repeats
MEMO_SIZE = 65_536  # distinct texts remembered per file

SampleCell = str | int | float | bool | None

INTEGER_TEXT = re.compile(r"[+-]?(?:0|[1-9]\d{0,14}|[1-9]\d{0,2}(?:,\d{3})+)")
DECIMAL_TEXT = re.compile(  # a point or an exponent: bare digit runs are integers or codes
    r"[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)\.\d*|\.\d+|\d+(?:\.\d*)?[eE][+-]?\d+)"
)
BOOLEAN_TEXT = frozenset(["true", "false", "yes", "no", "是", "否"])
DATE_TEXT = re.compile(
    r"(?P<year>\d{4})(?:[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})"
    r"|年(?P<cn_month>\d{1,2})月(?P<cn_day>\d{1,2})日)"
    r"(?:[T ](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d{1,9})?)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?)?"
)
FAMILIES = {
    FieldType.BOOLEAN: FieldType.BOOLEAN,
    FieldType.INTEGER: FieldType.DECIMAL,
    FieldType.DECIMAL: FieldType.DECIMAL,
    FieldType.DATE: FieldType.DATETIME,
    FieldType.DATETIME: FieldType.DATETIME,
    FieldType.STRING: FieldType.STRING,
}


IDENTIFIERS = frozenset(
    {Sensitivity.MOBILE, Sensitivity.ID_NUMBER, Sensitivity.BANK_CARD, Sensitivity.CREDIT_CODE}
)


class StoredColumn(TypedDict):
    """A column as stored with a version: inferred type, sensitivity and nulls, in JSON values."""

    name: str
    type: str
    sensitivity: str | None
    null_count: int


class StoredSample(TypedDict):
    """The masked sample as stored: column names and rows of cells in file order."""

    columns: list[str]
    rows: list[list[SampleCell]]


class StoredProfile(TypedDict):
    """A file's profile as the exchange stores it (quality is the scores' own JSON form)."""

    format: str
    rows: int
    columns: list[StoredColumn]
    quality: StoredQuality
    sample: StoredSample


@dataclass(frozen=True)
class ColumnProfile:
    """A column as the file shows it: inferred type, detected or declared sensitivity, nulls."""

    name: str
    type: FieldType
    sensitivity: Sensitivity | None
    null_count: int

    def to_dict(self) -> StoredColumn:
        """The column as JSON-ready plain data."""
        return StoredColumn(
            name=self.name,
            type=self.type.value,
            sensitivity=None if self.sensitivity is None else self.sensitivity.value,
            null_count=self.null_count,
        )


@dataclass(frozen=True)
class Profile:
    """What the exchange stores about an uploaded file; `to_dict` is its JSON form."""

    format: FileFormat
    rows: int
    columns: tuple[ColumnProfile, ...]
    quality: Quality
    sample: tuple[tuple[SampleCell, ...], ...]  # masked, in file order

    def to_dict(self) -> StoredProfile:
        """The profile as JSON-ready plain data, the form the exchange stores."""
        return StoredProfile(
            format=self.format.value,
            rows=self.rows,
            columns=[column.to_dict() for column in self.columns],
            quality=self.quality.to_dict(),
            sample=StoredSample(
                columns=[column.name for column in self.columns],
                rows=[list(row) for row in self.sample],
            ),
        )


Reading = tuple[tuple[FieldType, date | None] | None, Sensitivity | None]


class _Reader:
    """read_value and detect of a cell, remembered for short text: columns repeat dates, codes
    and names, and detection is the costliest step of a pass. Bounded, and kept for one file."""

    def __init__(self) -> None:
        self.seen: dict[str, Reading] = {}

    def __call__(self, cell: Cell) -> Reading:
        if not isinstance(cell, str) or len(cell) > MEMO_CHARS:
            return _read(cell)
        reading = self.seen.get(cell)
        if reading is None:
            reading = _read(cell)
            if len(self.seen) < MEMO_SIZE:
                self.seen[cell] = reading
        return reading


def _read(cell: Cell) -> Reading:
    read = read_value(cell)
    return read, None if read is None else detect(cell)


@dataclass
class _Tally:
    """Counters for one column, filled during the pass."""

    nulls: int = 0
    kinds: Counter[FieldType] = field(default_factory=Counter)
    detected: Counter[Sensitivity] = field(default_factory=Counter)
    newest: date | None = None

    def count(self, reading: Reading) -> None:
        """Add one cell, as the reader read it, to the counters."""
        read, sensitivity = reading
        if read is None:
            self.nulls += 1
            return
        kind, day = read
        self.kinds[kind] += 1
        if day is not None and (self.newest is None or day > self.newest):
            self.newest = day
        if sensitivity is not None:
            self.detected[sensitivity] += 1


def profile_table(
    table: Table,
    *,
    declared_personal: Collection[str] = (),
    sample_size: int = 20,
    seed: int | str = 0,
    today: date | None = None,
    file_format: FileFormat | None = None,
) -> Profile:
    """Read every row once: infer the schema, count for quality, keep a masked sample.

    `declared_personal` names columns the vendor says are personal; names the file lacks are
    the caller's to refuse. The sample is the same for the same `seed` and file. `file_format`
    defaults to the table's own.
    """
    if sample_size < 0:
        raise ValueError("sample_size must not be negative")
    fmt = file_format or table.format
    tallies = [_Tally() for _ in table.columns]
    reader = _Reader()
    chooser = random.Random(seed)
    reservoir: list[tuple[int, Row]] = []
    rows = 0
    for row in table:
        for tally, cell in zip(tallies, row, strict=True):
            tally.count(reader(cell))
        # Reservoir sampling (algorithm R): every row equally likely, memory bounded.
        if len(reservoir) < sample_size:
            reservoir.append((rows, row))
        else:
            slot = chooser.randrange(rows + 1)
            if slot < sample_size:
                reservoir[slot] = (rows, row)
        rows += 1

    detected = [_detected(tally) for tally in tallies]
    # Phone, ID and card numbers are identifiers made of digits, not quantities.
    types = [
        FieldType.STRING if found in IDENTIFIERS else infer_type(tally.kinds)
        for tally, found in zip(tallies, detected, strict=True)
    ]
    columns = tuple(
        ColumnProfile(
            name=name,
            type=kind,
            sensitivity=Sensitivity.DECLARED if name in declared_personal else found,
            null_count=tally.nulls,
        )
        for name, kind, found, tally in zip(table.columns, types, detected, tallies, strict=True)
    )
    sensitivities = [column.sensitivity for column in columns]
    sample = tuple(
        tuple(_plain(cell) for cell in mask_row(row, sensitivities))
        for _, row in sorted(reservoir, key=lambda entry: entry[0])
    )
    quality = assess(_tallies(rows, tallies, types, detected), fmt, today or date.today())
    return Profile(fmt, rows, columns, quality, sample)


def read_value(cell: Cell) -> tuple[FieldType, date | None] | None:
    """The type a single value shows, with its date for temporal ones; None when empty.

    Text is read as: integer (no leading zero, at most 15 digits, so codes and ID numbers stay
    text), decimal, boolean (true/false, yes/no, 是/否), date (2024-01-31, 2024/1/31,
    2024年1月31日), datetime (a date then a time); anything else is a string.
    A datetime at midnight without a zone (how spreadsheets store dates) counts as a date.
    """
    if cell is None:
        return None
    if isinstance(cell, bool):
        return FieldType.BOOLEAN, None
    if isinstance(cell, int):
        return FieldType.INTEGER, None
    if isinstance(cell, float):
        return FieldType.DECIMAL, None
    if isinstance(cell, datetime):
        if cell.time() == time() and cell.tzinfo is None:
            return FieldType.DATE, cell.date()
        return FieldType.DATETIME, cell.date()
    if isinstance(cell, date):
        return FieldType.DATE, cell
    text = cell.strip()
    if not text:
        return None
    if INTEGER_TEXT.fullmatch(text):
        return FieldType.INTEGER, None
    if DECIMAL_TEXT.fullmatch(text):
        return FieldType.DECIMAL, None
    if text.casefold() in BOOLEAN_TEXT:
        return FieldType.BOOLEAN, None
    return _read_date(text)


def infer_type(kinds: Mapping[FieldType, int]) -> FieldType:
    """A column's type from the types its non-empty values show.

    Values fall in families: boolean; number (integer, decimal); time (date, datetime); string.
    The family holding more than half of the non-empty values wins, else the column is string.
    Within the winner, the narrower type holds only when every value of the family is of it:
    integer unless some number is a decimal, date unless some time is a datetime.
    """
    families: Counter[FieldType] = Counter()
    for kind, count in kinds.items():
        families[FAMILIES[kind]] += count
    total = sum(families.values())
    winner = next((family for family, count in families.items() if count * 2 > total), None)
    if winner is None or winner is FieldType.STRING:
        return FieldType.STRING
    if winner is FieldType.DECIMAL and not kinds.get(FieldType.DECIMAL):
        return FieldType.INTEGER
    if winner is FieldType.DATETIME and not kinds.get(FieldType.DATETIME):
        return FieldType.DATE
    return winner


def _read_date(text: str) -> tuple[FieldType, date | None]:
    match = DATE_TEXT.fullmatch(text)
    if match is None:
        return FieldType.STRING, None
    parts = match.groupdict()
    try:
        day = date(
            int(parts["year"]),
            int(parts["month"] or parts["cn_month"]),
            int(parts["day"] or parts["cn_day"]),
        )
        if parts["hour"] is not None:
            time(int(parts["hour"]), int(parts["minute"]), int(parts["second"] or 0))
    except ValueError:
        return FieldType.STRING, None
    return (FieldType.DATE if parts["hour"] is None else FieldType.DATETIME), day


def _detected(tally: _Tally) -> Sensitivity | None:
    """The kind detected in at least SENSITIVE_SHARE of the column's values, if any."""
    non_empty = sum(tally.kinds.values())
    if not tally.detected:
        return None
    kind, count = tally.detected.most_common(1)[0]
    return kind if count >= SENSITIVE_SHARE * non_empty else None


def _tallies(
    rows: int,
    tallies: list[_Tally],
    types: list[FieldType],
    detected: list[Sensitivity | None],
) -> Tallies:
    """Sum the column counters into what the quality scores need."""
    agreeing = patterned = well_formed = 0
    newest: date | None = None
    for tally, kind, found in zip(tallies, types, detected, strict=True):
        non_empty = sum(tally.kinds.values())
        family = FAMILIES[kind]
        in_family = sum(count for shown, count in tally.kinds.items() if FAMILIES[shown] is family)
        agreeing += non_empty if family is FieldType.STRING else in_family
        if found is not None:
            patterned += non_empty
            well_formed += tally.detected[found]
        elif family is FieldType.DATETIME:
            patterned += non_empty
            well_formed += in_family
        if family is FieldType.DATETIME and tally.newest is not None:
            newest = tally.newest if newest is None else max(newest, tally.newest)
    empty = sum(tally.nulls for tally in tallies)
    return Tallies(rows * len(tallies), empty, agreeing, patterned, well_formed, newest)


def _plain(cell: Cell) -> SampleCell:
    """A sample cell as JSON can hold it: dates in ISO 8601, infinities as text, long text cut."""
    if isinstance(cell, str) and len(cell) > SAMPLE_CELL_CHARS:
        return cell[:SAMPLE_CELL_CHARS] + "…"
    if isinstance(cell, datetime) and cell.time() == time() and cell.tzinfo is None:
        return cell.date().isoformat()  # a spreadsheet date, shown as the date it is
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, float) and math.isinf(cell):
        return str(cell)
    return cell
