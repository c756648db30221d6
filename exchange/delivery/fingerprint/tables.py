"""The four catalog formats as columns of cells, and back to bytes in the same format.

Each reader returns the column names, the columns' values and a writer that applies changed
cells and serialises the copy again: a CSV keeps its encoding (UTF-8 with or without BOM, or
GB18030), delimiter, line ending and header; a JSON array (or {"data": [...]}) keeps its keys
and their order; an XLSX workbook keeps its sheets and formats; a Parquet file keeps its schema.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from exchange.catalog.domain import FileFormat
from exchange.catalog.ingest.formats import IngestError, extension_format
from exchange.delivery.fingerprint.marks import Change
from exchange.kernel import json_depth
from exchange.kernel.i18n import N_

CSV_DELIMITERS = (",", "\t", ";", "|")


class UnreadableCopy(Exception):
    """A file that cannot be read as the format its name says; `message` is an N_ string."""

    def __init__(self, message: str = N_("The file cannot be read as a data table")) -> None:
        self.message = message
        super().__init__(message)


@dataclass
class Sheet:
    """A file's columns (names and values) and how to write it back with changes.

    `unmarked` are columns read only to be desensitised (Parquet text): marks never ride on
    them, so a copy is marked as it was before they were read.
    """

    names: list[str]
    columns: list[list[Any]]
    write: Callable[[Sequence[Change]], bytes]
    unmarked: frozenset[int] = frozenset()

    def marked_columns(self) -> list[list[Any]]:
        """The columns as the marks see them: the unmarked ones empty."""
        return [
            [None] * len(values) if index in self.unmarked else values
            for index, values in enumerate(self.columns)
        ]


def read(content: bytes, file_name: str) -> Sheet:
    """The file as columns; UnreadableCopy when its name or content is no catalog format."""
    try:
        fmt = extension_format(file_name)
    except IngestError as error:
        raise UnreadableCopy(error.message) from None
    readers = {
        FileFormat.CSV: _csv,
        FileFormat.JSON: _json,
        FileFormat.XLSX: _xlsx,
        FileFormat.PARQUET: _parquet,
    }
    try:
        return readers[fmt](content)
    except UnreadableCopy:
        raise
    except Exception:  # each library has its own errors for a malformed file
        raise UnreadableCopy() from None


def _by_columns(records: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    return [[r[i] if i < len(r) else None for r in records] for i in range(width)]


# CSV


def _csv(content: bytes) -> Sheet:
    bom = content.startswith(codecs.BOM_UTF8)
    try:
        text, encoding = content.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = content.decode("gb18030"), "gb18030"
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max(CSV_DELIMITERS, key=first_line.count)
    ending = "\r\n" if first_line.endswith("\r") else "\n"
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    start = next((i for i, r in enumerate(records) if any(c.strip() for c in r)), None)
    if start is None:
        raise UnreadableCopy(N_("The file has no header row"))
    names, body = records[start], records[start + 1 :]

    def write(changes: Sequence[Change]) -> bytes:
        for change in changes:
            body[change.row][change.column] = change.value
        out = io.StringIO(newline="")
        csv.writer(out, delimiter=delimiter, lineterminator=ending).writerows(records)
        written = out.getvalue()
        if not text.endswith(("\n", "\r")):
            written = written.removesuffix(ending)
        return (codecs.BOM_UTF8 if bom else b"") + written.encode(encoding)

    return Sheet([n.strip() for n in names], _by_columns(body, len(names)), write)


# JSON


def _json(content: bytes) -> Sheet:
    text = content.decode("utf-8-sig")
    document = json_depth.loads(text)  # a suspect file from outside: measured before parsing
    items = document.get("data") if isinstance(document, dict) else document
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise UnreadableCopy(N_("The JSON is not an array of objects"))
    names = list({key: None for item in items for key in item})
    columns = [[item.get(name) for item in items] for name in names]
    indent = 2 if "\n" in text.strip() else None

    def write(changes: Sequence[Change]) -> bytes:
        for change in changes:
            items[change.row][names[change.column]] = change.value
        bom = codecs.BOM_UTF8 if content.startswith(codecs.BOM_UTF8) else b""
        return bom + json.dumps(document, ensure_ascii=False, indent=indent).encode()

    return Sheet(names, columns, write)


# XLSX: the first worksheet, as the catalog reads it


def _xlsx(content: bytes) -> Sheet:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    records = [list(r) for r in sheet.iter_rows(values_only=True)]
    start = next((i for i, r in enumerate(records) if any(c is not None for c in r)), None)
    if start is None:
        raise UnreadableCopy(N_("The file has no header row"))
    names = [str(n).strip() if n is not None else "" for n in records[start]]
    body = records[start + 1 :]

    def write(changes: Sequence[Change]) -> bytes:
        for change in changes:
            sheet.cell(row=start + 2 + change.row, column=change.column + 1).value = change.value
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()

    return Sheet(names, _by_columns(body, len(names)), write)


# Parquet: only numeric columns are converted to Python values; the rest pass through


def _parquet(content: bytes) -> Sheet:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(content))
    numeric = (pa.types.is_integer, pa.types.is_float64, pa.types.is_decimal)
    text = (pa.types.is_string, pa.types.is_large_string)
    columns: list[list[Any]] = []
    unmarked = set()
    for i, field in enumerate(table.schema):
        if any(test(field.type) for test in numeric):
            columns.append(table.column(i).to_pylist())
        elif any(test(field.type) for test in text):
            columns.append(table.column(i).to_pylist())
            unmarked.add(i)
        else:
            columns.append([None] * table.num_rows)

    def write(changes: Sequence[Change]) -> bytes:
        changed = sorted({c.column for c in changes})
        for change in changes:
            columns[change.column][change.row] = change.value
        marked = table
        for index in changed:
            field = table.schema.field(index)
            values = columns[index]
            if any(isinstance(v, str) for v in values) and not pa.types.is_string(field.type):
                # A masked or pseudonymised number (a phone stored as int64) becomes text.
                values = [None if v is None else str(v) for v in values]
                field = field.with_type(pa.string())
            marked = marked.set_column(index, field, pa.array(values, type=field.type))
        out = io.BytesIO()
        pq.write_table(marked, out)
        return out.getvalue()

    return Sheet(list(table.column_names), columns, write, frozenset(unmarked))
