"""Stream the rows of an uploaded file, whatever its format; CSV and XLSX are read here."""

from __future__ import annotations

import codecs
import csv
import itertools
import re
import zipfile
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TextIO

from exchange.catalog.domain import FileFormat
from exchange.catalog.ingest.cells import (
    Cell,
    Opened,
    Row,
    blank_row,
    check_header,
    fit_row,
    to_cell,
)
from exchange.catalog.ingest.formats import (
    HEAD_BYTES,
    ContentMismatch,
    IngestError,
    UnreadableFile,
    text_encoding,
)
from exchange.catalog.ingest.json_rows import open_json
from exchange.catalog.ingest.limits import Budget, Limits, check_archive, row_too_long
from exchange.catalog.ingest.parquet_rows import open_parquet
from exchange.kernel.i18n import N_

__all__ = ["Cell", "Row", "Table", "open_table"]

CSV_DELIMITERS = (",", "\t", ";", "|")
ENCODING_NAMES = {"utf-8-sig": "UTF-8", "gb18030": "GB18030"}
SURROGATE = re.compile("[\udc80-\udcff]")
Records = Generator[tuple[int, tuple[Cell, ...]], None, None]  # numbered as a spreadsheet does


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


def open_table(path: Path, fmt: FileFormat, limits: Limits | None = None) -> Table:
    """Open the file as a table; header problems raise UnreadableFile here, row problems later.

    Past any of the limits (the defaults unless given) the open or the row stream raises
    LimitExceeded, as soon as the reader meets it.
    """
    budget = Budget(limits or Limits())
    openers: dict[FileFormat, Callable[[Path, ExitStack], Opened]] = {
        FileFormat.CSV: lambda path, stack: _open_csv(path, stack, budget),
        FileFormat.XLSX: lambda path, stack: _open_xlsx(path, stack, budget),
        FileFormat.JSON: open_json,
        FileFormat.PARQUET: lambda path, stack: open_parquet(path, stack, budget.limits),
    }
    with ExitStack() as stack:
        columns, rows = openers[fmt](path, stack)
        budget.check_header(columns)
        if fmt in (FileFormat.JSON, FileFormat.PARQUET):  # CSV and XLSX count as they read
            rows = budget.bounded(rows)
        return Table(fmt, columns, rows, stack.pop_all())
    raise AssertionError("unreachable")  # pragma: no cover - ExitStack never swallows errors


# CSV: a text stream in the encoding its first bytes show, through the csv module.


def _open_csv(path: Path, stack: ExitStack, budget: Budget) -> Opened:
    with path.open("rb") as raw:
        head = raw.read(HEAD_BYTES)
    if not head:
        raise UnreadableFile(N_("The file is empty"))
    encoding = text_encoding(head)
    if encoding is None:
        raise ContentMismatch(extension=FileFormat.CSV.value)
    # Undecodable bytes become lone surrogates, so the row holding them can be named exactly.
    stream = stack.enter_context(path.open(encoding=encoding, errors="surrogateescape", newline=""))
    lines = _Lines(stream, budget.limits)
    # The lines are bounded, so the csv module's own field limit need never cut a cell short.
    csv.field_size_limit(max(csv.field_size_limit(), budget.limits.max_row_chars))
    reader = csv.reader(lines, delimiter=_delimiter(head, encoding))
    return _with_header(_numbered(_records(reader, lines), budget, ENCODING_NAMES[encoding]))


class _Lines:
    """The stream's lines, refused once one record's text passes the limit (before it is read)."""

    def __init__(self, stream: TextIO, limits: Limits) -> None:
        self.stream = stream
        self.limits = limits
        self.limit = limits.max_row_chars
        self.record = 1  # the record the csv module is reading
        self.read = 0  # characters of it read so far

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.stream.readline(self.limit - self.read + 1)
        if not line:
            raise StopIteration
        self.read += len(line)
        if self.read > self.limit:
            raise row_too_long(self.limits, self.record)
        return line

    def next_record(self) -> None:
        """The csv module has finished a record: count the next one from zero."""
        self.record += 1
        self.read = 0


def _records(reader: Iterator[list[str]], lines: _Lines) -> Iterator[list[str]]:
    """The csv module's records, telling the line reader where each one ends."""
    for values in reader:
        lines.next_record()
        yield values


def _delimiter(head: bytes, encoding: str) -> str:
    """The separator used most in the first line; a comma unless another clearly wins."""
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head)
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    return max(CSV_DELIMITERS, key=first_line.count)


def _numbered(
    rows: Iterator[Sequence[Any]], budget: Budget, encoding: str | None = None
) -> Records:
    """Records numbered as a spreadsheet shows rows; a parser failure names the row it hit.

    Every record counts against the limits, blank ones too: a sheet of empty rows costs as
    much to read as a full one.
    """
    for number in itertools.count(1):
        try:
            values = next(rows)
        except StopIteration:
            budget.check_clock()
            return
        except IngestError:
            raise
        except Exception:  # csv.Error, or any of openpyxl's errors on a malformed sheet
            raise UnreadableFile(N_("Row %(row)s cannot be read"), row=number) from None
        budget.count(values, number, number - 1)
        if encoding and any(SURROGATE.search(value) for value in values):
            raise UnreadableFile(
                N_("Row %(row)s is not valid %(encoding)s text"), row=number, encoding=encoding
            )
        yield number, tuple(to_cell(value) for value in values)


def _with_header(records: Records) -> Opened:
    """The first record that is not blank names the columns; the rest are fitted to it."""
    for _number, record in records:
        if not blank_row(record):
            columns = check_header(record, spreadsheet=True)
            return columns, _fitted(records, len(columns))
    raise UnreadableFile(N_("The file has no header row"))


def _fitted(records: Records, width: int) -> Generator[Row, None, None]:
    """Rows fitted to the header, skipping blank lines (spreadsheet exports leave them)."""
    for number, cells in records:
        if not blank_row(cells):
            yield fit_row(cells, width, number)


# XLSX: openpyxl in read-only mode, the first worksheet, first row the header.


def check_workbook(path: Path, limits: Limits) -> None:
    """Refuse a file that is no workbook, or whose archive unpacks past the limits, unread."""
    try:
        with zipfile.ZipFile(path) as archive:
            is_workbook = "xl/workbook.xml" in archive.namelist()
            if is_workbook:  # before openpyxl unpacks anything
                check_archive(archive, limits)
    except (zipfile.BadZipFile, OSError):
        is_workbook = False
    if not is_workbook:
        raise ContentMismatch(extension=FileFormat.XLSX.value)


def _open_xlsx(path: Path, stack: ExitStack, budget: Budget) -> Opened:
    check_workbook(path, budget.limits)
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
    return _with_header(_numbered(values, budget))
