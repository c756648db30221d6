"""The decrypted file as DuckDB's `data` table or view, typed as the catalog declared its
columns, holding the licensed columns only; runs only in the sandbox child, before external
access is switched off.

The decrypted file is written to the child's private folder. Where it can, a run reads a Parquet
file of the licensed columns only through a view (`lock` lets DuckDB read that one file and no
other), so a query reads just the columns it needs and SQL naming the file itself finds no hidden
column: the decrypted file itself when every column in it is licensed, else a copy of those
columns. That file is the entry kept for later runs when the parent gives one (see cache), made
from the loaded table for the other formats; the decrypted file is removed before the query
runs. The data of a join is a table, since the join counts its rows by rowid.
Parquet is read by DuckDB's read_parquet; CSV in UTF-8 or GB18030 (transcoded first) by its
read_csv, all text, then cast: much faster than any per-cell reader. JSON, XLSX, and a CSV DuckDB
cannot read as the catalog did, go through the catalog's own readers, in batches of text columns.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from exchange.compute.domain import BUYER_TABLE, DATA_TABLE, ComputePolicy
from exchange.compute.sandbox.wire import BuyerTable, FieldSpec, licensed_fields

FORMATS = ("csv", "json", "xlsx", "parquet")  # the catalog's FileFormat values
BATCH_ROWS = 65_536
TRANSCODE_CHARS = 1 << 20
CSV_DELIMITERS = (",", "\t", ";", "|")
_DATE_PART = r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
SQL_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP",
}


class DataUnreadable(Exception):
    """The decrypted file does not hold the declared columns, or cannot be read at all."""


def load_data(
    con: duckdb.DuckDBPyConnection,
    plaintext: Iterable[bytes],
    file_format: str,
    fields: Sequence[FieldSpec],
    policy: ComputePolicy,
    folder: Path,
    *,
    entry: Path | None = None,
    as_view: bool = False,
) -> Path | None:
    """Create DATA_TABLE holding only the columns the policy licenses, cast to their types,
    and keep them at `entry` if given; with `as_view`, a view where it can be: then the file it
    reads is returned (the one file the locked database may read)."""
    if file_format not in FORMATS:
        raise DataUnreadable(f"no reader for {file_format!r}")
    licensed = licensed_fields(fields, policy)
    path = folder / f"data.{file_format}"
    with path.open("wb") as out:
        for chunk in plaintext:
            out.write(chunk)
    try:
        if file_format == "parquet":
            return _prepare_parquet(con, path, folder, licensed, entry, as_view)
        if not (file_format == "csv" and _load_csv(con, path, folder, licensed, fields)):
            table = _read_with_catalog(path, file_format, fields)
            con.register("__raw", table)
            _typed(con, DATA_TABLE, "__raw", licensed, {field["name"] for field in fields})
            con.unregister("__raw")
        if entry is not None:  # this run keeps its table; the next reads the entry
            _keep_if_possible(con, entry)
        return None
    finally:
        path.unlink(missing_ok=True)


def use_entry(
    con: duckdb.DuckDBPyConnection,
    entry: Path,
    fields: Sequence[FieldSpec],
    policy: ComputePolicy,
    *,
    as_view: bool,
) -> Path | None:
    """DATA_TABLE over an entry an earlier run kept (see load_data)."""
    return _over(con, entry, licensed_fields(fields, policy), as_view)


def load_buyer_table(con: duckdb.DuckDBPyConnection, buyer: BuyerTable) -> None:
    """Create BUYER_TABLE from the buyer's plain rows, cast to the types its fields declare."""
    fields = buyer["fields"]
    names = [field["name"] for field in fields]
    columns = [
        pa.array([_text(row[index]) for row in buyer["rows"]], pa.string())
        for index in range(len(fields))
    ]
    con.register("__mine", pa.Table.from_arrays(columns, names=names))
    _typed(con, BUYER_TABLE, "__mine", fields, set(names))
    con.unregister("__mine")


