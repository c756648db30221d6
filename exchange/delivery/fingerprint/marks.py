"""The marks themselves, on columns of cell values whatever format they came from.

A numeric cell is read at its column's precision as a signed digit string; its last digit is
the carrier. A row's identity hashes its numeric cells without their last digits, so marking a
row never changes which rows are marked; whether a row is marked depends on that hash alone
(a *level* of 2^level), and the parity each marked cell must show depends on the buyer's key.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, NamedTuple, TypedDict, TypeVar

K = TypeVar("K", bound=Hashable)

NUMBER = re.compile(r"(-?)(0|[1-9]\d*)(?:\.(\d+))?")
LEVELS = range(6, -1, -1)  # a row is marked when its hash is divisible by 2**level
TARGET_MARKS = 512  # a file is marked at the sparsest level that still carries this many
MAX_EVIDENCE = 1024  # marks read per level when identifying: plenty, and bounded in time
MIN_EVIDENCE = 16  # fewer marks than this identify nobody
MAX_DECIMALS = 10
MAX_INTEGER_DIGITS = 9  # longer integers are identifiers (phone, ID and account numbers)
MIN_INTEGER = 100  # small counts would change by too large a share of themselves
YEARS = (1900, 2100)
MATCH_P = 1e-6  # a match is a chance at most this small, after every comparison is counted
MATCH_SHARE = 0.75  # and at least this share of the marks read agree with the key
ID_NAME = re.compile(r"(^|[^a-z])(id|no|code|year)([^a-z]|$)|编号|代码|编码|号码|年份", re.I)


@dataclass(frozen=True)
class Carrier:
    """A column whose numbers carry marks, the precision they are read at, and their texts."""

    index: int
    name: str
    decimals: int
    texts: list[str | None] = field(repr=False, compare=False)


@dataclass(frozen=True)
class Change:
    """One cell to rewrite: its column (index into the columns given) and row."""

    column: int
    row: int
    value: Any


class MarkEvidence(TypedDict, Generic[K]):
    """Why a copy matched: the level read, how many marks agreed, the chance of a fluke, the
    columns read, how many candidates were tried and which others matched too."""

    level: int
    marks_read: int
    marks_agreeing: int
    chance: float
    columns: list[str]
    candidates: int
    also_matching: list[K]


@dataclass(frozen=True)
class Match(Generic[K]):
    """The entitlement whose marks a suspect copy carries, how sure, and why."""

    entitlement: K
    score: float  # -log10 of the chance an unmarked copy agrees this well
    confidence: float
    evidence: MarkEvidence[K]


def text_of(value: Any) -> str | None:
    """A cell as plain decimal text, or None when it is no number a mark can ride on."""
    if isinstance(value, str):
        text = value.strip()
    elif isinstance(value, bool) or value is None:
        return None
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        if not math.isfinite(value) or abs(value) >= 1e15:
            return None
        text = repr(value)
        if text.endswith(".0"):
            text = text[:-2]  # a float shows no precision of its own; 3.0 is the integer 3
    elif isinstance(value, Decimal):
        if not value.is_finite():
            return None
        text = format(value, "f")
    else:
        return None
    return text if NUMBER.fullmatch(text) else None


def carriers(names: Sequence[str], columns: Sequence[Sequence[Any]]) -> list[Carrier]:
    """The columns that are numbers nearly throughout and are not identifiers or years."""
    found = []
    for index, (name, values) in enumerate(zip(names, columns, strict=True)):
        present = numeric = decimals = 0
        smallest, biggest = math.inf, 0
        texts = []
        for value in values:
            text = text_of(value)
            texts.append(text)
            if value is None or value == "":
                continue
            present += 1
            if text is None:
                continue
            numeric += 1
            whole, _, fraction = text.lstrip("-").partition(".")
            decimals = max(decimals, len(fraction))
            size = int(whole) if len(whole) <= MAX_INTEGER_DIGITS else 10**MAX_INTEGER_DIGITS
            smallest, biggest = min(smallest, size), max(biggest, size)
        if not numeric or numeric < 0.9 * present or decimals > MAX_DECIMALS:
            continue
        if decimals == 0 and not _quantities(str(name), smallest, biggest):
            continue
        found.append(Carrier(index, str(name), decimals, texts))
    return found


def _quantities(name: str, smallest: float, biggest: int) -> bool:
    """Whether an integer column holds quantities (marked) rather than codes or years."""
    years = YEARS[0] <= smallest and biggest <= YEARS[1]
    sized = MIN_INTEGER <= biggest < 10**MAX_INTEGER_DIGITS
    return sized and not years and not ID_NAME.search(name)


def scaled(text: str, decimals: int) -> tuple[str, str]:
    """The sign and the digits of the number times 10**decimals."""
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.removeprefix("-").partition(".")
    return sign, whole + fraction.ljust(decimals, "0")


def unscaled(sign: str, digits: str, decimals: int) -> str:
    """Decimal text of sign and digits read at the precision."""
    if not decimals:
        return sign + (digits.lstrip("0") or "0")
    whole, fraction = digits[:-decimals], digits[-decimals:]
    return f"{sign}{whole.lstrip('0') or '0'}.{fraction}"


class Cell(NamedTuple):
    """A carrier cell of a row: where it is, its sign and its digits at the column's precision."""

    carrier: Carrier
    row: int
    sign: str
    digits: str


