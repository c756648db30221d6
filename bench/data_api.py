"""Data API rows per second next to /healthz, measured in the same run.

Run: .venv/bin/python bench/data_api.py [--requests 300] [--rows 5000] [--rounds 10]
Builds the exchange in test mode on SQLite in a temporary folder, an API product holding a
copper price CSV of --rows rows, a buyer's contract paid into escrow, its entitlement with a
large quota and the buyer's key (the test helpers the API tests use), and lifts the data API's
rate limit so it does not interfere. Then, with the Flask test client, it times GET /healthz and
GET /api/v1/data-api/<product>/rows at limit=100 and limit=1000, each call a page further on
(following the signed cursors, round and round), so every call filters, spends a unit of quota
and records its call as a buyer's would. The cases take turns, --rounds times, so a machine
busy with other work weighs on each alike. Prints a table (with the process's CPU time per
request beside the wall time) and saves bench/results/data_api-<time>.json. Goal (issue): data
API requests/s at least 0.5× /healthz's.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402

from exchange.app import create_app  # noqa: E402
from exchange.extensions import db  # noqa: E402

GOAL = 0.5  # data API requests/s as a share of /healthz's
URL = "/api/v1/data-api"


def timed(cases: dict[str, Callable[[], int]], n: int, rounds: int) -> dict[str, dict[str, float]]:
    """Requests/s, p50 and p95 in ms, CPU ms per request and rows/s of each case over n calls
    (after 3 warm-up calls), the cases taking turns in `rounds` rounds of n / rounds calls."""
    for call in cases.values():
        for _ in range(3):
            call()
    samples: dict[str, list[float]] = {name: [] for name in cases}
    rows = dict.fromkeys(cases, 0)
    elapsed = dict.fromkeys(cases, 0.0)
    cpu = dict.fromkeys(cases, 0.0)
    per_round = max(1, n // rounds)
    for _ in range(rounds):
        for name, call in cases.items():
            gc.collect()  # the garbage of the case before is not this case's to collect
            started, cpu_started = time.perf_counter(), time.process_time()
            for _ in range(per_round):
                start = time.perf_counter()
                rows[name] += call()
                samples[name].append((time.perf_counter() - start) * 1000)
            elapsed[name] += time.perf_counter() - started
            cpu[name] += time.process_time() - cpu_started
    results = {}
    for name, taken in samples.items():
        ordered = sorted(taken)
        results[name] = {
            "requests": len(taken),
            "rps": len(taken) / elapsed[name],
            "p50_ms": statistics.median(taken),
            "p95_ms": ordered[int(len(taken) * 0.95) - 1],
            "cpu_ms": cpu[name] / len(taken) * 1000,
            "rows_per_s": rows[name] / elapsed[name],
        }
    return results


def market(app: Any, rows: int) -> tuple[Any, int, str]:
    """A client, and an API product bought by a buyer holding a key with a large quota."""
    from tests.api.delivery.test_api_product_keys import issue
    from tests.delivery import copper_prices, grant, trade

    client = app.test_client()
    bought = trade(app, client, content=copper_prices(rows=rows), product_type="api")
    entitlement_id = grant(app, bought.contract_id, api_quota=10**9).entitlement_id
    response = issue(client, bought.buyer, entitlement_id)
    assert response.status_code in (200, 201), response.get_json()
    return client, bought.product_id, response.get_json()["api_key"]


def pages(client: Any, key: str, product_id: int, limit: int) -> list[dict[str, Any]]:
    """The query strings of every page at this limit, each with the cursor that reaches it."""
    found: list[dict[str, Any]] = [{"limit": limit}]
    while True:
        response = client.get(
            f"{URL}/{product_id}/rows", query_string=found[-1], headers={"X-Api-Key": key}
        )
        assert response.status_code == 200, response.get_json()
        cursor = response.get_json()["next_cursor"]
        if cursor is None:
            return found
        found.append({"limit": limit, "cursor": cursor})


def rows_call(client: Any, key: str, product_id: int, limit: int) -> Callable[[], int]:
    """One call per page in turn; it returns the rows served."""
    queries = pages(client, key, product_id, limit)
    headers = {"X-Api-Key": key}
    turn = iter(range(10**12))

    def call() -> int:
        query = queries[next(turn) % len(queries)]
        response = client.get(f"{URL}/{product_id}/rows", query_string=query, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"data API answered {response.status_code}: {response.get_json()}")
        return len(response.get_json()["rows"])

    return call


def healthz_call(client: Any) -> Callable[[], int]:
    def call() -> int:
        response = client.get("/healthz")
        if response.status_code != 200:
            raise RuntimeError(f"/healthz answered {response.status_code}")
        return 0

    return call


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "MODE": "test",
                "INSTANCE_PATH": tmp,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                "DATA_API_RATE_LIMIT": "1000000000/minute",
            }
        )
        with app.app_context():
            flask_migrate.upgrade()
        client, product_id, key = market(app, args.rows)
        started = time.perf_counter()
        first = client.get(
            f"{URL}/{product_id}/rows", query_string={"limit": 1}, headers={"X-Api-Key": key}
        )
        first_ms = (time.perf_counter() - started) * 1000  # builds the buyer's copy, uncached
        assert first.status_code == 200, first.get_json()
        cases = {
            "GET /healthz (baseline)": healthz_call(client),
            "GET data-api rows?limit=100": rows_call(client, key, product_id, 100),
            "GET data-api rows?limit=1000": rows_call(client, key, product_id, 1000),
        }
        results = timed(cases, args.requests, args.rounds)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    base = results["GET /healthz (baseline)"]["rps"]
    print(f"{args.rows:,} rows, first call (builds the buyer's copy) {first_ms:.0f} ms")
    print(
        f"{'case':<32}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'cpu ms':>9}{'rows/s':>10}"
        f"{'× healthz':>11}"
    )
    for name, row in results.items():
        row["rps_ratio_to_healthz"] = row["rps"] / base
        print(
            f"{name:<32}{row['rps']:>9.0f}{row['p50_ms']:>9.2f}{row['p95_ms']:>9.2f}"
            f"{row['cpu_ms']:>9.2f}{row['rows_per_s']:>10.0f}{row['rps_ratio_to_healthz']:>11.2f}"
        )
    goals = {
        name: row["rps_ratio_to_healthz"] >= GOAL
        for name, row in results.items()
        if "data-api" in name
    }
    for name, met in goals.items():
        print(f"goal ≥ {GOAL}× /healthz, {name}: {'met' if met else 'NOT met'}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"data_api-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    report = {
        "args": vars(args),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "first_call_ms": first_ms,
        "results": results,
        "goal_ratio": GOAL,
        "goals_met": goals,
    }
    path.write_text(json.dumps(report, indent=2))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