def _prepare_parquet(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    folder: Path,
    licensed: Sequence[FieldSpec],
    entry: Path | None,
    as_view: bool,
) -> Path | None:
    """DuckDB's own reader: twice as fast as pyarrow's from memory and then a copy (10M rows:
    0.8 s against 1.5 s, measured on two busy cores). The file goes to the entry as it is when
    every column in it is licensed, else a copy of the licensed columns does; a join's table
    for this run alone is loaded from the file."""
    source = f"read_parquet({_literal(str(path))})"
    types = _described(con, source)
    if any(field["name"] not in types for field in licensed):
        raise DataUnreadable("the Parquet file does not hold the declared columns")
    if entry is None and not as_view:
        text = {name for name, sql_type in types.items() if sql_type == "VARCHAR"}
        _typed(con, DATA_TABLE, source, licensed, text)
        return None
    target = entry or folder / "licensed.parquet"
    if len(types) == len(licensed):  # nothing in it is hidden
        os.replace(path, target)
    else:
        columns = ", ".join(_quoted(field["name"]) for field in licensed) or "TRUE AS __row"
        _keep(con, source, columns, target)
    return _over(con, target, licensed, as_view)


def _keep(con: duckdb.DuckDBPyConnection, source: str, columns: str, target: Path) -> None:
    """Write the columns to a Parquet file at `target`, whole or not at all."""
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")
    try:
        con.execute(
            f"COPY (SELECT {columns} FROM {source}) TO {_literal(str(partial))} (FORMAT parquet)"
        )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _keep_if_possible(con: duckdb.DuckDBPyConnection, entry: Path) -> None:
    """Keep the loaded table for the next run; one that cannot (past the file size limit, say)
    still runs over the table, and the next run loads it again."""
    try:
        _keep(con, _quoted(DATA_TABLE), "*", entry)
    except duckdb.OutOfMemoryException:
        raise
    except (duckdb.Error, OSError):
        pass


def _over(
    con: duckdb.DuckDBPyConnection, file: Path, licensed: Sequence[FieldSpec], as_view: bool
) -> Path | None:
    """DATA_TABLE as a view over a file of licensed columns (returned, to be allowed) or, for a
    join, a table loaded from it."""
    source = f"read_parquet({_literal(str(file))})"
    types = _described(con, source)
    if any(field["name"] not in types for field in licensed):
        raise DataUnreadable("the prepared file does not hold the licensed columns")
    text = {name for name, sql_type in types.items() if sql_type == "VARCHAR"}
    _typed(con, DATA_TABLE, source, licensed, text, kind="VIEW" if as_view else "TABLE")
    return file if as_view else None


def _described(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, str]:
    described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    return {str(row[0]): str(row[1]) for row in described}


def _load_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    folder: Path,
    licensed: Sequence[FieldSpec],
    fields: Sequence[FieldSpec],
) -> bool:
    """DuckDB's reader over the file (or a UTF-8 copy); False, with nothing created and the
    file left for the catalog's reader, when DuckDB might not read it as the catalog did."""
    with path.open("rb") as raw:
        head = raw.read(8192)
    encoding = _encoding(head)
    if encoding is None:
        return False
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head)
    if text[:1] in ("\r", "\n"):  # blank lines before the header: the catalog skips them
        return False
    first_line = text.split("\n", 1)[0]
    delimiter = max(CSV_DELIMITERS, key=first_line.count)
    if _csv_header(first_line, delimiter) != [field["name"] for field in fields]:
        return False
    source = path
    if encoding == "gb18030":
        source = folder / "data.utf8.csv"
        _transcode(path, source, encoding)
    columns = {f"c{index}": "VARCHAR" for index in range(len(fields))}
    try:
        read = any(_read_csv(con, source, delimiter, columns, serial) for serial in (False, True))
    finally:
        if source != path:
            source.unlink(missing_ok=True)
    if not read:
        return False
    renamed = ", ".join(f"c{i} AS {_quoted(field['name'])}" for i, field in enumerate(fields))
    con.execute(f"CREATE VIEW __named AS SELECT {renamed} FROM __raw")
    _typed(con, DATA_TABLE, "__named", licensed, {field["name"] for field in fields}, blank=fields)
    con.execute("DROP VIEW __named")
    con.execute("DROP TABLE __raw")
    return True


def _read_csv(
    con: duckdb.DuckDBPyConnection,
    source: Path,
    delimiter: str,
    columns: dict[str, str],
    serial: bool,
) -> bool:
    """Read the CSV as text into __raw; the parallel reader refuses short rows around quoted
    line breaks, so a refused file is read again serially before the catalog's reader."""
    try:
        con.execute(
            "CREATE TABLE __raw AS SELECT * FROM read_csv(?, header = true, all_varchar = true,"
            " delim = ?, quote = '\"', escape = '\"', null_padding = true,"
            " auto_detect = false, columns = ?, parallel = ?)",
            [str(source), delimiter, columns, not serial],
        )
    except duckdb.OutOfMemoryException:
        raise
    except duckdb.Error:
        return False
    return True


