"""The checks an upload passes before it is stored for the worker, none of them a full read.

A large file is profiled later, off the request; here only what its directory, footer or
header shows is judged, so a request never costs more than a few reads of the file's edges.
"""

from __future__ import annotations

from pathlib import Path

from exchange.catalog.domain import FileFormat
from exchange.catalog.ingest.limits import Limits
from exchange.catalog.ingest.readers import check_workbook, open_table


def check_structure(path: Path, fmt: FileFormat, limits: Limits) -> None:
    """Refuse what the file's edges already show past the limits; IngestError if so.

    CSV: its header (width, length); XLSX: the archive's member sizes and ratios (openpyxl
    would read the shared strings whole); Parquet: the footer's rows, columns and bytes.
    JSON has no header to read short of a full pass, so only its format was checked.
    """
    if fmt is FileFormat.XLSX:
        check_workbook(path, limits)
    elif fmt in (FileFormat.CSV, FileFormat.PARQUET):
        with open_table(path, fmt, limits):
            pass  # opening reads the header or footer only; the rows are never started
