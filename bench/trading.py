"""Complete trades per second through the services, next to the same database's raw insert rate.

Run: .venv/bin/python bench/trading.py [--trades 200] [--backends sqlite,postgresql]
         [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
For each backend it builds a fresh migrated database, a vendor with a listed product whose
rights are certified, and one buyer organisation per trade; then it times complete trades one
after another: offer → accept → both sign (EIP-712, exchange-held keys) → pay by bank transfer →
operator confirms (escrow, rights, entitlement) → buyer accepts delivery (settlement) — every
step in its own unit of work with its ledger entries, as the pages and API run them. The
baseline is the same database's rate of one-row committed inserts, measured in the same run.
Prints a table and saves bench/results/trading-<time>.json. Goal (issue 7): at least 200
complete trades per second through the services on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from catalog import database, migrate  # noqa: E402

PRICE = Decimal("9800.00")


def setup(url: str, instance: Path, trades: int) -> tuple[Any, dict[str, Any]]:
    """The app and a market: vendor, operator, listed certified product, one buyer per trade."""
    from exchange import create_app
    from tests.catalog import person
    from tests.trading import listed_offer

    app = create_app(
        {"MODE": "test", "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance)}
    )
    client = app.test_client()
    vendor = person(app, ["vendor"])
    operator = person(app, ["operator"])
    product_id, offer_id = listed_offer(app, client, vendor, operator)
    buyers = [person(app, ["buyer"]) for _ in range(trades)]
    return app, {"vendor": vendor, "operator": operator, "offer_id": offer_id, "buyers": buyers}


def one_trade(app: Any, market: dict[str, Any], buyer: Any, domain: Any) -> None:
    """Offer → accept → sign twice → pay → confirm → accept delivery, each step committed."""
    from exchange.context import uow
    from exchange.domain.catalog import Territory, UseScope
    from exchange.domain.trading import Terms
    from exchange.extensions import db
    from exchange.services import negotiations, payments, settlement, signing_keys
    from exchange.trading_setup import trading_setup
    from tests.rights import actor

    setup_ = trading_setup(app)
    terms = Terms(PRICE, UseScope.INTERNAL, 12, Territory.MAINLAND, False, 5, False)
    with app.app_context():
        try:
            buying, selling = actor(buyer), actor(market["vendor"])
            opened = negotiations.propose(
                uow(), buying, market["offer_id"], terms, None, expiry_hours=72
            )
            agreed = negotiations.accept(
                uow(), selling, opened["id"], fee_rate=setup_.fee_rate, acceptance_days=7
            )
            contract_id = agreed["contract_id"]
            key = app.config["MASTER_KEY"]
            signing_keys.sign_contract(uow(), selling, contract_id, master_key=key, domain=domain)
            signing_keys.sign_contract(uow(), buying, contract_id, master_key=key, domain=domain)
            bank = setup_.gateway("bank_transfer")
            started = payments.start_payment(uow(), buying, contract_id, gateway=bank)
            payments.confirm_bank_transfer(
                uow(), actor(market["operator"]), started["id"], amount=PRICE
            )
            settlement.accept_delivery(uow(), buying, contract_id)
        finally:
            db.session.remove()


def raw_inserts(url: str, count: int) -> float:
    """One-row committed inserts per second into a scratch table of the same database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, body TEXT)"))
    started = time.perf_counter()
    for n in range(count):
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO bench_raw (id, body) VALUES (:id, :body)"),
                {"id": n, "body": "x" * 200},
            )
    elapsed = time.perf_counter() - started
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE bench_raw"))
    engine.dispose()
    return count / elapsed


def run(backend: str, trades: int, server: str, tmp: Path) -> dict[str, Any]:
    url = database(backend, tmp, trades, server)
    instance = tmp / f"instance-{backend}"
    instance.mkdir(exist_ok=True)
    migrate(url, instance)
    app, market = setup(url, instance, trades)
    from exchange.trading_setup import signing_domain

    with app.app_context():
        domain = signing_domain(app)  # deploys the anchor contract once, as the demo's worker does
    one_trade(app, market, market["buyers"][0], domain)  # warm-up, not timed
    started = time.perf_counter()
    for buyer in market["buyers"][1:]:
        one_trade(app, market, buyer, domain)
    elapsed = time.perf_counter() - started
    timed = len(market["buyers"]) - 1
    inserts = raw_inserts(url, 2000)
    return {
        "backend": backend,
        "trades": timed,
        "seconds": round(elapsed, 3),
        "trades_per_second": round(timed / elapsed, 1),
        "ms_per_trade": round(elapsed / timed * 1000, 2),
        "raw_inserts_per_second": round(inserts, 1),
        "trade_vs_insert": round((timed / elapsed) / inserts, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trades", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            results.append(run(backend, args.trades, args.postgres, Path(tmp)))
    print(f"{'backend':<12}{'trades/s':>10}{'ms/trade':>10}{'inserts/s':>11}{'ratio':>8}")
    for r in results:
        print(
            f"{r['backend']:<12}{r['trades_per_second']:>10}{r['ms_per_trade']:>10}"
            f"{r['raw_inserts_per_second']:>11}{r['trade_vs_insert']:>8}"
        )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "bench" / "results" / f"trading-{stamp}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "machine": platform.platform(),
                "python": platform.python_version(),
                "results": results,
            },
            indent=2,
        )
    )
    print(f"saved {out}")


if __name__ == "__main__":
    main()
