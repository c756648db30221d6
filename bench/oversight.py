"""The regulators' dashboard and trade list over many trades, and a full-ledger verification,
served by gunicorn and measured next to /healthz in the same run.

Run: .venv/bin/python bench/oversight.py [--trades 100000] [--entries 100000]
         [--backends sqlite,postgresql] [--seconds 8] [--clients 4]
         [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
For each backend it builds a fresh migrated database with 2,000 listed products (as
bench/catalog.py loads them), 40 buyer organisations and --trades contracts spread over two
years (most of them paid: in escrow or settled), each with its negotiation and payment, and a
ledger of --entries entries; then it starts `gunicorn -w 2` and drives it from --clients client
processes with a regulator's bearer token: /healthz (the baseline), the dashboard, the trade
list filtered by board, the trade list sorted by amount. It then times one full-ledger
verification through the API. Every dashboard and list view also writes its audit event, as in
production. Prints a table and saves bench/results/oversight-<time>.json. Goals (issue 8):
dashboard p95 ≤ 200 ms and trade list p95 ≤ 100 ms at 100k trades.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import multiprocessing
import platform
import random
import signal
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from catalog import database, free_port, load_products, migrate, serve  # noqa: E402
from ledger import bulk_load  # noqa: E402
from sqlalchemy import create_engine, insert, select, text  # noqa: E402

from exchange.payments.domain import Gateway, PaymentStatus  # noqa: E402
from exchange.trading.domain import ContractStatus  # noqa: E402

PRODUCTS = 2000
BUYERS = 40
TOKEN = "gsx_bench-regulator-token-0000000000000000000"
STATUSES = [ContractStatus.SETTLED] * 6 + [
    ContractStatus.IN_ESCROW,
    ContractStatus.IN_ESCROW,
    ContractStatus.AWAITING_PAYMENT,
    ContractStatus.AWAITING_SIGNATURES,
]
CASES = {
    "GET /healthz (baseline)": ["/healthz"],
    "GET /api/v1/oversight/dashboard": ["/api/v1/oversight/dashboard"],
    "GET /api/v1/oversight/trades?board": [
        f"/api/v1/oversight/trades?board={board}"
        for board in ("nonferrous", "lithium", "steel", "chemicals")
    ],
    "GET /api/v1/oversight/trades?sort=-amount": ["/api/v1/oversight/trades?sort=-amount"],
}


def _engine(url: str) -> Any:
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://"))


def load_trades(url: str, trades: int, seed: int = 11) -> None:
    """Buyers, a regulator with a token, and `trades` contracts with negotiations and payments."""
    from exchange.accounts.models import ApiToken, Membership, MembershipRole, Organisation, User
    from exchange.catalog.models import DataProduct, LicenceOffer
    from exchange.payments.models import Payment
    from exchange.trading.models import Negotiation, TradeContract

    rng = random.Random(seed)
    now = datetime.now(UTC)
    engine = _engine(url)
    with engine.begin() as connection:
        products = connection.execute(
            select(DataProduct.id, DataProduct.vendor_id, LicenceOffer.id, LicenceOffer.price).join(
                LicenceOffer, LicenceOffer.product_id == DataProduct.id
            )
        ).all()
        buyers = [
            connection.execute(
                insert(Organisation)
                .values(
                    name_zh=f"采购方{n:02d}有限公司",
                    name_en=f"Buyer {n:02d} Ltd",
                    credit_code=f"BUYER{n:013d}",
                    region="nanchang",
                    dcmm_level=3,
                    contact_name="李",
                    contact_phone=f"0791-{n:04d}",
                    contact_email=f"buyer{n}@example.cn",
                    verification_status="verified",
                    created_at=now,
                )
                .returning(Organisation.id)
            ).scalar_one()
            for n in range(BUYERS)
        ]
        regulator = connection.execute(
            insert(Organisation)
            .values(
                name_zh="江西省数据局",
                name_en="Jiangxi Data Bureau",
                credit_code="REGULATOR00000000",
                region="nanchang",
                dcmm_level=5,
                contact_name="张",
                contact_phone="0791-0000",
                contact_email="regulator@example.cn",
                verification_status="verified",
                created_at=now,
            )
            .returning(Organisation.id)
        ).scalar_one()
        user_id = connection.execute(
            insert(User)
            .values(
                email="regulator@example.cn",
                display_name="监管员",
                password_hash="x",
                is_active=True,
                created_at=now,
            )
            .returning(User.id)
        ).scalar_one()
        membership_id = connection.execute(
            insert(Membership)
            .values(user_id=user_id, organisation_id=regulator, is_admin=False, created_at=now)
            .returning(Membership.id)
        ).scalar_one()
        connection.execute(
            insert(MembershipRole).values(membership_id=membership_id, role="regulator")
        )
        connection.execute(
            insert(ApiToken).values(
                user_id=user_id,
                name="bench",
                token_hash=hashlib.sha256(TOKEN.encode()).hexdigest(),
                expires_at=now + timedelta(days=1),
                created_at=now,
            )
        )
    batch = 5000
    with engine.begin() as connection:
        for start in range(0, trades, batch):
            negotiations, contracts, payments = [], [], []
            for n in range(start, min(start + batch, trades)):
                product_id, vendor_id, offer_id, listed = rng.choice(products)
                price = (listed * Decimal(rng.uniform(0.6, 1.4))).quantize(Decimal("0.01"))
                status = rng.choice(STATUSES)
                at = now - timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
                negotiations.append(
                    {
                        "id": n + 1,
                        "offer_id": offer_id,
                        "product_id": product_id,
                        "buyer_id": rng.choice(buyers),
                        "vendor_id": vendor_id,
                        "status": "accepted",
                        "turn": "vendor",
                        "expires_at": at + timedelta(hours=72),
                        "created_at": at,
                        "updated_at": at,
                    }
                )
                contracts.append(
                    {
                        "id": n + 1,
                        "number": f"GTC-B{n + 1:09d}",
                        "negotiation_id": n + 1,
                        "product_id": product_id,
                        "offer_id": offer_id,
                        "vendor_id": vendor_id,
                        "buyer_id": negotiations[-1]["buyer_id"],
                        "price": price,
                        "currency": "CNY",
                        "fee_rate": Decimal("0.03"),
                        "terms": {"scope": "internal", "term_months": 12},
                        "canonical": "{}",
                        "contract_hash": "0" * 64,
                        "text_zh": "基准合同",
                        "text_en": "Bench contract",
                        "signed_at_unix": int(at.timestamp()),
                        "status": status,
                        "ledger_seq": n,
                        "created_at": at,
                        "updated_at": at,
                    }
                )
                if status in (ContractStatus.SETTLED, ContractStatus.IN_ESCROW):
                    payments.append(
                        {
                            "contract_id": n + 1,
                            "gateway": Gateway.BANK_TRANSFER,
                            "reference": f"GSPB{n + 1:09d}",
                            "amount": price,
                            "currency": "CNY",
                            "status": PaymentStatus.SUCCEEDED,
                            "idempotency_key": f"bench-{n + 1}",
                            "created_at": at,
                            "updated_at": at,
                        }
                    )
            connection.execute(insert(Negotiation), negotiations)
            connection.execute(insert(TradeContract), contracts)
            if payments:
                connection.execute(insert(Payment), payments)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "postgresql":
            for table in ("negotiations", "trade_contracts"):
                connection.execute(
                    text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                )
            connection.execute(text("VACUUM ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))
    engine.dispose()


def _client(args: tuple[int, list[str], float]) -> tuple[int, list[float], int]:
    """One client process with the regulator's token: request the paths in turn until time is
    up; latencies in ms."""
    port, paths, seconds = args
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept-Language": "zh-CN"}
    latencies: list[float] = []
    errors = 0
    end = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < end:
        path = paths[i % len(paths)]
        i += 1
        start = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        latencies.append((time.perf_counter() - start) * 1000)
        if response.status != 200:
            errors += 1
    return len(latencies), latencies, errors


def load(port: int, paths: list[str], seconds: float, clients: int) -> dict[str, float]:
    """Throughput and latency percentiles of `clients` concurrent keep-alive clients."""
    _client((port, paths, 1.0))  # warm every worker
    with multiprocessing.get_context("spawn").Pool(clients) as pool:
        results = pool.map(_client, [(port, paths, seconds)] * clients)
    latencies = sorted(x for _, lat, _ in results for x in lat)
    count = sum(n for n, _, _ in results)
    return {
        "requests": count,
        "errors": sum(e for _, _, e in results),
        "rps": round(count / seconds, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 1),
    }


def verification_seconds(port: int) -> tuple[float, dict[str, Any]]:
    """One full-ledger verification through the API: seconds, and the report's headline."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    connection.request(
        "POST",
        "/api/v1/oversight/verification",
        body="{}",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    response = connection.getresponse()
    report = json.loads(response.read())
    elapsed = time.perf_counter() - started
    if response.status != 200:
        raise RuntimeError(f"verification: {response.status} {report}")
    return elapsed, {"ok": report["ok"], "entries": report["entries"]}


