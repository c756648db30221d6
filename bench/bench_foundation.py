"""Request costs of the foundation, as ratios to /healthz measured in the same run.

Run: .venv/bin/python bench/bench_foundation.py [--requests N]
Prints a table and saves bench/results/foundation-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import flask_migrate

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demo.organisations import DEMO_PASSWORD, load_demo_data
from exchange.app import create_app  # noqa: E402
from exchange.extensions import db  # noqa: E402
from exchange.kernel.unit_of_work import UnitOfWork


def timed(call, n: int) -> dict[str, float]:  # noqa: ANN001
    """Per-request wall time in milliseconds over n calls (after 3 warm-up calls)."""
    for _ in range(3):
        call()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return {"median_ms": statistics.median(samples), "p95_ms": sorted(samples)[int(n * 0.95) - 1]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "MODE": "test",
                "INSTANCE_PATH": tmp,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                "SIGNIN_MAX_FAILURES": 10**9,
            }
        )
        with app.app_context():
            flask_migrate.upgrade()
            load_demo_data(UnitOfWork(db.session))
        client = app.test_client()
        credentials = {"email": "vendor@demo.ganshu.cn", "password": DEMO_PASSWORD}
        token = client.post("/api/v1/auth/tokens", json=credentials).get_json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        org_id = client.get("/api/v1/me", headers=headers).get_json()["memberships"][0][
            "organisation_id"
        ]
        n = args.requests
        cases = {
            "GET /healthz (baseline)": lambda: client.get("/healthz"),
            "GET /api/v1/me": lambda: client.get("/api/v1/me", headers=headers),
            "GET /api/v1/organisations/<id>": lambda: client.get(
                f"/api/v1/organisations/{org_id}", headers=headers
            ),
            "GET / (home page)": lambda: client.get("/"),
            "POST /api/v1/auth/tokens (argon2)": lambda: client.post(
                "/api/v1/auth/tokens", json=credentials
            ),
        }
        results = {
            name: timed(call, n if "argon2" not in name else max(n // 10, 10))
            for name, call in cases.items()
        }
        with app.app_context():
            db.engine.dispose()
    baseline = results["GET /healthz (baseline)"]["median_ms"]
    print(f"{'case':<40}{'median ms':>12}{'p95 ms':>10}{'× baseline':>12}")
    for name, figures in results.items():
        figures["ratio_to_baseline"] = figures["median_ms"] / baseline
        print(
            f"{name:<40}{figures['median_ms']:>12.2f}{figures['p95_ms']:>10.2f}"
            f"{figures['ratio_to_baseline']:>12.1f}"
        )
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out / f"foundation-{stamp}.json"
    path.write_text(json.dumps({"requests": args.requests, "results": results}, indent=2))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
