"""Catalog list and search under load, served by gunicorn, as ratios to /healthz in the same run.

Run: .venv/bin/python bench/catalog.py [--sizes 10000,100000] [--backends sqlite,postgresql]
         [--seconds 8] [--clients 4] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
For each backend and catalog size it builds a fresh migrated database, loads that many listed
products (titles and summaries drawn from the exchange's industries, so search terms are as
selective as in a real catalog), starts `gunicorn -w 2`, and drives it from separate client
processes with keep-alive connections. Prints a table and saves bench/results/catalog-<time>.json.
Goals (issue 3): the catalog page at 10k products reaches ≥ 50% of /healthz throughput; search
p95 at 100k products ≤ 50 ms. By default the server runs as in production, with anonymous
catalog pages and catalog answers kept 10 s; --no-cache measures every request computed afresh.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402

from exchange.catalog.search_terms import index_tokens  # noqa: E402

# (board, 中文 words, English words): the vocabulary product titles are drawn from.
INDUSTRIES = (
    (
        "nonferrous",
        ["阴极铜", "铜精矿", "电解铜", "钨精矿", "稀土氧化物", "氧化镨钕"],
        ["copper cathode", "copper concentrate", "tungsten", "rare earth oxide"],
    ),
    (
        "lithium",
        ["碳酸锂", "氢氧化锂", "锂电池", "正极材料", "电解液"],
        ["lithium carbonate", "lithium hydroxide", "battery", "cathode material"],
    ),
    (
        "steel",
        ["螺纹钢", "热轧卷板", "吨钢能耗", "铁矿石", "焦炭"],
        ["rebar", "hot rolled coil", "energy consumption per tonne", "iron ore"],
    ),
    (
        "chemicals",
        ["有机硅", "氟化工", "园区排放", "危化品"],
        ["silicone", "fluorochemicals", "emissions", "hazardous chemicals"],
    ),
    (
        "textiles",
        ["纺织出口", "棉纱", "服装订单", "印染能耗"],
        ["textile exports", "cotton yarn", "garment orders", "dyeing energy"],
    ),
    (
        "energy",
        ["电网负荷", "能耗监测", "光伏发电", "用电量"],
        ["grid load", "energy monitoring", "solar output", "power consumption"],
    ),
    (
        "logistics",
        ["货运价格", "港口吞吐", "冷链物流", "运输时效"],
        ["freight rates", "port throughput", "cold chain", "transit time"],
    ),
    (
        "agriculture",
        ["脐橙产量", "水稻种植", "茶叶价格", "农资"],
        ["navel orange yield", "rice planting", "tea prices", "farm inputs"],
    ),
)
KINDS = (
    ("日度价格", "daily prices"),
    ("库存统计", "inventories"),
    ("月度报告", "monthly report"),
    ("企业名录", "company directory"),
    ("指数", "index"),
    ("产能数据", "capacity data"),
)
CITIES = (
    ("南昌", "nanchang"),
    ("九江", "jiujiang"),
    ("鹰潭", "yingtan"),
    ("赣州", "ganzhou"),
    ("宜春", "yichun"),
    ("新余", "xinyu"),
    ("上饶", "shangrao"),
    ("吉安", "jian"),
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database(backend: str, tmp: Path, size: int, server: str) -> str:
    """A fresh database URL for this backend and size."""
    if backend == "sqlite":
        return f"sqlite:///{tmp / f'catalog-{size}.db'}"
    name = f"ganshu_bench_catalog_{size}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"


def migrate(url: str, instance: Path) -> None:
    import flask_migrate

    from exchange.app import create_app

    app = create_app(
        {"MODE": "test", "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance)}
    )
    with app.app_context():
        flask_migrate.upgrade()
        from exchange.extensions import db

        db.engine.dispose()


def load_products(url: str, size: int, seed: int = 7) -> None:
    """Insert `size` listed products from a handful of vendors, in batches."""
    from exchange.accounts.models import Organisation, User
    from exchange.catalog.models import DataProduct, IndustryBoard, LicenceOffer, ProductRegion

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        boards = dict(connection.execute(select(IndustryBoard.code, IndustryBoard.id)).all())
        user_id = connection.execute(
            insert(User)
            .values(
                email="bench@example.cn",
                display_name="bench",
                password_hash="x",
                is_active=True,
                created_at=now,
            )
            .returning(User.id)
        ).scalar_one()
        vendors = []
        for i, (city_zh, city) in enumerate(CITIES):
            vendors.append(
                (
                    connection.execute(
                        insert(Organisation)
                        .values(
                            name_zh=f"{city_zh}数据科技有限公司",
                            name_en=f"{city.title()} Data Co.",
                            credit_code=f"BENCH{i:013d}",
                            region=city,
                            dcmm_level=1 + i % 5,
                            contact_name="王",
                            contact_phone="0791",
                            contact_email=f"{i}@example.cn",
                            verification_status="verified",
                            created_at=now,
                        )
                        .returning(Organisation.id)
                    ).scalar_one(),
                    city_zh,
                )
            )
    batch = 2000
    next_id = 1
    with engine.begin() as connection:
        for start in range(0, size, batch):
            products, regions, offers = [], [], []
            for _ in range(min(batch, size - start)):
                board, words_zh, words_en = rng.choice(INDUSTRIES)
                word = rng.randrange(len(words_zh))
                kind_zh, kind_en = rng.choice(KINDS)
                vendor_id, city_zh = rng.choice(vendors)
                title_zh = f"{city_zh}{words_zh[word]}{kind_zh}"
                title_en = f"{words_en[word % len(words_en)].title()} {kind_en}"
                summary_zh = f"{words_zh[word]}{kind_zh}，{rng.choice(words_zh)}相关，按日更新。"
                summary_en = f"{kind_en} on {rng.choice(words_en)} for Jiangxi industry."
                price = Decimal(rng.randrange(500, 500000)).quantize(Decimal("0.01"))
                products.append(
                    {
                        "id": next_id,
                        "vendor_id": vendor_id,
                        "board_id": boards[board],
                        "title_zh": title_zh,
                        "title_en": title_en,
                        "summary_zh": summary_zh,
                        "summary_en": summary_en,
                        "description": "基准测试数据。",
                        "product_type": "dataset",
                        "update_frequency": rng.choice(["daily", "weekly", "monthly"]),
                        "coverage_start": date(2024, 1, 1),
                        "coverage_end": date(2026, 10, 31),
                        "tags": [words_zh[word]],
                        "grade": rng.choice(["general"] * 9 + ["important"]),
                        "grade_justification": "公开数据",
                        "declared_quality": {},
                        "status": "listed",
                        "cipher_mode": "aes-256-gcm",
                        "wrapped_key": b"x",
                        "latest_version": 1,
                        "min_price": price,
                        "view_count": 0,
                        "search_title": index_tokens(title_zh, title_en),
                        "search_body": index_tokens(summary_zh, summary_en, [words_zh[word]]),
                        "created_by_id": user_id,
                        "created_at": now,
                        "updated_at": now,
                        "listed_at": now - timedelta(minutes=next_id),
                    }
                )
                regions.append({"product_id": next_id, "region": rng.choice(CITIES)[1]})
                offers.append(
                    {
                        "product_id": next_id,
                        "kind": "non_exclusive",
                        "scope": "internal",
                        "term_months": 12,
                        "territory": "mainland",
                        "seats": 5,
                        "derivative": False,
                        "redistribution": False,
                        "price": price,
                        "is_active": True,
                        "created_at": now,
                    }
                )
                next_id += 1
            connection.execute(insert(DataProduct), products)
            connection.execute(insert(ProductRegion), regions)
            connection.execute(insert(LicenceOffer), offers)
    # What autovacuum would have done by the time anyone searched: statistics, and on
    # PostgreSQL the visibility map that lets the facets index answer without the table.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT setval('data_products_id_seq', :n)"), {"n": next_id})
            connection.execute(text("VACUUM ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))
    engine.dispose()


def serve(url: str, instance: Path, port: int, cache: bool) -> subprocess.Popen[bytes]:
    """gunicorn with two workers on the bench database, with or without the catalog caches."""
    seconds = "10" if cache else "0"
    env = os.environ | {
        "EXCHANGE_PAGE_CACHE_SECONDS": seconds,
        "EXCHANGE_CATALOG_CACHE_SECONDS": seconds,
        "DATABASE_URL": url,
        "EXCHANGE_INSTANCE_PATH": str(instance),
        "EXCHANGE_SECRET_KEY": "bench-secret",
        "EXCHANGE_MASTER_KEY": "bench-master",
        "EXCHANGE_SESSION_COOKIE_SECURE": "false",
    }
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT),
            "wsgi:app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status in (200, 503):
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("gunicorn did not start: " + process.stderr.read().decode()[-2000:])


def _client(args: tuple[int, list[str], float]) -> tuple[int, list[float], int]:
    """One client process: request the paths in turn until time is up; latencies in ms."""
    port, paths, seconds = args
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies: list[float] = []
    errors = 0
    end = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < end:
        path = paths[i % len(paths)]
        i += 1
        start = time.perf_counter()
        connection.request("GET", path, headers={"Accept-Language": "zh-CN"})
        response = connection.getresponse()
        response.read()
        latencies.append((time.perf_counter() - start) * 1000)
        if response.status != 200:
            errors += 1
    return len(latencies), latencies, errors


def load(port: int, paths: list[str], seconds: float, clients: int) -> dict[str, float]:
    """Throughput and latency percentiles of `clients` concurrent keep-alive clients."""
    _client((port, paths, 1.0))  # warm every worker's caches
    with multiprocessing.Pool(clients) as pool:
        results = pool.map(_client, [(port, paths, seconds)] * clients)
    latencies = sorted(x for _, lat, _ in results for x in lat)
    count = sum(n for n, _, _ in results)
    return {
        "requests": count,
        "errors": sum(e for _, _, e in results),
        "rps": count / seconds,
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1],
    }


CASES = {
    "GET /healthz (baseline)": ["/healthz"],
    "GET /products (catalog page)": ["/products"],
    "GET /products?board&sort=price (page)": ["/products?board=steel&sort=price_asc"],
    "GET /products?q= (page search)": ["/products?q=" + quote("碳酸锂")],
    "GET /api/v1/products?q= (search)": [
        "/api/v1/products?q=" + quote(q)
        for q in ("铜", "碳酸锂", "能耗", "copper", "lithium carbonate", "energy consumption")
    ],
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--no-cache", action="store_true", help="measure with the catalog caches off"
    )
    args = parser.parse_args()
    report: dict[str, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            for size in (int(s) for s in args.sizes.split(",")):
                instance = Path(tmp) / f"instance-{backend}-{size}"
                url = database(backend, Path(tmp), size, args.postgres)
                started = time.perf_counter()
                migrate(url, instance)
                load_products(url, size)
                print(
                    f"{backend} {size:,} products loaded in {time.perf_counter() - started:.0f} s"
                )
                port = free_port()
                server = serve(url, instance, port, cache=not args.no_cache)
                try:
                    figures = {
                        name: load(port, paths, args.seconds, args.clients)
                        for name, paths in CASES.items()
                    }
                finally:
                    server.send_signal(signal.SIGTERM)
                    server.wait(30)
                base = figures["GET /healthz (baseline)"]["rps"]
                for row in figures.values():
                    row["rps_ratio_to_healthz"] = row["rps"] / base
                report[f"{backend}/{size}"] = figures
                print(
                    f"{'case':<42}{'rps':>9}{'p50 ms':>9}{'p95 ms':>9}{'× healthz':>11}{'err':>5}"
                )
                for name, row in figures.items():
                    print(
                        f"{name:<42}{row['rps']:>9.0f}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}"
                        f"{row['rps_ratio_to_healthz']:>11.2f}{row['errors']:>5.0f}"
                    )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    mode = "uncached" if args.no_cache else "cached"
    path = out / f"catalog-{mode}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps({"args": vars(args), "results": report}, indent=2))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
