"""Running a checked query in a separate process, so decrypted data never enters the web process.

The parent hands the child the product's sealed bytes as stored and the data key; the child
decrypts, loads, runs and releases, and reports only the released result. Given a cache key,
the licensed columns the child prepared are kept in a private folder for the next run of the
same version and licence, which then gets neither bytes nor key (see cache). Time and output are
held here; memory, CPU, files and descriptors by the kernel; files, network and extensions by
DuckDB's own locked settings.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
import weakref
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from exchange.compute.domain import CheckedQuery, ComputePolicy, Released
from exchange.compute.sandbox.cache import DataCache, Entry
from exchange.compute.sandbox.errors import (
    DETAILS,
    FAILURES,
    QueryFailed,
    QueryOutOfMemory,
    QueryTimedOut,
    QueryTooLarge,
    ResultTooLarge,
)
from exchange.compute.sandbox.spawn import Child, Outcome, communicate, discard, limit, start_child
from exchange.compute.sandbox.wire import (
    BuyerTable,
    FieldSpec,
    GiB,
    Job,
    SandboxLimits,
    field_specs,
    read_report,
)
from exchange.kernel.i18n import N_
from exchange.storage import CipherMode

log = logging.getLogger(__name__)
CACHE_BYTES = 4 * GiB  # prepared data kept between runs, per process
_Pin = AbstractContextManager[Entry | None]

__all__ = [
    "BuyerTable",
    "QueryFailed",
    "QueryOutOfMemory",
    "QueryTimedOut",
    "QueryTooLarge",
    "ResultTooLarge",
    "Sandbox",
    "SandboxLimits",
    "SandboxResult",
    "run_query",
]


@dataclass(frozen=True)
class SandboxResult:
    """A run's released result, and how long the run took end to end."""

    released: Released
    seconds: float


class Sandbox:
    """Starts sandbox children; with `spare`, keeps one started ahead so a run skips the start.

    The next spare is started as a run ends, not as it begins: its imports would take a core
    from the run (about 140 ms of a 10M-row GROUP BY on two cores).
    Build one per process (kept in app.extensions) and close it on shutdown; a spare inherited
    by a forked worker is never used there, nor the prepared data kept (`cache_bytes` at most;
    0 keeps none).
    """

    def __init__(self, *, spare: bool = False, cache_bytes: int = CACHE_BYTES) -> None:
        self.spare = spare
        self.cache = DataCache(cache_bytes) if cache_bytes > 0 else None
        self._lock = threading.Lock()
        self._held: list[Child] = []
        self._reaping: set[threading.Thread] = set()
        self._closed = False
        self._finalizer = weakref.finalize(self, _discard_all, self._held, self.cache)

    def run_query(
        self,
        sealed: Iterable[bytes],
        *,
        data_key: bytes,
        mode: CipherMode,
        file_format: str,
        fields: Sequence[Mapping[str, object]],
        query: CheckedQuery,
        policy: ComputePolicy,
        limits: SandboxLimits | None = None,
        buyer_table: BuyerTable | None = None,
        cache_key: str | None = None,
    ) -> SandboxResult:
        """Run the query over the sealed object's data; a QueryFailed (422) if it cannot.

        `sealed` is the object exactly as stored (ObjectStore.open_sealed): this process never
        decrypts it, and reads none of it when the data is already prepared. `fields` are the
        version's columns (name and type, as the catalog stored them); `file_format` a catalog
        FileFormat value; `cache_key` names the stored object (its key), to keep what is
        prepared from it for the next run.
        """
        limits = limits or SandboxLimits()
        if buyer_table is not None and len(buyer_table["rows"]) > limits.max_buyer_rows:
            raise QueryTooLarge(
                N_("Your table has more than %(limit)s rows"), limit=limits.max_buyer_rows
            )
        specs = field_specs(fields)
        started = time.monotonic()
        with self._entry(cache_key, data_key, str(mode), str(file_format), specs, policy) as entry:
            ready = entry is not None and entry.ready
            job = Job(
                query=query,
                policy=policy,
                data_key=b"" if ready else data_key,
                mode=str(mode),
                file_format=str(file_format),
                fields=specs,
                limits=limits,
                buyer_table=buyer_table,
                entry=str(entry.path) if entry is not None else None,
                entry_ready=ready,
            )
            outcome = self._communicate(job, () if ready else sealed)
        return SandboxResult(_released(outcome, limits, policy), time.monotonic() - started)

    def _entry(
        self,
        cache_key: str | None,
        data_key: bytes,
        mode: str,
        file_format: str,
        fields: Sequence[FieldSpec],
        policy: ComputePolicy,
    ) -> _Pin:
        """The run's cache entry, pinned for the run; None without a key or a cache."""
        if cache_key is None or self.cache is None:
            return nullcontext(None)
        return self.cache.pinned(
            cache_key,
            data_key=data_key,
            mode=mode,
            file_format=file_format,
            fields=fields,
            policy=policy,
        )

    def _communicate(self, job: Job, sealed: Iterable[bytes]) -> Outcome:
        """Run the job on the spare or a new child, which is then reaped in the background."""
        child = self._take()
        try:
            try:
                limit(child, job.limits)
            except ProcessLookupError:  # the spare died since it was looked at
                discard(child)
                child = start_child()
                limit(child, job.limits)
            return communicate(child, job, sealed)
        finally:
            self._reap(child)
            self._refill()

    def close(self) -> None:
        """Finish reaping the children that ran, and stop the spare child, if one waits."""
        with self._lock:
            self._closed = True
            reaping = list(self._reaping)
        for thread in reaping:
            thread.join(timeout=10)
        self._finalizer()  # after the reaping: a child may still read an entry until killed

    def _reap(self, child: Child) -> None:
        """Reap the child and remove its folder in the background: the result need not wait."""
        thread = threading.Thread(target=self._discard, args=(child,), name="sandbox-reap")
        thread.daemon = True
        with self._lock:
            self._reaping.add(thread)
        thread.start()

    def _refill(self) -> None:
        """Start the next spare if one is wanted and none waits."""
        with self._lock:
            if self.spare and not self._closed and not self._held:
                self._held.append(start_child())

    def _discard(self, child: Child) -> None:
        try:
            discard(child)
        finally:
            with self._lock:
                self._reaping.discard(threading.current_thread())

    def _take(self) -> Child:
        """The spare if it is ours and still waiting, else a new child."""
        with self._lock:
            spare = self._held.pop() if self._held else None
        if spare is not None and spare.owner == os.getpid() and spare.process.poll() is None:
            return spare
        if spare is not None:
            discard(spare)
        return start_child()


