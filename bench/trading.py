"""Complete trades per second through the services and through HTTP, next to the same
database's raw insert rate.

Run: .venv/bin/python bench/trading.py [--trades 200] [--backends sqlite,postgresql]
         [--clients 4] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
For each backend it builds a fresh migrated database, a vendor with a listed product whose
rights are certified, and one buyer organisation per trade; then it times complete trades:
offer → accept → both sign (EIP-712, exchange-held keys) → pay by bank transfer → operator
confirms (escrow, rights, entitlement) → buyer accepts delivery (settlement) — every step in its
own unit of work with its ledger entries, as the pages and API run them. Three ways:
- services, one process: trades one after another in this process;
- services, two processes: two processes trading at once (the machine's two cores);
- HTTP: `gunicorn -w 2` serving the API, driven by --clients client processes, one request
  per step with bearer tokens.
The baselines, measured in the same run: the database's rate of one-row committed inserts, and
its ceiling for this design — as many bare one-row inserts as a trade sends statements, in as
many commits (the statements are counted on the first, untimed trade). Prints a table and
saves bench/results/trading-<time>.json. Goal (issue 7): at least 200 complete trades per second
through the services on 2 cores.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import platform
import signal
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from catalog import database, free_port, migrate, serve  # noqa: E402

PRICE = Decimal("9800.00")
WAYS = ("services, 1 process", "services, 2 processes", "HTTP, gunicorn -w 2")


def bench_app(url: str, instance: Path) -> Any:
    """The exchange on the bench database, with the same master key as the served one."""
    from exchange.app import create_app

    return create_app(
        {
            "MODE": "test",
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(instance),
            "MASTER_KEY": "bench-master",
        }
    )


def setup(url: str, instance: Path, buyers: int) -> tuple[Any, dict[str, Any]]:
    """The app and a market: vendor, operator, listed certified product, one buyer per trade."""
    from tests.catalog import person
    from tests.trading import listed_offer

    app = bench_app(url, instance)
    client = app.test_client()
    vendor = person(app, ["vendor"])
    operator = person(app, ["operator"])
    _, offer_id = listed_offer(app, client, vendor, operator)
    people = [person(app, ["buyer"]) for _ in range(buyers)]
    return app, {"vendor": vendor, "operator": operator, "offer_id": offer_id, "buyers": people}


def one_trade(app: Any, market: dict[str, Any], buyer: Any, domain: Any) -> None:
    """Offer → accept → sign twice → pay → confirm → accept delivery, each step committed."""
    from exchange.catalog.domain import Territory, UseScope
    from exchange.extensions import db
    from exchange.http.context import uow
    from exchange.trading import (
        negotiations,
        payment_outcomes,
        payment_start,
        settlement,
        signing_keys,
    )
    from exchange.trading.domain import Terms
    from exchange.trading.extension import trading_settings
    from tests.rights import actor

    setup_ = trading_settings(app)
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
            started = payment_start.start_payment(uow(), buying, contract_id, gateway=bank)
            payment_outcomes.confirm_bank_transfer(
                uow(), actor(market["operator"]), started["id"], amount=PRICE
            )
            settlement.accept_delivery(uow(), buying, contract_id)
        finally:
            db.session.remove()


def _trading_process(args: tuple[str, Path, dict[str, Any], list[Any], Any, Any, Any]) -> None:
    """One process of the two-process run: its own app, its own buyers, started together."""
    url, instance, market, buyers, domain, go, done = args
    app = bench_app(url, instance)
    one_trade(app, market, buyers[0], domain)  # warm-up, not timed
    go.wait()
    for buyer in buyers[1:]:
        one_trade(app, market, buyer, domain)
    done.put(len(buyers) - 1)


def in_processes(
    url: str, instance: Path, market: dict[str, Any], buyers: list[Any], domain: Any, count: int
) -> tuple[int, float]:
    """Trades by `count` processes at once: how many, and the seconds from start to last."""
    context = multiprocessing.get_context("spawn")
    go, done = context.Event(), context.Queue()
    share = len(buyers) // count
    processes = [
        context.Process(
            target=_trading_process,
            args=((url, instance, market, buyers[n * share : (n + 1) * share], domain, go, done),),
        )
        for n in range(count)
    ]
    for process in processes:
        process.start()
    time.sleep(8)  # each process imports, builds its app and trades once before the start
    started = time.perf_counter()
    go.set()
    traded = sum(done.get(timeout=600) for _ in processes)
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    return traded, elapsed


def _call(
    connection: http.client.HTTPConnection, path: str, who: Any, body: Any = None, **headers: str
) -> dict[str, Any]:
    connection.request(
        "POST",
        "/api/v1" + path,
        body=json.dumps(body or {}),
        headers=who.headers | {"Content-Type": "application/json"} | headers,
    )
    response = connection.getresponse()
    answer: dict[str, Any] = json.loads(response.read() or b"{}")
    if response.status >= 300:
        raise RuntimeError(f"POST {path}: {response.status} {answer}")
    return answer


def _http_client(args: tuple[int, dict[str, Any], list[Any]]) -> int:
    """One client process: a complete trade per buyer through the API, one request per step."""
    port, market, buyers = args
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    vendor, operator = market["vendor"], market["operator"]
    terms = {
        "price": str(PRICE),
        "scope": "internal",
        "term_months": 12,
        "territory": "mainland",
        "exclusive": False,
        "seats": 5,
        "derivative": False,
    }
    for buyer in buyers:
        opened = _call(connection, "/negotiations", buyer, {"offer_id": market["offer_id"]} | terms)
        agreed = _call(connection, f"/negotiations/{opened['id']}/accept", vendor)
        contract_id = agreed["contract_id"]
        _call(connection, f"/contracts/{contract_id}/sign", vendor)
        _call(connection, f"/contracts/{contract_id}/sign", buyer)
        payment = _call(
            connection,
            "/payments",
            buyer,
            {"contract_id": contract_id, "gateway": "bank_transfer"},
            **{"Idempotency-Key": uuid.uuid4().hex},
        )
        _call(connection, f"/payments/{payment['id']}/confirm", operator, {"amount": str(PRICE)})
        _call(connection, f"/contracts/{contract_id}/accept-delivery", buyer)
    return len(buyers)


def over_http(
    url: str, instance: Path, market: dict[str, Any], buyers: list[Any], clients: int
) -> tuple[int, float]:
    """Trades through gunicorn -w 2 by `clients` client processes: how many, and the seconds."""
    port = free_port()
    server = serve(url, instance, port, cache=False)
    try:
        _http_client((port, market, buyers[:1]))  # warm-up, not timed
        rest = buyers[1:]
        share = len(rest) // clients
        jobs = [(port, market, rest[n * share : (n + 1) * share]) for n in range(clients)]
        with multiprocessing.get_context("spawn").Pool(clients) as pool:
            started = time.perf_counter()
            traded = sum(pool.map(_http_client, jobs))
            elapsed = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return traded, elapsed


def statements_of_a_trade(
    app: Any, market: dict[str, Any], buyer: Any, domain: Any
) -> tuple[int, int]:
    """One complete trade, counting the SQL statements it sends and the commits it makes."""
    from sqlalchemy import event

    from exchange.extensions import db

    counted = {"statements": 0, "commits": 0}

    def statement(*_: Any) -> None:
        counted["statements"] += 1

    def commit(*_: Any) -> None:
        counted["commits"] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        one_trade(app, market, buyer, domain)
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
    return counted["statements"], counted["commits"]


def floor_rate(url: str, statements: int, commits: int, trades: int = 100) -> float:
    """Trades per second if every statement of a trade were the cheapest possible one (a
    one-row insert), in as many transactions: what the database alone allows this design."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE bench_floor (id INTEGER PRIMARY KEY, body TEXT)"))
    per_commit = max(1, statements // commits)
    n = 0
    started = time.perf_counter()
    for _ in range(trades):
        for _ in range(commits):
            with engine.begin() as connection:
                for _ in range(per_commit):
                    connection.execute(
                        text("INSERT INTO bench_floor (id, body) VALUES (:id, :body)"),
                        {"id": n, "body": "x" * 200},
                    )
                    n += 1
    elapsed = time.perf_counter() - started
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE bench_floor"))
    engine.dispose()
    return trades / elapsed


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


def run(backend: str, trades: int, clients: int, server: str, tmp: Path) -> list[dict[str, Any]]:
    url = database(backend, tmp, trades, server)
    instance = tmp / f"instance-{backend}"
    instance.mkdir(exist_ok=True)
    migrate(url, instance)
    app, market = setup(url, instance, 3 * (trades + 1) + clients)
    from exchange.extensions import db
    from exchange.trading.extension import signing_domain

    with app.app_context():
        domain = signing_domain(app)  # deploys the anchor contract once, as the demo's worker does
        db.session.remove()
    buyers = market.pop("buyers")
    mine, theirs, served = (
        buyers[: trades + 1],
        buyers[trades + 1 : 2 * (trades + 1)],
        buyers[2 * (trades + 1) :],
    )
    statements, commits = statements_of_a_trade(app, market, mine[0], domain)  # warm-up
    started = time.perf_counter()
    for buyer in mine[1:]:
        one_trade(app, market, buyer, domain)
    timings = [(trades, time.perf_counter() - started)]
    with app.app_context():
        db.engine.dispose()
    timings.append(in_processes(url, instance, market, theirs, domain, 2))
    timings.append(over_http(url, instance, market, served, clients))
    inserts = raw_inserts(url, 2000)
    floor = floor_rate(url, statements, commits)
    return [
        {
            "backend": backend,
            "way": way,
            "trades": traded,
            "seconds": round(elapsed, 3),
            "trades_per_second": round(traded / elapsed, 1),
            "ms_per_trade": round(elapsed / traded * 1000, 2),
            "raw_inserts_per_second": round(inserts, 1),
            "trade_vs_insert": round((traded / elapsed) / inserts, 4),
            "statements_per_trade": statements,
            "commits_per_trade": commits,
            "floor_trades_per_second": round(floor, 1),
        }
        for way, (traded, elapsed) in zip(WAYS, timings, strict=True)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trades", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            results.extend(run(backend, args.trades, args.clients, args.postgres, Path(tmp)))
    print(f"{'backend':<12}{'way':<24}{'trades/s':>10}{'ms/trade':>10}{'inserts/s':>11}")
    for r in results:
        print(
            f"{r['backend']:<12}{r['way']:<24}{r['trades_per_second']:>10}"
            f"{r['ms_per_trade']:>10}{r['raw_inserts_per_second']:>11}"
        )
    for r in results[:: len(WAYS)]:
        print(
            f"{r['backend']}: a trade sends {r['statements_per_trade']} statements in "
            f"{r['commits_per_trade']} commits; as bare one-row inserts that many would allow "
            f"{r['floor_trades_per_second']} trades/s (the database's ceiling for this design)"
        )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "bench" / "results" / f"trading-{stamp}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "machine": platform.platform(),
                "python": platform.python_version(),
                "goal_trades_per_second": 200,
                "results": results,
            },
            indent=2,
        )
    )
    print(f"saved {out}")


if __name__ == "__main__":
    main()
