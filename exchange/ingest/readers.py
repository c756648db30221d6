"""Stream the rows of an uploaded file, whatever its format, without loading it into memory."""

from __future__ import annotations

import codecs
import csv
import itertools
import json
import math
import re
import zipfile
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import ExitStack
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from exchange.domain.catalog import FileFormat
from exchange.domain.i18n import N_
from exchange.ingest.formats import (
    HEAD_BYTES,
    PARQUET_MAGIC,
    ContentMismatch,
    UnreadableFile,
    text_encoding,
)

Cell = str | int | float | bool | datetime | date | None
Row = tuple[Cell, ...]
Opened = tuple[list[str], Generator[Row, None, None]]  # the header, and the rows to come
Records = Generator[tuple[int, tuple[Cell, ...]], None, None]  # numbered as a spreadsheet does

CSV_DELIMITERS = (",", "\t", ";", "|")
ENCODING_NAMES = {"utf-8-sig": "UTF-8", "gb18030": "GB18030"}
SURROGATE = re.compile("[\udc80-\udcff]")
JSON_CHUNK = 1 << 16
JSON_MAX_ITEM = 8 << 20  # characters; a single row larger than this is refused
JSON_MAX_COLUMNS = 10_000
JSON_WHITESPACE = re.compile(r"[ \t\r\n]*")
JSON_MAX_DEPTH = 64  # deeper nesting could overflow the C stack (py_ecc raises recursion limits)
JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
JSON_OPEN_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*\\?\Z', re.DOTALL)
JSON_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
JSON_STEPS = {"[": 1, "{": 1, "]": -1, "}": -1}
JSON_SHAPE = N_('The JSON must be an array of objects, or an object with a "data" array of them')
JSON_START = N_("The JSON is not valid near its start")
PARQUET_BATCH = 1024


class Table:
    """An open data file: its column names and a single pass over its rows; close it when done."""

    def __init__(
        self,
        fmt: FileFormat,
        columns: list[str],
        rows: Generator[Row, None, None],
        resources: ExitStack,
    ) -> None:
        self.format = fmt
        self.columns = columns
        self._rows = rows
        self._resources = resources

    def __iter__(self) -> Iterator[Row]:
        return self._rows

    def close(self) -> None:
        """Stop the row stream and release the file."""
        self._rows.close()
        self._resources.close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def open_table(path: Path, fmt: FileFormat) -> Table:
    """Open the file as a table; header problems raise UnreadableFile here, row problems later."""
    openers: dict[FileFormat, Callable[[Path, ExitStack], Opened]] = {
        FileFormat.CSV: _open_csv,
        FileFormat.XLSX: _open_xlsx,
        FileFormat.JSON: _open_json,
        FileFormat.PARQUET: _open_parquet,
    }
    with ExitStack() as stack:
        columns, rows = openers[fmt](path, stack)
        return Table(fmt, columns, rows, stack.pop_all())
    raise AssertionError("unreachable")  # pragma: no cover - ExitStack never swallows errors


# Shared rules: the header and how far a row may differ from it.


def _check_header(cells: Sequence[object], *, spreadsheet: bool = False) -> list[str]:
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


def _fit_row(cells: Sequence[Cell], width: int, number: int) -> Row:
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
    value = _to_cell(cell)
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


def _blank_row(cells: Iterable[Cell]) -> bool:
    return all(_blank(cell) for cell in cells)


def _to_cell(value: object) -> Cell:
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


# CSV: a text stream in the encoding its first bytes show, through the csv module.


def _open_csv(path: Path, stack: ExitStack) -> Opened:
    with path.open("rb") as raw:
        head = raw.read(HEAD_BYTES)
    if not head:
        raise UnreadableFile(N_("The file is empty"))
    encoding = text_encoding(head)
    if encoding is None:
        raise ContentMismatch(extension=FileFormat.CSV.value)
    # Undecodable bytes become lone surrogates, so the row holding them can be named exactly.
    stream = stack.enter_context(path.open(encoding=encoding, errors="surrogateescape", newline=""))
    reader = csv.reader(stream, delimiter=_delimiter(head, encoding))
    return _with_header(_numbered(reader, ENCODING_NAMES[encoding]))


def _delimiter(head: bytes, encoding: str) -> str:
    """The separator used most in the first line; a comma unless another clearly wins."""
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head)
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    return max(CSV_DELIMITERS, key=first_line.count)