def _encoding(head: bytes) -> str | None:
    from exchange.catalog.ingest.formats import text_encoding

    return text_encoding(head)


def _csv_header(first_line: str, delimiter: str) -> list[str]:
    """The header's names as the catalog reads them (stripped, trailing blanks dropped)."""
    import csv

    names = [name.strip() for name in next(csv.reader([first_line], delimiter=delimiter), [])]
    while names and not names[-1]:
        names.pop()
    return names


def _transcode(source: Path, target: Path, encoding: str) -> None:
    with (
        source.open(encoding=encoding, newline="") as reading,
        target.open("w", encoding="utf-8", newline="") as writing,
    ):
        while chunk := reading.read(TRANSCODE_CHARS):
            writing.write(chunk)


def _read_with_catalog(path: Path, file_format: str, fields: Sequence[FieldSpec]) -> pa.Table:
    """The catalog's reader for the format, its cells as text, in Arrow batches."""
    from exchange.catalog.domain import FileFormat
    from exchange.catalog.ingest.formats import IngestError
    from exchange.catalog.ingest.readers import open_table

    names = [field["name"] for field in fields]
    try:
        with open_table(path, FileFormat(file_format)) as table:
            if table.columns != names:
                raise DataUnreadable("the file's columns are not the declared ones")
            batches = [_text_batch(batch, names) for batch in _batches(iter(table))]
    except IngestError as error:
        raise DataUnreadable("the catalog's reader refused the file") from error
    schema = pa.schema([(name, pa.string()) for name in names])
    return pa.Table.from_batches(batches, schema=schema)


def _text_batch(rows: Sequence[Sequence[object]], names: list[str]) -> pa.RecordBatch:
    columns = [pa.array([_text(row[i]) for row in rows], pa.string()) for i in range(len(names))]
    return pa.record_batch(columns, names=names)


def _batches(rows: Iterator[Sequence[object]]) -> Iterator[list[Sequence[object]]]:
    batch: list[Sequence[object]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def _text(value: object) -> str | None:
    """A plain cell as the text the casts read: booleans as true/false, times in ISO."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _typed(
    con: duckdb.DuckDBPyConnection,
    name: str,
    source: str,
    fields: Sequence[FieldSpec],
    text_columns: set[str],
    *,
    blank: Sequence[FieldSpec] = (),
    kind: str = "TABLE",
) -> None:
    """Create the table (or view) with each column cast to its declared type."""
    if fields:
        columns = ", ".join(
            f"{_cast(_quoted(field['name']), field['type'], field['name'] in text_columns)}"
            f" AS {_quoted(field['name'])}"
            for field in fields
        )
    else:  # nothing licensed: rows can still be counted
        columns = "TRUE AS __row"
    where = ""
    if blank:  # the catalog skips rows whose every cell is blank; so must a count here
        where = " WHERE " + " OR ".join(
            f"coalesce(trim({_quoted(field['name'])}), '') <> ''" for field in blank
        )
    con.execute(f"CREATE {kind} {_quoted(name)} AS SELECT {columns} FROM {source}{where}")


def _cast(column: str, field_type: str, is_text: bool) -> str:
    """The SQL reading one column as its declared type; a value that does not fit is NULL."""
    target = SQL_TYPES.get(field_type)
    if target is None:
        raise DataUnreadable(f"unknown field type {field_type!r}")
    if not is_text:
        return f"TRY_CAST({column} AS {target})"
    if field_type == "string":
        return f"NULLIF({column}, '')"  # an empty cell is no value, whichever reader read it
    trimmed = f"trim({column})"
    if field_type in ("integer", "decimal"):
        return f"TRY_CAST(replace({trimmed}, ',', '') AS {target})"
    if field_type == "boolean":
        return (
            f"CASE lower({trimmed}) WHEN 'true' THEN TRUE WHEN 'yes' THEN TRUE WHEN '是' THEN TRUE"
            f" WHEN 'false' THEN FALSE WHEN 'no' THEN FALSE WHEN '否' THEN FALSE"
            f" ELSE TRY_CAST({trimmed} AS BOOLEAN) END"
        )
    if field_type == "date":
        return f"TRY_CAST(regexp_replace({trimmed}, '{_DATE_PART}.*$', '\\1-\\2-\\3') AS DATE)"
    return f"TRY_CAST(regexp_replace({trimmed}, '{_DATE_PART}', '\\1-\\2-\\3') AS TIMESTAMP)"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
