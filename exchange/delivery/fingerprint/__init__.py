"""Fingerprints in buyers' copies of tabular data, and naming the buyer a leaked copy came from.

Pure: bytes in, bytes out; no Flask, no database. The delivery service marks each download with
its entitlement's secret key; the regulator's trace runs `identify` over the keys it holds.

How a copy is marked
--------------------
The carriers are numeric columns: numbers in at least 90% of their non-empty cells, read at the
column's precision (the most decimals any of its cells shows), e.g. a price column shown to
the fen. Integer columns carry marks only when they hold quantities: at least 100, at most nine
digits, not years and not named like an identifier (id, code, 编号 …) — so phone numbers, ID
numbers, codes and years are never touched.

Each row has an *identity*: a hash of its carrier cells without their last digit. Marking only
moves a last digit by one inside its ten (0 only rises, 9 only falls), so a marked row keeps
its identity; the identity does not depend on the row's position, so shuffling, dropping or
duplicating rows does not lose the marks of the rows that remain.

A row is marked when its identity is divisible by 2**level; the level is the sparsest (at most
1 row in 64) that still gives 512 marked cells, or every row for small files. In a marked row
each carrier cell must show a last digit whose parity is a keyed bit (BLAKE2b keyed with the
buyer's 32-byte key over the row identity and the column name); a cell of the wrong parity
moves one unit in the last place, up or down as another keyed bit says, so column sums move by
a few units of their last place and no value moves more than one. Which rows are marked is the
same for every buyer; which cells are changed and how differs per key.

Re-saving keeps the marks: a CSV reopened and saved by a spreadsheet may drop trailing zeros
(71250.10 → 71250.1), which still reads the same at the column's precision; XLSX and Parquet
keep numbers as numbers; a JSON re-dump keeps them as numbers.

How a copy is identified
------------------------
`identify` reads every mark position of the suspect copy (a position seen twice is read by
majority), and for each level takes at most 1024 positions (the lowest identities, which are
the same for any subset of the rows). For each candidate key it counts how many positions show
the keyed parity. An unmarked copy, or another buyer's, agrees with a key like fair coin flips;
the binomial tail gives the chance of agreeing as well as observed, multiplied by the number of
levels and candidates tried. The best candidate is named when that chance is at most 1e-6 and
at least 75% of its positions agree; the score is -log10 of the chance, and the evidence names
the level, the positions read and agreeing, the columns and any other candidate that would also
have matched (a sign of copies combined by colluding buyers).

Limits
------
A file without carrier columns (text only, or identifiers only) cannot be marked: `fingerprint`
returns it unchanged with zero marks. Rounding every number to fewer decimals, or converting a
copy to another format, erases or weakens the marks; an attacker holding two buyers' copies can
find the changed cells by comparing them, though not make a copy pointing at a third buyer.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from exchange.delivery.fingerprint import marks, tables
from exchange.delivery.fingerprint.marks import Change, MarkEvidence, Match
from exchange.delivery.fingerprint.tables import UnreadableCopy

__all__ = [
    "Change",
    "Marked",
    "Prepare",
    "MarkEvidence",
    "Match",
    "UnreadableCopy",
    "column_names",
    "fingerprint",
    "identify",
]

K = TypeVar("K", bound=Hashable)
# Cells to rewrite before marking, from the file's column names and columns.
Prepare = Callable[[Sequence[str], Sequence[Sequence[Any]]], list[Change]]


@dataclass(frozen=True)
class Marked:
    """A buyer's copy: its bytes, how many cells carry marks, and the level they were put at."""

    content: bytes
    marks: int
    level: int


def fingerprint(
    content: bytes, file_name: str, key: bytes, *, prepare: Prepare | None = None
) -> Marked:
    """The file marked for the key, in its own format; UnreadableCopy if it cannot be read.

    `prepare` rewrites cells first (desensitising personal columns); the marks are then put
    on the copy as prepared, and both are written in one pass.
    """
    sheet = tables.read(content, file_name)
    prepared = prepare(sheet.names, sheet.columns) if prepare else []
    for change in prepared:
        sheet.columns[change.column][change.row] = change.value
    changes, marked, level = marks.embed(sheet.names, sheet.marked_columns(), key)
    if not marked and not prepared:
        return Marked(content, 0, level)
    return Marked(sheet.write([*prepared, *changes]), marked, level)


def identify(suspect: bytes, file_name: str, candidates: Mapping[K, bytes]) -> Match[K] | None:
    """The candidate (entitlement → key) whose marks the suspect copy carries, or None."""
    sheet = tables.read(suspect, file_name)
    return marks.identify(sheet.names, sheet.marked_columns(), candidates)


def column_names(content: bytes, file_name: str) -> list[str]:
    """The file's column names, to find which products a suspect copy may come from."""
    return tables.read(content, file_name).names