def _numbered(rows: Iterator[Sequence[Any]], encoding: str | None = None) -> Records:
    """Records numbered as a spreadsheet shows rows; a parser failure names the row it hit."""
    for number in itertools.count(1):
        try:
            values = next(rows)
        except StopIteration:
            return
        except Exception:  # csv.Error, or any of openpyxl's errors on a malformed sheet
            raise UnreadableFile(N_("Row %(row)s cannot be read"), row=number) from None
        if encoding and any(SURROGATE.search(value) for value in values):
            raise UnreadableFile(
                N_("Row %(row)s is not valid %(encoding)s text"), row=number, encoding=encoding
            )
        yield number, tuple(_to_cell(value) for value in values)


def _with_header(records: Records) -> Opened:
    """The first record that is not blank names the columns; the rest are fitted to it."""
    for _number, record in records:
        if not _blank_row(record):
            columns = _check_header(record, spreadsheet=True)
            return columns, _fitted(records, len(columns))
    raise UnreadableFile(N_("The file has no header row"))


def _fitted(records: Records, width: int) -> Generator[Row, None, None]:
    """Rows fitted to the header, skipping blank lines (spreadsheet exports leave them)."""
    for number, cells in records:
        if not _blank_row(cells):
            yield _fit_row(cells, width, number)


# XLSX: openpyxl in read-only mode, the first worksheet, first row the header.


def _open_xlsx(path: Path, stack: ExitStack) -> Opened:
    try:
        with zipfile.ZipFile(path) as archive:
            is_workbook = "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        is_workbook = False
    if not is_workbook:
        raise ContentMismatch(extension=FileFormat.XLSX.value)
    import openpyxl  # imported here: loading it takes time the other formats need not pay

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error on a malformed workbook
        raise UnreadableFile(N_("The workbook cannot be opened")) from None
    stack.callback(workbook.close)
    if not workbook.worksheets:
        raise UnreadableFile(N_("The workbook has no worksheet"))
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()  # stored dimensions are often wrong; read what is really there
    values = sheet.iter_rows(values_only=True)
    stack.callback(values.close)  # the sheet's XML stays open until its generator closes
    return _with_header(_numbered(values))


# JSON: an array of objects, or an object whose "data" member is one, parsed item by item.


def _open_json(path: Path, stack: ExitStack) -> Opened:
    """Two streaming passes: the first collects every key, so rows may omit some."""
    keys: dict[str, None] = {}
    with path.open(encoding="utf-8-sig") as stream:
        for number, item in _json_objects(stream):
            keys.update(dict.fromkeys(item))
            if len(keys) > JSON_MAX_COLUMNS:
                raise UnreadableFile(
                    N_("Item %(item)s brings the keys past %(limit)s columns"),
                    item=number,
                    limit=JSON_MAX_COLUMNS,
                )
    if not keys:
        raise UnreadableFile(N_("The JSON holds no objects, so it has no columns"))
    columns = _check_header(list(keys))
    stream = stack.enter_context(path.open(encoding="utf-8-sig"))
    return columns, (
        tuple(_to_cell(item.get(name)) for name in columns) for _, item in _json_objects(stream)
    )


def _json_objects(stream: TextIO) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, item in enumerate(_json_items(_JsonCursor(stream)), start=1):
        if not isinstance(item, dict):
            raise UnreadableFile(
                N_("Item %(item)s of the JSON array is not an object"), item=number
            )
        yield number, item


def _json_items(cursor: _JsonCursor) -> Iterator[object]:
    opening = cursor.peek()
    if opening == "[":
        cursor.advance()
        yield from _json_array(cursor)
        cursor.expect_end()
        return
    if opening != "{":
        raise UnreadableFile(JSON_SHAPE)
    cursor.advance()
    found = False
    while cursor.peek() != "}":
        key = cursor.value(0)
        if not isinstance(key, str) or cursor.peek() != ":":
            raise UnreadableFile(JSON_START)
        cursor.advance()
        if key == "data" and not found:
            if cursor.peek() != "[":
                raise UnreadableFile(JSON_SHAPE)
            cursor.advance()
            found = True
            yield from _json_array(cursor)
        else:
            cursor.value(0)
        if cursor.peek() == ",":
            cursor.advance()
        elif cursor.peek() != "}":
            raise UnreadableFile(JSON_START)
    cursor.advance()
    cursor.expect_end()
    if not found:
        raise UnreadableFile(JSON_SHAPE)


def _json_array(cursor: _JsonCursor) -> Iterator[object]:
    """The items of an array whose opening bracket has been read, up to its closing one."""
    number = 0
    if cursor.peek() == "]":
        cursor.advance()
        return
    while True:
        number += 1
        yield cursor.value(number)
        separator = cursor.peek()
        cursor.advance()
        if separator == "]":
            return
        if separator != ",":
            raise UnreadableFile(N_("The JSON is not valid after item %(item)s"), item=number)


