"""The demo products' files: synthetic tables written as CSV, XLSX, JSON or Parquet, byte for byte
the same on every run."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from demo.specs import DemoProduct
from demo.synthetic import Cell, Table, build_table
from exchange.catalog.domain import FileFormat

# Files carry this time wherever a format records one, so no two runs differ.
FIXED_TIME = datetime(2025, 7, 1, 9, 0, 0)
DEMO_LABEL = "赣数交易演示数据（synthetic demo data, not real figures）"


def generate_file(product: DemoProduct, version: int = 1) -> tuple[str, bytes]:
    """The file name and content of one version of a demo product, in its file format."""
    table = build_table(product, version)
    name = f"{product.key.replace('_', '-')}-v{version}.{product.file_format.value}"
    if product.file_format is FileFormat.CSV:
        return name, _csv(table, bom=product.csv_bom)
    if product.file_format is FileFormat.XLSX:
        return name, _xlsx(table, title=product.title_zh)
    if product.file_format is FileFormat.JSON:
        return name, _json(table)
    return name, _parquet(table, title=product.title_zh)


def _text(value: Cell) -> str:
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _csv(table: Table, *, bom: bool) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(table.header)
    writer.writerows([_text(value) for value in row] for row in table.rows)
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


def _json_value(value: Cell) -> str | int | float:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _json(table: Table) -> bytes:
    records = [
        {name: _json_value(value) for name, value in zip(table.header, row, strict=True)}
        for row in table.rows
    ]
    return json.dumps(records, ensure_ascii=False, indent=1).encode("utf-8")


def _xlsx(table: Table, *, title: str) -> bytes:
    workbook = Workbook(write_only=True)  # rows stream out rather than sit in memory as cells
    sheet = workbook.create_sheet("数据")
    for column, name in enumerate(table.header, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = max(10, 2 * len(name) + 2)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_styled(sheet, name, font=bold) for name in table.header])
    for row in table.rows:
        sheet.append([_xlsx_value(sheet, value) for value in row])
    properties = workbook.properties
    properties.creator = properties.lastModifiedBy = "赣数交易"
    properties.title, properties.description = title, DEMO_LABEL
    properties.created = FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _with_fixed_times(buffer.getvalue())


def _styled(
    sheet: object, value: Cell, *, font: Font | None = None, number_format: str = ""
) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if font is not None:
        cell.font = font
    if number_format:
        cell.number_format = number_format
    return cell


def _xlsx_value(sheet: object, value: Cell) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return _styled(sheet, value, number_format="yyyy-mm-dd hh:mm")
    if isinstance(value, date):
        return _styled(sheet, value, number_format="yyyy-mm-dd")
    return value


def _with_fixed_times(archive: bytes) -> bytes:
    """The same archive with FIXED_TIME wherever openpyxl and zipfile wrote the wall clock: the
    entries' timestamps and the workbook's modified property (set on every save)."""
    modified = f"{FIXED_TIME:%Y-%m-%dT%H:%M:%SZ}".encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(archive)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            data = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + modified, data)
            info = zipfile.ZipInfo(entry.filename, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, data)
    return out.getvalue()


def _parquet(table: Table, *, title: str) -> bytes:
    columns = {
        name: [float(v) if isinstance(v, Decimal) else v for v in column]
        for name, column in zip(table.header, zip(*table.rows, strict=True), strict=True)
    }
    arrow = pa.table(columns).replace_schema_metadata(
        {"title": title, "source": DEMO_LABEL, "generated": FIXED_TIME.isoformat()}
    )
    buffer = io.BytesIO()
    pq.write_table(arrow, buffer, compression="snappy")
    return buffer.getvalue()
