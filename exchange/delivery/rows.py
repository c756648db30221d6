"""The data API's rows, pure: a page of a buyer's copy with the fields asked for, filtered on
declared columns and compared by each column's declared type, from a position onwards.

A page scans at most SCAN_LIMIT rows of the copy, so a filter that matches little cannot make
one call read millions of rows: the page then holds what the scan found and its cursor goes on
from where the scan stopped (a short or empty page with a cursor means "keep reading").

Filters read the cells as they are; a page is written from each column's cells as JSON, which a
caller may keep (ServedColumns) so a cached copy's columns are written once, not on every call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Protocol

from exchange.catalog.domain import FieldType
from exchange.kernel.errors import ValidationFailed
from exchange.kernel.i18n import N_

SCAN_LIMIT = 100_000
MAX_FILTERS = 10


class Op(StrEnum):
    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LTE = "lte"
    GT = "gt"
    GTE = "gte"


_FILTER = re.compile(r"^(?P<column>.+?):(?P<op>eq|ne|lte|lt|gte|gt):(?P<value>.*)$", re.DOTALL)
_TESTS: dict[Op, Callable[[Any, Any], bool]] = {
    Op.EQ: lambda a, b: a == b,
    Op.NE: lambda a, b: a != b,
    Op.LT: lambda a, b: a < b,
    Op.LTE: lambda a, b: a <= b,
    Op.GT: lambda a, b: a > b,
    Op.GTE: lambda a, b: a >= b,
}


@dataclass(frozen=True)
class Filter:
    """One condition on a declared column: `column:op:value` in the query string."""

    column: str
    op: Op
    value: str


@dataclass(frozen=True)
class RowsQuery:
    """What one call asks for: the fields (None: all), the filters, where to start, how many."""

    fields: tuple[str, ...] | None
    filters: tuple[Filter, ...]
    position: int
    limit: int


@dataclass(frozen=True)
class RowsPage:
    """One page of rows, and the position the next page starts from (None: no more rows)."""

    fields: tuple[str, ...]
    rows: list[dict[str, Any]]
    next_position: int | None


def parse_filter(text: str) -> Filter:
    """`column:op:value`; a 422 naming `where` when it is not that shape."""
    found = _FILTER.match(text)
    if found is None:
        raise ValidationFailed.on(
            "where", N_("Write each filter as column:op:value, op one of eq ne lt lte gt gte.")
        )
    return Filter(found["column"], Op(found["op"]), found["value"])


def _reader(field_type: FieldType) -> Callable[[Any], Any]:
    """How a cell (or a filter's text) is read to compare it as its column's declared type."""
    if field_type in (FieldType.INTEGER, FieldType.DECIMAL):
        return lambda cell: Decimal(str(cell).strip().replace(",", ""))
    if field_type is FieldType.DATE:
        return lambda cell: date.fromisoformat(str(cell).strip()[:10].replace("/", "-"))
    if field_type is FieldType.DATETIME:
        return lambda cell: datetime.fromisoformat(str(cell).strip()).replace(tzinfo=None)
    if field_type is FieldType.BOOLEAN:
        return lambda cell: str(cell).strip().lower() in ("true", "1", "yes", "是")
    return lambda cell: "" if cell is None else str(cell)


def _test(filter_: Filter, field_type: FieldType) -> Callable[[Any], bool]:
    read = _reader(field_type)
    try:
        wanted = read(filter_.value)
    except (InvalidOperation, ValueError):
        raise ValidationFailed.on(
            "where",
            N_("The value of the filter on %(column)s is not a %(type)s."),
            column=filter_.column,
            type=field_type.value,
        ) from None
    compare = _TESTS[filter_.op]

    def test(cell: Any) -> bool:
        if cell is None or cell == "" or filter_.value == "":
            # Blank is a value of its own: `eq` with nothing finds the blank cells, `ne` the rest.
            blank = cell is None or cell == ""
            wanted_blank = filter_.value == ""
            if filter_.op is Op.EQ:
                return blank == wanted_blank
            return filter_.op is Op.NE and blank != wanted_blank
        try:
            return compare(read(cell), wanted)
        except (InvalidOperation, ValueError, TypeError):
            return False  # a cell its column's type cannot read matches no comparison

    return test


def json_cell(cell: Any, field_type: FieldType) -> Any:
    """A cell as JSON: integers as numbers, decimals as exact strings, dates in ISO 8601."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    if field_type is FieldType.INTEGER:
        text = str(cell).strip()
        try:
            number = int(text)
        except ValueError:
            return text if isinstance(cell, str) else str(cell)
        return number if str(number) == text else text  # "0012" and "12.5" keep their text
    if field_type is FieldType.BOOLEAN and isinstance(cell, bool):
        return cell
    return cell if isinstance(cell, str) else str(cell)


def json_column(cells: Sequence[Any], field_type: FieldType) -> list[Any]:
    """A whole column as JSON cells (json_cell)."""
    return [json_cell(cell, field_type) for cell in cells]


class ServedColumns(Protocol):
    """Where a page takes its columns as JSON cells from (a cached copy keeps them)."""

    def __call__(self, index: int, field_type: FieldType) -> Sequence[Any]:
        """The column at this index as JSON cells of its declared type."""
        ...


def _matching(
    tests: Sequence[tuple[Sequence[Any], Callable[[Any], bool]]], query: RowsQuery, total: int
) -> tuple[Sequence[int], int]:
    """The positions of the page's rows, and where the scan stopped."""
    position = query.position
    if not tests:  # every row matches: the page is the next `limit` rows
        end = min(total, position + min(query.limit, SCAN_LIMIT))
        return range(position, end), max(position, end)
    found: list[int] = []
    stop = min(total, position + SCAN_LIMIT)
    while position < stop and len(found) < query.limit:
        if all(test(column[position]) for column, test in tests):
            found.append(position)
        position += 1
    return found, position


def page(
    names: Sequence[str],
    columns: Sequence[Sequence[Any]],
    types: Mapping[str, FieldType],
    query: RowsQuery,
    served: ServedColumns | None = None,
) -> RowsPage:
    """The rows from `query.position` that pass every filter, at most `query.limit` of them;
    cells come as JSON from `served` when given, else are written here."""
    index = {name: i for i, name in enumerate(names)}
    fields = query.fields if query.fields is not None else tuple(names)
    for field, names in (("fields", fields), ("where", [f.column for f in query.filters])):
        unknown = [name for name in names if name not in index]
        if unknown:
            raise ValidationFailed.on(
                field, N_("The product has no column %(column)s."), column=unknown[0]
            )
    if len(query.filters) > MAX_FILTERS:
        raise ValidationFailed.on("where", N_("At most 10 filters may be given."))
    tests = [
        (columns[index[f.column]], _test(f, types.get(f.column, FieldType.STRING)))
        for f in query.filters
    ]
    total = len(columns[0]) if columns else 0
    positions, position = _matching(tests, query, total)
    chosen = [(index[name], types.get(name, FieldType.STRING)) for name in fields]
    values: list[Sequence[Any]]
    if served is None:
        values = [[json_cell(columns[i][p], kind) for p in positions] for i, kind in chosen]
    elif isinstance(positions, range):
        values = [served(i, kind)[positions.start : positions.stop] for i, kind in chosen]
    else:
        values = [[column[p] for p in positions] for column in (served(*c) for c in chosen)]
    # Every column slice is as long as the page (strict zips would cost twice as much).
    rows = [dict(zip(fields, cells, strict=False)) for cells in zip(*values, strict=False)]
    if not fields:
        rows = [{} for _ in positions]
    return RowsPage(tuple(fields), rows, position if position < total else None)
