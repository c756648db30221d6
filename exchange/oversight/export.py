"""The regulators' export of the trade browser: every matching trade, not paged, as CSV or XLSX
headed in the reader's language, audited like a view.

Rules where the issue left a choice:

- At most 100,000 rows: a larger export is refused before any row is read, asking for
  narrower filters (one count query), so a spreadsheet never silently lacks trades.
- Same readers, filters, order and refusals as the browser (oversight/trades.py); a refused
  export writes nothing, a made one is an ``oversight.trades.export`` audit event with the
  filters, order, format and how many rows it held.
- Headings and labels (status, grade, regions, payment) go through the caller's
  ``translate`` (the web layer passes its gettext; untranslated by default), and names of
  boards and organisations are taken in ``language`` (zh_CN: Chinese, en: English). Both
  product titles are always given.
- Times are UTC, as the browser's date filters are.
- CSV is UTF-8 with a byte-order mark (so Excel reads Chinese), comma-separated, CRLF. A text
  cell starting with = + - @ or a tab gets a leading apostrophe so no spreadsheet runs a
  vendor's title as a formula; XLSX cells of text are typed as strings for the same reason.
- XLSX is written by openpyxl's write-only workbook, one sheet, numbers and times as such.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from exchange.catalog.domain import GRADE_LABELS
from exchange.kernel import audit
from exchange.kernel.actors import Actor
from exchange.kernel.errors import ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import LANGUAGES, REGIONS
from exchange.oversight.trade_query import DEFAULT_SORT, TradeFilters, check_sort
from exchange.oversight.trades import (
    TradeRow,
    check_boards,
    count_trades,
    require_reader,
    trade_row,
    trades_query,
)
from exchange.payments.domain import PAYMENT_STATUS_LABELS
from exchange.trading.domain import CONTRACT_STATUS_LABELS

EXPORTED = "oversight.trades.export"
MAX_EXPORT_ROWS = 100_000
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_TITLE = N_("Contracts")
COLUMNS = (
    N_("Contract"),
    N_("Date and time (UTC)"),
    N_("Industry board"),
    N_("Data product"),
    N_("Title in Chinese"),
    N_("Title in English"),
    N_("Vendor"),
    N_("Buyer"),
    N_("Regions"),
    N_("Classification grade"),
    N_("Price (CNY)"),
    N_("Exchange fee"),
    N_("Status"),
    N_("Payment"),
)
Translate = Callable[[str], str]


@dataclass(frozen=True)
class TradeExport:
    """An export ready to send: its bytes, media type, a file name and how many trades."""

    content: bytes
    media_type: str
    filename: str
    rows: int


def _as_is(message: str) -> str:
    return message


def export_trades(
    uow: UnitOfWork,
    actor: Actor,
    filters: TradeFilters,
    *,
    sort: str = DEFAULT_SORT,
    fmt: str = "csv",
    language: str = "zh_CN",
    translate: Translate = _as_is,
    limit: int = MAX_EXPORT_ROWS,
) -> TradeExport:
    """Every trade matching the filters as a CSV or XLSX file, for supervisors; audited.
    More than `limit` matching trades is refused."""
    require_reader(actor)
    check_sort(sort)
    if fmt not in MEDIA_TYPES:
        raise ValidationFailed.on("format", N_("Export as csv or xlsx."))
    if language not in LANGUAGES:
        raise ValidationFailed.on("language", N_("Choose Chinese or English."))
    session = uow.session
    check_boards(session, filters)
    total = count_trades(session, filters)
    if total > limit:
        raise ValidationFailed(
            N_("%(total)s trades match; an export holds at most %(limit)s. Narrow the filters."),
            errors={"filters": [N_("Narrow the filters to at most %(limit)s trades.")]},
            total=total,
            limit=limit,
        )
    query = trades_query(filters, sort).limit(limit)
    found = session.execute(query.execution_options(yield_per=1000))
    cells = (export_cells(trade_row(row), language, translate) for row in found)
    headings = [translate(heading) for heading in COLUMNS]
    if fmt == "csv":
        content, rows = write_csv(headings, cells)
    else:
        content, rows = write_xlsx(translate(SHEET_TITLE), headings, cells)
    audit.record(
        session,
        EXPORTED,
        actor=actor,
        filters=filters.as_detail(),
        sort=sort,
        format=fmt,
        rows=rows,
    )
    uow.commit()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return TradeExport(content, MEDIA_TYPES[fmt], f"trades-{stamp}.{fmt}", rows)


def export_cells(row: TradeRow, language: str, translate: Translate) -> list[Any]:
    """One trade's cells, in the order of COLUMNS: text, numbers and a naive UTC time."""
    name: Literal["name_zh", "name_en"] = "name_zh" if language == "zh_CN" else "name_en"
    separator = "、" if language == "zh_CN" else ", "
    payment = row["payment_status"]
    return [
        row["number"],
        row["date"].astimezone(UTC).replace(tzinfo=None),
        row["board"][name],
        row["product"]["id"],
        row["product"]["title_zh"],
        row["product"]["title_en"],
        row["vendor"][name],
        row["buyer"][name],
        separator.join(translate(REGIONS.get(r, r)) for r in row["regions"]),
        translate(GRADE_LABELS[row["grade"]]),
        row["price"],
        row["fee"],
        translate(CONTRACT_STATUS_LABELS[row["status"]]),
        translate(PAYMENT_STATUS_LABELS[payment]) if payment else "",
    ]


def _csv_text(value: Any) -> Any:
    """A cell as CSV writes it: times to the second, text never read as a formula."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(headings: list[str], rows: Iterable[list[Any]]) -> tuple[bytes, int]:
    """A header row and the rows as UTF-8 CSV with a byte-order mark; (bytes, rows written)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headings)
    count = 0
    for row in rows:
        writer.writerow([_csv_text(value) for value in row])
        count += 1
    return buffer.getvalue().encode("utf-8-sig"), count


def write_xlsx(title: str, headings: list[str], rows: Iterable[list[Any]]) -> tuple[bytes, int]:
    """A one-sheet workbook, written row by row; (bytes, rows written)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append([_xlsx_cell(sheet, heading) for heading in headings])
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        count += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    """A cell's value, or a styled cell where plain would be wrong: text that looks like a
    formula stays text, money shows to the fen (plain values keep big exports fast)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if not value.startswith(FORMULA_STARTS):
            return value
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "#,##0.00"
        return cell
    return value  # numbers as such; naive datetimes get openpyxl's date-time format