class Row(NamedTuple):
    """A row's identity (a hash of its carriers without their last digits) and its cells."""

    identity: bytes
    number: int  # the identity as an integer, for the levels
    cells: tuple[Cell, ...]


def rows_of(found: Sequence[Carrier]) -> list[Row]:
    """Every row with at least one carrier cell, identified by its carriers' leading digits."""
    rows = []
    length = max((len(c.texts) for c in found), default=0)
    for row in range(length):
        cells = []
        parts = []
        for carrier in found:
            text = carrier.texts[row]
            if text is None:
                continue
            sign, digits = scaled(text, carrier.decimals)
            cells.append(Cell(carrier, row, sign, digits))
            parts.append(f"{carrier.name}\x1e{sign}{digits[:-1]}")
        if cells:
            identity = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).digest()
            rows.append(Row(identity, int.from_bytes(identity[:8], "little"), tuple(cells)))
    return rows


def keyed(key: bytes, row: Row, cell: Cell) -> tuple[int, int]:
    """The parity the buyer's key asks of this cell, and which way to move a middle digit."""
    byte = hashlib.blake2b(row.identity + cell.carrier.name.encode(), key=key, digest_size=1)
    value = byte.digest()[0]
    return value & 1, (value >> 1) & 1


def on_level(row: Row, level: int) -> bool:
    """Whether the row is marked at this level."""
    return row.number % (1 << level) == 0


def embed(
    names: Sequence[str], columns: Sequence[Sequence[Any]], key: bytes
) -> tuple[list[Change], int, int]:
    """The changes that mark a copy for the key, the number of cells marked and the level."""
    found = carriers(names, columns)
    rows = rows_of(found)
    level = next(
        (
            level
            for level in LEVELS
            if sum(len(r.cells) for r in rows if on_level(r, level)) >= TARGET_MARKS
        ),
        0,
    )
    changes = []
    marked = 0
    for row in rows:
        if not on_level(row, level):
            continue
        for cell in row.cells:
            marked += 1
            parity, upward = keyed(key, row, cell)
            last = int(cell.digits[-1])
            if last % 2 == parity:
                continue
            # Stay inside the same ten so the row's identity keeps: 0 only rises, 9 only falls.
            moved = last + 1 if last == 0 or (upward and last != 9) else last - 1
            text = unscaled(cell.sign, cell.digits[:-1] + str(moved), cell.carrier.decimals)
            original = columns[cell.carrier.index][cell.row]
            changes.append(Change(cell.carrier.index, cell.row, retyped(original, text)))
    return changes, marked, level