class _JsonCursor:
    """A window onto a text stream that decodes one JSON value at a time."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._buffer = ""
        self._position = 0
        self._ended = False
        self._decoder = json.JSONDecoder()
        self._depth = 0  # nesting at the end of the text checked so far
        self._unchecked = ""  # a string still open at the end of the last chunk

    def peek(self) -> str:
        """The next character that is not whitespace, without consuming it; "" at the end."""
        while True:
            match = JSON_WHITESPACE.match(self._buffer, self._position)
            self._position = match.end() if match else self._position
            if self._position < len(self._buffer):
                return self._buffer[self._position]
            if not self._read_more():
                return ""

    def advance(self) -> None:
        """Consume the character `peek` returned."""
        self._position += 1

    def value(self, item: int) -> object:
        """Decode the next value, reading more of the stream while it is incomplete."""
        self.peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._position)
            except (ValueError, RecursionError):  # also too many digits, or nesting too deep
                end = -1
            # A value that fails, or a number that reaches the end of the buffer, may be cut short.
            if end != -1 and (end < len(self._buffer) or self._ended):
                self._position = end
                return value
            if len(self._buffer) - self._position > JSON_MAX_ITEM or not self._read_more():
                if end != -1:
                    self._position = end
                    return value
                if item:
                    raise UnreadableFile(N_("The JSON is not valid at item %(item)s"), item=item)
                raise UnreadableFile(JSON_START)

    def expect_end(self) -> None:
        """Refuse anything but whitespace after the document."""
        if self.peek():
            raise UnreadableFile(N_("The JSON has text after its end"))

    def _read_more(self) -> bool:
        if self._ended:
            return False
        pending = self._buffer[self._position :]
        try:
            chunk = self._stream.read(max(JSON_CHUNK, len(pending)))  # doubling keeps it linear
        except UnicodeDecodeError:
            raise UnreadableFile(N_("The JSON is not valid UTF-8 text")) from None
        if not chunk:
            self._ended = True
            return False
        self._check_depth(chunk)
        self._buffer = pending + chunk
        self._position = 0
        return True

    def _check_depth(self, chunk: str) -> None:
        """Refuse nesting deeper than JSON_MAX_DEPTH before the decoder ever sees it."""
        text = self._unchecked + chunk
        if '"' in JSON_STRING.sub("", text):  # a string runs on into the next chunk
            open_string = JSON_OPEN_STRING.search(text)
            cut = open_string.start() if open_string else len(text)
            text, self._unchecked = text[:cut], text[cut:]
        else:
            self._unchecked = ""
        brackets = JSON_NOT_BRACKET.sub("", JSON_STRING.sub("", text))
        for step in map(JSON_STEPS.__getitem__, brackets):
            self._depth += step
            if self._depth > JSON_MAX_DEPTH:
                raise UnreadableFile(
                    N_("The JSON is nested deeper than %(limit)s levels"), limit=JSON_MAX_DEPTH
                )


# Parquet: record batches through pyarrow, converted column by column.


def _open_parquet(path: Path, stack: ExitStack) -> Opened:
    with path.open("rb") as raw:
        size = raw.seek(0, 2)
        raw.seek(max(size - len(PARQUET_MAGIC), 0))
        tail = raw.read()
    if size < 2 * len(PARQUET_MAGIC) or tail != PARQUET_MAGIC:
        raise ContentMismatch(extension=FileFormat.PARQUET.value)
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = stack.enter_context(pq.ParquetFile(path))
        names = list(parquet.schema_arrow.names)
    except (pa.ArrowException, OSError):
        raise UnreadableFile(N_("The Parquet file cannot be opened")) from None
    return _check_header(names), _parquet_rows(parquet)


def _parquet_rows(parquet: Any) -> Generator[Row, None, None]:
    import pyarrow as pa

    done = 0
    batches = parquet.iter_batches(batch_size=PARQUET_BATCH)
    while True:
        try:
            batch = next(batches)
            columns = [_arrow_values(batch.column(index)) for index in range(batch.num_columns)]
        except StopIteration:
            return
        except (pa.ArrowException, OSError, ValueError):
            raise UnreadableFile(
                N_("Rows after row %(row)s of the Parquet file cannot be read"), row=done
            ) from None
        for values in zip(*columns, strict=True):
            yield tuple(_to_cell(value) for value in values)
        done += batch.num_rows


def _arrow_values(column: Any) -> list[Any]:
    """Python values of an Arrow column; nanosecond timestamps are cut to microseconds."""
    import pyarrow as pa

    kind = column.type
    if pa.types.is_timestamp(kind) and kind.unit == "ns":
        column = column.cast(pa.timestamp("us", tz=kind.tz), safe=False)
    values: list[Any] = column.to_pylist()
    return values
