"""The benchmark's product, its licence and queries, and the two ways of running a query: bare
DuckDB over the plain file, and the exchange's sandbox over the sealed object (bench/compute.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from exchange.compute.checker import check  # noqa: E402
from exchange.compute.domain import ColumnRule, ColumnUse, ComputePolicy, Released  # noqa: E402
from exchange.compute.sandbox import Sandbox, SandboxLimits  # noqa: E402
from exchange.storage import CipherMode, LocalObjectStore  # noqa: E402
from exchange.storage.ciphers import data_key_size  # noqa: E402

CITIES = ("nanchang", "jiujiang", "jingdezhen", "pingxiang", "xinyu", "yingtan", "ganzhou")
CITIES += ("jian", "yichun", "fuzhou", "shangrao")
REGIONS = [f"{city}-{district}" for city in CITIES for district in ("east", "west", "centre")]
FIELDS = [
    {"name": "region", "type": "string"},
    {"name": "day", "type": "date"},
    {"name": "amount", "type": "decimal"},
    {"name": "count", "type": "integer"},
    {"name": "mobile", "type": "string"},
]
POLICY = ComputePolicy(
    columns=(
        ColumnRule("region", ColumnUse.GROUP),
        ColumnRule("day", ColumnUse.GROUP),
        ColumnRule("mobile", ColumnUse.GROUP),  # its patterns group customers
        ColumnRule("amount", ColumnUse.AGGREGATE),
        ColumnRule("count", ColumnUse.AGGREGATE),
    ),
    min_group_size=1,
    max_rows=10_000,
)
HIDING = ComputePolicy(  # the mobile number hidden: the sandbox keeps a copy without it
    columns=tuple(rule for rule in POLICY.columns if rule.name != "mobile"),
    min_group_size=1,
    max_rows=10_000,
)
BY_REGION = (
    "SELECT region, COUNT(*) AS n, SUM(amount) AS total, AVG(count) AS avg_count"
    " FROM data GROUP BY region ORDER BY region"
)
HEAVY = (  # numbers with an 88 are sought after, those with a 4 shunned
    "SELECT region, YEAR(day) AS y, MONTH(day) AS m, mobile LIKE '%88%' AS lucky,"
    " mobile LIKE '%4%' AS unlucky, COUNT(*) AS n, SUM(amount) AS total,"
    " AVG(amount) AS avg_amount, SUM(count) AS units, AVG(count) AS avg_units,"
    " MIN(day) AS first_day, MAX(day) AS last_day FROM data"
    " GROUP BY region, YEAR(day), MONTH(day), mobile LIKE '%88%', mobile LIKE '%4%'"
    " ORDER BY region, y, m, lucky, unlucky"
)


def write_parquet(path: Path, rows: int, seed: int) -> None:
    """The product's file, generated column by column with pyarrow.compute (no Python loop)."""

    def uniform(scale: float, salt: int) -> pa.Array:
        return pc.floor(pc.multiply(pc.random(rows, initializer=seed * 10 + salt), scale))

    region = pc.cast(uniform(len(REGIONS), 1), pa.int32())
    first_day = 19_723  # 2024-01-01 in days since 1970
    day = pc.cast(pc.add(uniform(731, 2), first_day), pa.int32()).view(pa.date32())
    amount = pc.cast(pc.divide(uniform(10_000_000, 3), 100), pa.decimal128(12, 2))
    mobile = pc.add(pc.cast(uniform(7e9, 5), pa.int64()), 13_000_000_000)
    table = pa.table(
        {
            "region": pa.DictionaryArray.from_arrays(region, pa.array(REGIONS)),
            "day": day,
            "amount": amount,
            "count": pc.cast(uniform(500, 4), pa.int64()),
            "mobile": pc.cast(mobile, pa.string()),
        }
    )
    pq.write_table(table, path)


class Sealed:
    """A file put in the store under a fresh data key, as the catalog stores a version."""

    def __init__(self, store: LocalObjectStore, source: Path, name: str) -> None:
        self.store = store
        self.path = source
        self.key = f"products/bench/{name}"
        self.mode = CipherMode.AES_256_GCM
        self.data_key = os.urandom(data_key_size(self.mode))
        size = source.stat().st_size
        with source.open("rb") as file:
            chunks = iter(lambda: file.read(1 << 20), b"")
            store.put(self.key, chunks, self.data_key, self.mode, max_bytes=size + 1)


def bare(path: Path, text: str) -> list[tuple[object, ...]]:
    """The query in a fresh DuckDB over the plain file, as its owner would run it."""
    con = duckdb.connect()
    try:
        con.execute(f"CREATE VIEW data AS SELECT * FROM read_parquet('{path}')")
        return con.execute(text).fetchall()
    finally:
        con.close()


def exchange(
    sandbox: Sandbox,
    sealed: Sealed,
    text: str,
    limits: SandboxLimits,
    policy: ComputePolicy = POLICY,
) -> Released:
    """The query checked and run in the sandbox over the sealed object, as SandboxRunner runs
    it: keyed by the object, so the sandbox keeps the licensed columns for the next run."""
    query = check(text, policy)
    return sandbox.run_query(
        sealed.store.open_sealed(sealed.key),
        data_key=sealed.data_key,
        mode=sealed.mode,
        file_format="parquet",
        fields=FIELDS,
        query=query,
        policy=policy,
        limits=limits,
        cache_key=sealed.key,
    ).released
