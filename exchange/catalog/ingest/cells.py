"""What every format's reader shares: the row types, the header rules and the cell values."""

from __future__ import annotations

import json
import math
from collections.abc import Generator, Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal

from exchange.catalog.ingest.formats import UnreadableFile
from exchange.kernel.i18n import N_

Cell = str | int | float | bool | datetime | date | None
Row = tuple[Cell, ...]
Opened = tuple[list[str], Generator[Row, None, None]]  # the header, and the rows to come


# Shared rules: the header and how far a row may differ from it.


def check_header(cells: Sequence[object], *, spreadsheet: bool = False) -> list[str]:
    """Column names from a header row; blank and repeated names refused.

    A spreadsheet's header (CSV, XLSX) loses trailing blank cells, and is refused when every
    name is a number: that first row is data, and the header is missing.
    """
    # Spreadsheet cells lose stray spaces; JSON keys and Parquet names are used exactly.
    names = [_header_name(cell) if spreadsheet else str(cell) for cell in cells]
    while spreadsheet and names and not names[-1]:
        names.pop()
    if not names:
        raise UnreadableFile(N_("The file has no header row"))
    first_seen: dict[str, int] = {}
    for number, name in enumerate(names, start=1):
        if not name.strip():
            raise UnreadableFile(
                N_("Column %(column)s has no name in the header row"), column=number
            )
        if name in first_seen:
            raise UnreadableFile(
                N_("Column %(column)s repeats the name %(name)s of column %(first)s"),
                column=number,
                name=name,
                first=first_seen[name],
            )
        first_seen[name] = number
    if spreadsheet and all(_is_number(name) for name in names):
        raise UnreadableFile(N_("The first row holds numbers, not column names; add a header row"))
    return names


def fit_row(cells: Sequence[Cell], width: int, number: int) -> Row:
    """The row padded or cut to the header's width; only blank cells may be cut."""
    if len(cells) > width:
        filled = max(index for index, cell in enumerate(cells) if not _blank(cell)) + 1
        if filled > width:
            raise UnreadableFile(
                N_("Row %(row)s has %(found)s values but the header names %(expected)s columns"),
                row=number,
                found=filled,
                expected=width,
            )
        return tuple(cells[:width])
    return tuple(cells) + (None,) * (width - len(cells))


def _header_name(cell: object) -> str:
    value = to_cell(cell)
    if value is None:
        return ""
    if isinstance(value, datetime) and value.time() == time():
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def blank_row(cells: Iterable[Cell]) -> bool:
    """Whether every cell is empty or only spaces, as on the blank lines of spreadsheet exports."""
    return all(_blank(cell) for cell in cells)


def to_cell(value: object) -> Cell:
    """A raw value as one of the plain types rows carry; anything exotic becomes text."""
    if value is None or isinstance(value, str | bool | int | date):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, Decimal):
        return None if value.is_nan() else str(value)
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.hex()
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)
