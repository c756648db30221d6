"""The sandbox process: reads a job and the sealed file on stdin (or, for data an earlier run
prepared, the job only), decrypts and loads it into an in-memory DuckDB cut off from files,
network and extensions but for the one file of licensed columns, runs the one SELECT, releases
the result under the licence here (so unnoised aggregates never leave), and reports JSON on stdout.

Started by exchange.compute.sandbox with a minimal environment in a private folder, already in a
network namespace of its own (sandbox.isolation); it imports its libraries and opens its
database first and then waits, so a spare one can be started before it is needed.
"""

from __future__ import annotations

import os
import resource
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import duckdb
import pyarrow as pa

from exchange.compute.domain import CheckedQuery, ComputePolicy, Released
from exchange.compute.sandbox.loading import (
    DataUnreadable,
    load_buyer_table,
    load_data,
    use_entry,
)
from exchange.compute.sandbox.wire import (
    Job,
    SandboxLimits,
    failure_report,
    read_job,
    released_report,
)
from exchange.kernel.errors import ExchangeError
from exchange.storage import CipherMode, ObjectCorrupted
from exchange.storage.ciphers import decrypt_stream

RAW_ROWS_FACTOR = 10  # rows unchecked SQL may return per row the policy releases
RAW_ROWS_SLACK = 1000


class Refused(Exception):
    """A failure the child reports by kind and detail key (see errors.FAILURES and DETAILS)."""

    def __init__(self, kind: str, detail: str, cause: str | None = None) -> None:
        super().__init__(kind, detail)
        self.kind = kind
        self.detail = detail
        self.cause = cause


def main() -> None:
    """Wait for one job, run it, write one report; nothing else ever reaches stdout."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past RLIMIT_FSIZE fails, not kills
    report_fd = os.dup(1)
    os.dup2(2, 1)  # a library that prints cannot corrupt the report
    _preload()
    con = open_database()  # before the job, as the imports: DuckDB's first connect is slow
    with os.fdopen(report_fd, "wb") as report:
        try:
            job = read_job(sys.stdin.buffer)
        except (ValueError, KeyError, TypeError):
            report.write(failure_report("failed", "bad-request"))
            return
        if job is None:  # the parent went away, or closed a spare it no longer needs
            return
        report.write(run(job, sys.stdin.buffer, con))
    # The parent stops this process once the report is read: nothing more is done here.


def _preload() -> None:
    """Import what a run needs before waiting, so a spare child answers at once."""
    import exchange.catalog.ingest.readers  # noqa: F401
    import exchange.compute.release  # noqa: F401


def run(job: Job, source: BinaryIO, con: duckdb.DuckDBPyConnection | None = None) -> bytes:
    """The report for one job, whatever happens; `con` a database opened ahead, if any."""
    try:
        return released_report(_run(job, source, con))
    except Refused as refused:
        return failure_report(refused.kind, refused.detail, refused.cause)
    except (MemoryError, duckdb.OutOfMemoryException) as error:
        return failure_report("out-of-memory", "out-of-memory", type(error).__name__)
    except Exception as error:  # the report names the class only: messages can quote data
        return failure_report("failed", "crashed", type(error).__name__)


def _run(job: Job, source: BinaryIO, con: duckdb.DuckDBPyConnection | None) -> Released:
    if resource.getrlimit(resource.RLIMIT_AS)[0] == resource.RLIM_INFINITY:
        raise Refused("failed", "bad-request")  # the parent sets limits before it writes
    limits = job.limits
    pa.set_cpu_count(limits.threads)
    pa.set_io_thread_count(limits.threads)
    if con is None:
        con = open_database()
    hold(con, limits)
    # A join counts the data's rows by rowid, which only a table has.
    as_view = not job.query.joins_buyer_table
    entry = Path(job.entry) if job.entry is not None else None
    try:
        if entry is not None and job.entry_ready:
            file = use_entry(con, entry, job.fields, job.policy, as_view=as_view)
        else:
            plaintext = decrypt_stream(source, job.data_key, CipherMode(job.mode))
            file = load_data(
                con,
                plaintext,
                job.file_format,
                job.fields,
                job.policy,
                Path.cwd(),
                entry=entry,
                as_view=as_view,
            )
        if job.buyer_table is not None:
            load_buyer_table(con, job.buyer_table)
    except (ObjectCorrupted, DataUnreadable, ValueError, OSError, duckdb.Error) as error:
        if isinstance(error, duckdb.OutOfMemoryException):
            raise
        raise Refused("failed", "data-unreadable", type(error).__name__) from None
    lock(con, file)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # nothing more is written anywhere
    rows = _select(con, job.query, job.policy)
    from exchange.compute.release import release

    try:
        released: Released = release(job.query, rows, job.policy)
    except ExchangeError as error:  # the licence refuses what the query found
        raise Refused("release-refused", "release-failed", error.code) from None
    except ValueError as error:
        raise Refused("failed", "release-failed", type(error).__name__) from None
    return released


def connect(limits: SandboxLimits) -> duckdb.DuckDBPyConnection:
    """An in-memory database held to the run's memory and threads (see open_database)."""
    con = open_database()
    hold(con, limits)
    return con


def open_database() -> duckdb.DuckDBPyConnection:
    """An in-memory database that never spills or loads extensions, on one thread until `hold`;
    its files and network are still open, for loading, until `lock`."""
    config: dict[str, str | bool | int | float | list[str]] = {
        "threads": 1,
        "temp_directory": "",  # nothing spills to disk
        "max_temp_directory_size": "0B",
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "allow_unsigned_extensions": False,
        "python_enable_replacements": False,  # SQL cannot name the child's Python variables
    }
    return duckdb.connect(":memory:", config=config)


def hold(con: duckdb.DuckDBPyConnection, limits: SandboxLimits) -> None:
    """Hold the database to the run's memory and threads."""
    con.execute(f"SET memory_limit = '{limits.duckdb_memory_bytes}B'")
    con.execute(f"SET threads = {int(limits.threads)}")


def lock(con: duckdb.DuckDBPyConnection, file: Path | None = None) -> None:
    """Cut the database off from files, but for the one file a view reads, and from the
    network, and freeze every setting."""
    if file is not None:
        con.execute(f"SET allowed_paths = ['{_literal(str(file))}']")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def _select(
    con: duckdb.DuckDBPyConnection, query: CheckedQuery, policy: ComputePolicy
) -> Sequence[tuple[object, ...]]:
    """Run the one SELECT; at most a bound of rows is fetched, more is refused."""
    try:
        statements = duckdb.extract_statements(query.sql)
    except duckdb.Error as error:
        raise Refused("failed", "sql-error", type(error).__name__) from None
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise Refused("failed", "not-one-select")
    # The checker limits its SQL to row_cap + 1 rows, so the release can tell a cut run.
    cap = RAW_ROWS_FACTOR * policy.max_rows + RAW_ROWS_SLACK
    if query.row_cap is not None:
        cap = max(cap, query.row_cap + 1)
    try:
        rows = con.execute(query.sql).fetchmany(cap + 1)
    except duckdb.OutOfMemoryException:
        raise
    except duckdb.Error as error:
        raise Refused("failed", "sql-error", type(error).__name__) from None
    if len(rows) > cap:
        raise Refused("too-many-rows", "too-many-rows")
    return rows


def _literal(text: str) -> str:
    return text.replace("'", "''")


if __name__ == "__main__":
    main()
