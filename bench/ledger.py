"""Ledger figures: appends per second, proof cost at scale, and a full audit.

Run: .venv/bin/python bench/ledger.py [--entries 1000000] [--appends 2000] [--postgres URL]
Prints a table and saves bench/results/ledger-<time>.json. Baselines are measured in the same
run: a bare INSERT transaction for appends, one SHA-256 for proofs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, insert, select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contracts import ledger, merkle  # noqa: E402
from contracts.audit import audit_ledger  # noqa: E402
from contracts.schema import (  # noqa: E402
    ledger_entries,
    ledger_nodes,
    ledger_state,
    metadata,
    node_pos,
)


def fresh_engine(url: str) -> Engine:
    """An empty ledger schema (tables only: the bench measures the ledger, not migrations)."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):  # noqa: ANN001
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(ledger_state).values(id=1, tree_size=0, hash_name="sha256"))
    return engine


def per_second(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def appends_per_second(engine: Engine, count: int) -> dict[str, float]:
    """One transaction per append, as the exchange does, against a bare INSERT baseline."""
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS bench_plain (n INTEGER, body TEXT)"))
    start = time.perf_counter()
    for n in range(count):
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO bench_plain VALUES (:n, :b)"), {"n": n, "b": '{"x":1}'}
            )
    plain = per_second(count, time.perf_counter() - start)
    start = time.perf_counter()
    for n in range(count):
        with engine.begin() as connection:
            ledger.append(connection, "bench.append", {"n": n, "price": "100.00"})
    appends = per_second(count, time.perf_counter() - start)
    start = time.perf_counter()
    with engine.begin() as connection:
        for n in range(count):
            ledger.append(connection, "bench.batch", {"n": n})
    batched = per_second(count, time.perf_counter() - start)
    return {
        "appends_per_s": appends,
        "plain_insert_tx_per_s": plain,
        "ratio_to_plain_insert": appends / plain,
        "appends_per_s_one_transaction": batched,
    }


def bulk_load(engine: Engine, count: int) -> None:
    """Fill an empty ledger fast for the proof and audit figures: the rows append() writes."""
    hasher = merkle.SHA256
    now = datetime.now(UTC)
    stack: list[tuple[int, bytes]] = []
    entries: list[dict[str, object]] = []
    nodes: list[dict[str, object]] = []
    with engine.begin() as connection:
        for seq in range(count):
            body = f'{{"n":{seq},"price":"100.00"}}'
            leaf = ledger.leaf_hash(hasher, seq, "bench.bulk", body, now)
            entries.append(
                {
                    "seq": seq,
                    "entry_type": "bench.bulk",
                    "body": body,
                    "leaf_hash": leaf,
                    "recorded_at": now,
                }
            )
            stack.append((0, leaf))
            while len(stack) > 1 and stack[-1][0] == stack[-2][0]:
                (level, right), (_, left) = stack.pop(), stack.pop()
                level += 1
                stack.append((level, hasher.node(left, right)))
                nodes.append({"pos": node_pos(level, seq >> level), "hash": stack[-1][1]})
            if len(entries) >= 20_000 or seq == count - 1:
                connection.execute(insert(ledger_entries), entries)
                if nodes:
                    connection.execute(insert(ledger_nodes), nodes)
                entries, nodes = [], []
        connection.execute(update(ledger_state).values(tree_size=count))
        ledger.checkpoint(connection)


def timed_each(call: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def proofs_and_audit(engine: Engine, size: int) -> dict[str, float]:
    hasher = merkle.SHA256
    with engine.connect() as connection:
        head = ledger.tree_head(connection)
        seqs = [(size * k) // 101 for k in range(1, 101)]
        generate = (
            timed_each(lambda: [ledger.inclusion_proof(connection, s) for s in seqs], 3) / 100
        )
        proofs = {s: ledger.inclusion_proof(connection, s) for s in seqs}
        leaves = {s: ledger.entry(connection, s).leaf_hash for s in seqs}
        verify = (
            timed_each(
                lambda: [
                    merkle.verify_inclusion(hasher, s, head.size, leaves[s], proofs[s], head.root)
                    for s in seqs
                ],
                3,
            )
            / 100
        )
        one_hash = (
            timed_each(lambda: [hashlib.sha256(b"x" * 65).digest() for _ in range(100)], 3) / 100
        )
        start = time.perf_counter()
        report = audit_ledger(connection)
        audit_s = time.perf_counter() - start
    assert report.ok, report.problems
    return {
        "proof_generation_ms": generate,
        "proof_verification_ms": verify,
        "one_sha256_ms_baseline": one_hash,
        "full_audit_s": audit_s,
        "entries": size,
    }


def gas_per_entry(url: str, chain_path: Path) -> dict[str, object]:
    """Gas per ledger entry when one anchor covers 1, 16, 256 or 4096 entries (embedded chain).

    Batch size 1 is the per-trade design: one transaction for every record.
    """
    from contracts.anchoring import AnchorPolicy, anchor_pending
    from contracts.embedded_chain import EmbeddedChain
    from contracts.schema import ledger_anchors

    engine = fresh_engine(url)
    chain = EmbeddedChain(chain_path)
    figures: dict[str, object] = {}
    try:
        with engine.begin() as connection:  # the first anchor also pays for new storage slots
            ledger.append(connection, "bench.warmup", {})
        anchor_pending(engine, chain, AnchorPolicy(), force=True)
        for batch in (1, 16, 256, 4096):
            with engine.begin() as connection:
                for n in range(batch):
                    ledger.append(connection, "bench.gas", {"n": n})
            run = anchor_pending(engine, chain, AnchorPolicy(batch_size=batch))
            assert run.anchored_size, run
            with engine.connect() as connection:
                gas = connection.execute(
                    select(ledger_anchors.c.gas_used).where(
                        ledger_anchors.c.tree_size == run.anchored_size
                    )
                ).scalar_one()
            figures[f"gas_per_entry_batch_{batch}"] = gas / batch
        figures["gas_per_anchor_tx"] = gas
    finally:
        chain.close()
        engine.dispose()
    return figures


def run(url: str, entries: int, appends: int) -> dict[str, object]:
    engine = fresh_engine(url)
    figures: dict[str, object] = {"backend": engine.dialect.name}
    figures |= appends_per_second(engine, appends)
    engine.dispose()
    engine = fresh_engine(url)
    start = time.perf_counter()
    bulk_load(engine, entries)
    figures["bulk_load_s"] = time.perf_counter() - start
    figures |= proofs_and_audit(engine, entries)
    engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL to measure there too")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(run(f"sqlite:///{tmp}/ledger.db", args.entries, args.appends))
        gas = gas_per_entry(f"sqlite:///{tmp}/gas.db", Path(tmp) / "chain.sqlite")
        results.append({"backend": "embedded chain (gas)"} | gas)
    if args.postgres:
        url = args.postgres.replace("postgresql://", "postgresql+psycopg://", 1)
        results.append(run(url, args.entries, args.appends))
    for figures in results:
        print(f"\n[{figures['backend']}]")
        for name, value in figures.items():
            if name != "backend":
                print(
                    f"  {name:<34} {value:>14.4f}"
                    if isinstance(value, float)
                    else f"  {name:<34} {value:>14}"
                )
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    path = out / f"ledger-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