def run(backend: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    url = database(backend, tmp, args.trades, args.postgres)
    instance = tmp / f"instance-{backend}"
    instance.mkdir(exist_ok=True)
    migrate(url, instance)
    started = time.perf_counter()
    load_products(url, PRODUCTS)
    load_trades(url, args.trades)
    engine = _engine(url)
    bulk_load(engine, args.entries)
    engine.dispose()
    loading = time.perf_counter() - started
    port = free_port()
    server = serve(url, instance, port, cache=False)
    try:
        cases = {
            name: load(port, paths, args.seconds, args.clients) for name, paths in CASES.items()
        }
        seconds, report = verification_seconds(port)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    baseline = cases["GET /healthz (baseline)"]["rps"]
    for result in cases.values():
        result["vs_healthz"] = round(result["rps"] / baseline, 3) if baseline else None
    return {
        "backend": backend,
        "trades": args.trades,
        "entries": args.entries,
        "load_seconds": round(loading, 1),
        "cases": cases,
        "verification_seconds": round(seconds, 2),
        "verification": report,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trades", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            results.append(run(backend, args, Path(tmp)))
    print(f"{'backend':<12}{'case':<44}{'rps':>8}{'p50 ms':>9}{'p95 ms':>9}{'×healthz':>10}")
    for r in results:
        for name, case in r["cases"].items():
            print(
                f"{r['backend']:<12}{name:<44}{case['rps']:>8}{case['p50_ms']:>9}"
                f"{case['p95_ms']:>9}{case['vs_healthz']:>10}"
            )
        print(
            f"{r['backend']:<12}{'full-ledger verification, ' + str(r['entries']) + ' entries':<44}"
            f"{r['verification_seconds']:>8} s"
        )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "bench" / "results" / f"oversight-{stamp}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "machine": platform.platform(),
                "python": platform.python_version(),
                "goals_p95_ms": {"dashboard": 200, "trade list": 100},
                "results": results,
            },
            indent=2,
            default=str,
        )
    )
    print(f"saved {out}")


if __name__ == "__main__":
    main()