def retyped(original: Any, text: str) -> Any:
    """The new number in the original cell's type."""
    if isinstance(original, str):
        return text
    if isinstance(original, Decimal):
        return Decimal(text)
    if isinstance(original, int) and "." not in text:
        return int(text)
    return float(text)


@dataclass(frozen=True)
class Observed:
    """One mark position as read from a suspect copy: its identity, hash and parity seen."""

    identity: bytes
    number: int
    column: str
    parity: int


def observe(names: Sequence[str], columns: Sequence[Sequence[Any]]) -> list[Observed]:
    """Every mark position of a suspect copy, a repeated position read by majority."""
    seen: dict[tuple[bytes, str], list[int]] = {}
    numbers: dict[bytes, int] = {}
    for row in rows_of(carriers(names, columns)):
        numbers[row.identity] = row.number
        for cell in row.cells:
            seen.setdefault((row.identity, cell.carrier.name), []).append(int(cell.digits[-1]) % 2)
    observed = []
    for (identity, column), parities in seen.items():
        odd = sum(parities)
        if 2 * odd != len(parities):  # a tie says nothing
            parity = int(2 * odd > len(parities))
            observed.append(Observed(identity, numbers[identity], column, parity))
    return observed


def tails(marks: int) -> list[float]:
    """log10 of the chance that at least k of `marks` fair coin flips agree, for every k."""
    row = [1] * (marks + 1)
    for k in range(1, marks + 1):
        row[k] = row[k - 1] * (marks - k + 1) // k
    found = [0.0] * (marks + 1)
    total = 0
    for k in range(marks, -1, -1):
        total += row[k]
        found[k] = math.log10(total) - marks * math.log10(2)
    return found


def identify(
    names: Sequence[str], columns: Sequence[Sequence[Any]], candidates: Mapping[K, bytes]
) -> Match[K] | None:
    """The candidate whose key the copy's marks agree with far beyond chance, or None."""
    observed = sorted(observe(names, columns), key=lambda o: (o.number, o.column))
    levels: dict[int, list[Observed]] = {}
    for level in LEVELS:
        step = 1 << level
        chosen = list(itertools.islice((o for o in observed if o.number % step == 0), MAX_EVIDENCE))
        if len(chosen) >= MIN_EVIDENCE:
            levels[level] = chosen
    if not levels or not candidates:
        return None
    chances = {level: tails(len(marks)) for level, marks in levels.items()}
    union = {(o.identity, o.column): o for marks in levels.values() for o in marks}
    # Every level tried for every candidate is one more chance of a fluke: count them all.
    trials = math.log10(len(levels) * len(candidates))
    results = []
    for entitlement, key in candidates.items():
        agrees = {place: _expected(key, o) == o.parity for place, o in union.items()}
        best = (1.0, 0, 0, 0)
        for level, marks in levels.items():
            agreeing = sum(agrees[(o.identity, o.column)] for o in marks)
            log_p = min(0.0, chances[level][agreeing] + trials)
            if log_p < best[0]:
                best = (log_p, level, len(marks), agreeing)
        results.append((best, entitlement))
    results.sort(key=lambda r: r[0][0])
    (log_p, level, read, agreeing), entitlement = results[0]
    if log_p > math.log10(MATCH_P) or agreeing < MATCH_SHARE * read:
        return None
    others = [e for (lp, *_), e in results[1:] if lp <= math.log10(MATCH_P)]
    return Match(
        entitlement=entitlement,
        score=round(-log_p, 2),
        confidence=1 - 10**log_p,
        evidence=MarkEvidence(
            level=level,
            marks_read=read,
            marks_agreeing=agreeing,
            chance=10**log_p,
            columns=sorted({o.column for o in levels[level]}),
            candidates=len(candidates),
            also_matching=others,
        ),
    )


def _expected(key: bytes, observed: Observed) -> int:
    byte = hashlib.blake2b(observed.identity + observed.column.encode(), key=key, digest_size=1)
    return byte.digest()[0] & 1
