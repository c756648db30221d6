"""The Parquet reader, kept apart as the one reader that deals in pyarrow's types."""

from __future__ import annotations

from collections.abc import Generator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from exchange.catalog.domain import FileFormat
from exchange.catalog.ingest.cells import Opened, Row, check_header, to_cell
from exchange.catalog.ingest.formats import PARQUET_MAGIC, ContentMismatch, UnreadableFile
from exchange.catalog.ingest.limits import Limits, too_many_columns, too_many_rows, too_much_data
from exchange.kernel.i18n import N_

PARQUET_BATCH = 1024
BATCH_CELLS = 64 * 1024  # wide files are read in fewer rows at a time


def open_parquet(path: Path, stack: ExitStack, limits: Limits | None = None) -> Opened:
    """Names from the schema; rows in record batches through pyarrow, converted column by column.

    The footer's counts are checked against the limits before any row group is read.
    """
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
        _check_footer(parquet.metadata, limits or Limits())
        names = list(parquet.schema_arrow.names)
    except (pa.ArrowException, OSError):
        raise UnreadableFile(N_("The Parquet file cannot be opened")) from None
    batch_size = max(1, min(PARQUET_BATCH, BATCH_CELLS // max(len(names), 1)))
    return check_header(names), _parquet_rows(parquet, batch_size)


def _check_footer(metadata: Any, limits: Limits) -> None:
    """Refuse a file whose footer declares more columns, rows or bytes than the limits allow."""
    if metadata.num_columns > limits.max_columns:
        raise too_many_columns(limits)
    if metadata.num_rows > limits.max_rows:
        raise too_many_rows(limits)
    unpacked = sum(
        metadata.row_group(index).total_byte_size for index in range(metadata.num_row_groups)
    )
    if unpacked > limits.max_decompressed_bytes:
        raise too_much_data(limits)


def _parquet_rows(parquet: Any, batch_size: int) -> Generator[Row, None, None]:
    import pyarrow as pa

    done = 0
    batches = parquet.iter_batches(batch_size=batch_size)
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
            yield tuple(to_cell(value) for value in values)
        done += batch.num_rows


def _arrow_values(column: Any) -> list[Any]:
    """Python values of an Arrow column; nanosecond timestamps are cut to microseconds."""
    import pyarrow as pa

    kind = column.type
    if pa.types.is_timestamp(kind) and kind.unit == "ns":
        column = column.cast(pa.timestamp("us", tz=kind.tz), safe=False)
    values: list[Any] = column.to_pylist()
    return values