def _discard_all(held: list[Child], cache: DataCache | None) -> None:
    while held:
        discard(held.pop())
    if cache is not None:
        cache.close()


def run_query(
    sealed: Iterable[bytes],
    *,
    data_key: bytes,
    mode: CipherMode,
    file_format: str,
    fields: Sequence[Mapping[str, object]],
    query: CheckedQuery,
    policy: ComputePolicy,
    limits: SandboxLimits | None = None,
    buyer_table: BuyerTable | None = None,
) -> SandboxResult:
    """Run the query in a freshly started child (see Sandbox.run_query), reaped before return."""
    sandbox = Sandbox()
    try:
        return sandbox.run_query(
            sealed,
            data_key=data_key,
            mode=mode,
            file_format=file_format,
            fields=fields,
            query=query,
            policy=policy,
            limits=limits,
            buyer_table=buyer_table,
        )
    finally:
        sandbox.close()


def _released(outcome: Outcome, limits: SandboxLimits, policy: ComputePolicy) -> Released:
    """The child's release, or the error its report or its end calls for."""
    if outcome.timed_out:
        raise QueryTimedOut(
            N_("The query took longer than %(seconds)s seconds and was stopped"),
            seconds=f"{limits.seconds:g}",
        )
    if outcome.too_large:
        raise ResultTooLarge()
    try:
        report = read_report(outcome.report)
    except (ValueError, KeyError, TypeError):
        raise _ended(outcome.returncode) from None
    if report.released is not None:
        return report.released
    log.warning("sandboxed query failed: %s, %s (%s)", report.kind, report.detail, report.cause)
    if report.kind == "release-refused" and report.cause == "too-many-rows":
        from exchange.compute.release import TooManyRows  # imported when first needed

        raise TooManyRows(policy.max_rows)
    failure = FAILURES.get(report.kind or "", QueryFailed)
    detail = DETAILS.get(report.detail or "")
    raise failure(detail)


def _ended(returncode: int | None) -> QueryFailed:
    """A child that died without a report: the signal tells what most likely stopped it."""
    log.warning("sandboxed query ended without a report: exit status %s", returncode)
    if returncode == -signal.SIGXCPU:
        return QueryTimedOut(N_("The query used more processor time than a run may use"))
    # RLIMIT_AS makes allocations fail: C++ code aborts or crashes, the kernel may kill.
    if returncode in (-signal.SIGKILL, -signal.SIGABRT, -signal.SIGSEGV):
        return QueryOutOfMemory()
    return QueryFailed(DETAILS["crashed"])
