"""Where an exchange run's time goes, for bench/compute.py: its steps timed in this process with
the sandbox child's own functions, and the costs of the processes around them."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from compute_product import FIELDS, ROOT, Sealed, exchange

from exchange.compute.checker import check
from exchange.compute.domain import ComputePolicy
from exchange.compute.release import release
from exchange.compute.sandbox import Sandbox, SandboxLimits
from exchange.compute.sandbox import child as sandbox_child
from exchange.compute.sandbox.loading import load_data, use_entry
from exchange.compute.sandbox.spawn import discard, start_child
from exchange.compute.sandbox.wire import field_specs, read_report, released_report

FIRST_ONLY = ("read sealed object", "decrypt", "write file, keep licensed columns")
LATER_ONLY = ("view over the kept columns",)


def stages(
    sealed: Sealed,
    text: str,
    policy: ComputePolicy,
    limits: SandboxLimits,
    folder: Path,
    repeat: int,
) -> dict[str, float]:
    """An exchange run's steps timed with the sandbox child's own functions: those of a
    version's first run (FIRST_ONLY) and of a later one (LATER_ONLY), and the rest both take;
    the median of each over `repeat` runs."""
    runs = [_stages(sealed, text, policy, limits, folder) for _ in range(repeat)]
    return {step: statistics.median(run[step] for run in runs) for step in runs[0]}


def _stages(
    sealed: Sealed, text: str, policy: ComputePolicy, limits: SandboxLimits, folder: Path
) -> dict[str, float]:
    spent: dict[str, float] = {}
    started = time.perf_counter()
    query = check(text, policy)
    spent["check (web process)"] = time.perf_counter() - started
    started = time.perf_counter()
    for _ in sealed.store.open_sealed(sealed.key):
        pass
    spent["read sealed object"] = time.perf_counter() - started
    started = time.perf_counter()
    plaintext = list(sealed.store.open(sealed.key, sealed.data_key, sealed.mode))
    spent["decrypt"] = max(0.0, time.perf_counter() - started - spent["read sealed object"])
    started = time.perf_counter()
    con = sandbox_child.connect(limits)
    spent["connect (DuckDB)"] = time.perf_counter() - started
    fields, entry = field_specs(FIELDS), folder / "entry.parquet"
    started = time.perf_counter()
    load_data(con, iter(plaintext), "parquet", fields, policy, folder, entry=entry, as_view=True)
    spent["write file, keep licensed columns"] = time.perf_counter() - started
    con.close()
    con = sandbox_child.connect(limits)
    started = time.perf_counter()
    use_entry(con, entry, fields, policy, as_view=True)
    spent["view over the kept columns"] = time.perf_counter() - started
    sandbox_child.lock(con, entry)
    started = time.perf_counter()
    cap = sandbox_child.RAW_ROWS_FACTOR * policy.max_rows + sandbox_child.RAW_ROWS_SLACK
    rows = con.execute(query.sql).fetchmany(max(cap, (query.row_cap or 0) + 1) + 1)
    spent["query"] = time.perf_counter() - started
    con.close()
    entry.unlink()
    started = time.perf_counter()
    released = release(query, rows, policy)
    spent["release"] = time.perf_counter() - started
    started = time.perf_counter()
    read_report(released_report(released))
    spent["report (JSON both ways)"] = time.perf_counter() - started
    return spent


def first_runs(
    sealed: Sealed,
    text: str,
    policy: ComputePolicy,
    limits: SandboxLimits,
    repeat: int,
    settle: float,
) -> float:
    """Median seconds of a version's first run (nothing kept yet) on a child started ahead."""
    times = []
    for _ in range(repeat):
        sandbox = Sandbox()
        sandbox._held.append(start_child())
        time.sleep(settle)
        started = time.perf_counter()
        exchange(sandbox, sealed, text, limits, policy)
        times.append(time.perf_counter() - started)
        sandbox.close()
    return statistics.median(times)


def pipe_seconds(sealed: Sealed) -> float:
    """The sealed object through a pipe to a child that only reads it, less an empty run:
    what a version's first run pays to hand it over."""
    reader = "import sys\nwhile sys.stdin.buffer.read(1 << 20): pass"

    def send(chunks: Iterable[bytes]) -> float:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", reader], stdin=subprocess.PIPE)
        assert process.stdin is not None
        for chunk in chunks:
            process.stdin.write(chunk)
        process.stdin.close()
        process.wait()
        return time.perf_counter() - started

    return max(0.0, send(sealed.store.open_sealed(sealed.key)) - send([]))


def child_costs(repeat: int) -> dict[str, float]:
    """What starting a sandbox child costs the web process, and stopping an idle one."""
    starts, discards = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        child = start_child()
        starts.append(time.perf_counter() - started)
        time.sleep(0.5)
        started = time.perf_counter()
        discard(child)
        discards.append(time.perf_counter() - started)
    return {
        "start a child (Popen, web process)": statistics.median(starts),
        "stop and clean an idle child": statistics.median(discards),
    }


EXITING = """
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
from exchange.compute.sandbox import child
from exchange.compute.sandbox.wire import SandboxLimits
child._preload()
started = time.perf_counter()
con = child.connect(SandboxLimits())
connected = time.perf_counter()
con.execute("CREATE TABLE data AS SELECT range AS a, range % 7 AS g FROM range(1000)")
con.execute("SELECT g, SUM(a) FROM data GROUP BY g").fetchall()
done = time.perf_counter()
report = os.dup(1)
os.dup2(2, 1)
os.write(report, json.dumps([connected - started, done - connected]).encode())
os.close(report)
"""


def fresh_child(repeat: int) -> dict[str, float]:
    """In a fresh child as the sandbox starts one (imports done): DuckDB's first connect and
    first small load and query, and the time from its report (its pipe closed) to its exit,
    which the sandbox no longer waits for (it kills and reaps in the background). Medians."""
    env = {"PATH": os.defpath, "MALLOC_ARENA_MAX": "2", "ARROW_DEFAULT_MEMORY_POOL": "system"}
    runs = []
    for _ in range(repeat):
        process = subprocess.Popen(
            [sys.executable, "-I", "-c", EXITING, str(ROOT)], stdout=subprocess.PIPE, env=env
        )
        assert process.stdout is not None
        connect, first = json.loads(process.stdout.read())
        started = time.perf_counter()
        process.wait()
        runs.append((connect, first, time.perf_counter() - started))
    return {
        "a fresh child's first DuckDB connect": statistics.median(r[0] for r in runs),
        "its first load and query (1,000 rows)": statistics.median(r[1] for r in runs),
        "its exit after its report": statistics.median(r[2] for r in runs),
    }
