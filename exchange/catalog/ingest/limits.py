"""How much work one uploaded file may cost, and the running count that enforces it.

Every reader checks these while it streams, never after materialising: an upload is refused
at the first row, cell, archive member or second past a limit, with a message naming it.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

from exchange.catalog.ingest.cells import Row
from exchange.catalog.ingest.formats import IngestError
from exchange.kernel.i18n import N_

MB = 1024 * 1024
RATIO_FLOOR = MB  # smaller archive members may be compressed as much as they like
TIME_CHECK_EVERY = 256  # rows between looks at the clock


@dataclass(frozen=True)
class Limits:
    """The most one file may hold and cost; the defaults fit the 200 MB upload limit."""

    max_rows: int = 5_000_000
    max_columns: int = 1_000
    max_cell_chars: int = 128 * 1024  # the csv module's own default field limit
    max_row_chars: int = 4 * MB
    max_decompressed_bytes: int = 1024 * MB
    max_compression_ratio: float = 100.0
    max_seconds: float = 60.0


class LimitExceeded(IngestError):
    """The file is past one of the limits; the message names the limit and its value."""

    message = N_("The file is larger than the exchange can read")


def too_many_rows(limits: Limits) -> LimitExceeded:
    """More data rows than allowed."""
    return LimitExceeded(N_("The file has more than %(limit)s rows"), limit=limits.max_rows)


def too_many_columns(limits: Limits, row: int | None = None) -> LimitExceeded:
    """A header, or a row, wider than allowed."""
    if row is None:
        return LimitExceeded(
            N_("The file has more than %(limit)s columns"), limit=limits.max_columns
        )
    return LimitExceeded(
        N_("Row %(row)s has more than %(limit)s columns"), row=row, limit=limits.max_columns
    )


def row_too_long(limits: Limits, row: int) -> LimitExceeded:
    """One row's text is longer than allowed."""
    return LimitExceeded(
        N_("Row %(row)s is longer than %(limit)s characters"), row=row, limit=limits.max_row_chars
    )


def cell_too_long(limits: Limits, row: int, column: int) -> LimitExceeded:
    """One cell holds more text than allowed."""
    return LimitExceeded(
        N_("The cell in row %(row)s, column %(column)s holds more than %(limit)s characters"),
        row=row,
        column=column,
        limit=limits.max_cell_chars,
    )


def too_much_data(limits: Limits) -> LimitExceeded:
    """The content unpacks to more than allowed."""
    return LimitExceeded(
        N_("The file's content unpacks to more than %(limit)s MB"),
        limit=f"{limits.max_decompressed_bytes / MB:g}",
    )


def too_slow(limits: Limits) -> LimitExceeded:
    """Reading the file took longer than allowed."""
    return LimitExceeded(
        N_("Reading the file took longer than %(limit)s seconds; upload it in smaller parts"),
        limit=f"{limits.max_seconds:g}",
    )


@dataclass
class Budget:
    """The limits and what one file has used of them so far: rows, text and time."""

    limits: Limits
    started: float = field(default_factory=time.monotonic)
    chars: int = 0

    def check_clock(self) -> None:
        """Refuse once the file has taken longer than allowed."""
        if time.monotonic() - self.started > self.limits.max_seconds:
            raise too_slow(self.limits)

    def check_header(self, columns: list[str]) -> None:
        """Refuse a header wider than allowed, before any row is read."""
        if len(columns) > self.limits.max_columns:
            raise too_many_columns(self.limits)

    def count(self, cells: Sequence[Any], number: int, rows: int) -> None:
        """Count one row: `rows` read so far, its width, each cell's text, now and then the clock.

        `number` is the row as the file numbers it, for the message.
        """
        limits = self.limits
        if rows > limits.max_rows:
            raise too_many_rows(limits)
        if len(cells) > limits.max_columns:  # the first record is the header: name the file
            raise too_many_columns(limits, number if rows else None)
        for column, cell in enumerate(cells, start=1):
            if isinstance(cell, str):
                size = len(cell)
                if size > limits.max_cell_chars:
                    raise cell_too_long(limits, number, column)
                self.chars += size
        if self.chars > limits.max_decompressed_bytes:
            raise too_much_data(limits)
        if number % TIME_CHECK_EVERY == 0:
            self.check_clock()

    def bounded(
        self, rows: Generator[Row, None, None], first: int = 2
    ) -> Generator[Row, None, None]:
        """The rows of a reader that does not count itself; `first` is the first row's number."""
        try:
            for count, row in enumerate(rows, start=1):
                self.count(row, first + count - 1, count)
                yield row
            self.check_clock()
        finally:
            rows.close()


def check_archive(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse a zip whose members unpack past the limits, judged from its directory alone.

    Python's zipfile stops each member at its declared size (and fails its CRC beyond), so the
    declared sizes bound what reading can unpack.
    """
    total = 0
    for member in archive.infolist():
        total += member.file_size
        if total > limits.max_decompressed_bytes:
            raise too_much_data(limits)
        if member.file_size > RATIO_FLOOR and (
            member.file_size > limits.max_compression_ratio * max(member.compress_size, 1)
        ):
            raise LimitExceeded(
                N_("Part %(part)s of the file is compressed more than %(limit)s times"),
                part=member.filename[:100],
                limit=f"{limits.max_compression_ratio:g}",
            )
