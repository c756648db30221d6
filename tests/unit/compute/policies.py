"""The policies and tables the compute tests share: a salary dataset with keys, bounded and
unbounded aggregate-only columns and a hidden identifier, and the buyer's table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from exchange.compute.domain import ColumnRule, ColumnUse, ComputePolicy

COLUMNS = (
    ColumnRule("region", ColumnUse.GROUP),
    ColumnRule("city", ColumnUse.GROUP),
    ColumnRule("d", ColumnUse.GROUP),
    ColumnRule("salary", ColumnUse.AGGREGATE, lower=0, upper=200_000),
    ColumnRule("bonus", ColumnUse.AGGREGATE),
    ColumnRule("name", ColumnUse.AGGREGATE),
    ColumnRule("ssn", ColumnUse.HIDDEN),
)
THRESHOLD = ComputePolicy(columns=COLUMNS, min_group_size=5, max_rows=100, allow_join=True)
NO_JOIN = ComputePolicy(columns=COLUMNS, min_group_size=5, max_rows=100)
PRIVATE = ComputePolicy(
    columns=COLUMNS, min_group_size=5, max_rows=100, epsilon_budget=10.0, epsilon_per_query=1.0
)
PRIVATE_JOIN = ComputePolicy(
    columns=COLUMNS,
    min_group_size=5,
    max_rows=100,
    epsilon_budget=10.0,
    epsilon_per_query=1.0,
    allow_join=True,
)
BUYER_COLUMNS = ("region", "team", "weight")

if TYPE_CHECKING:
    import duckdb


def connect() -> duckdb.DuckDBPyConnection:
    """An in-process DuckDB with both tables, a few rows each, the way a run would see them."""
    import duckdb  # here, not at collection: the suite freezes what collection imported, and
    # nanobind then reports DuckDB's frozen types as leaks when the interpreter exits

    con = duckdb.connect()
    con.execute(
        "CREATE TABLE data (region VARCHAR, city VARCHAR, d DATE, salary INTEGER,"
        " bonus DOUBLE, name VARCHAR, ssn VARCHAR)"
    )
    con.execute(
        "INSERT INTO data VALUES ('north', 'Nanchang', DATE '2024-01-05', 50000, 10.5, 'Li', 'a'),"
        " ('north', 'Nanchang', DATE '2024-02-05', 70000, NULL, 'Wang', 'b'),"
        " ('south', 'Ganzhou', DATE '2024-03-05', 250000, 1.0, 'Zhao', 'c'),"
        " ('south', NULL, DATE '2024-03-09', NULL, 2.0, 'Qian', 'd')"
    )
    con.execute("CREATE TABLE mine (region VARCHAR, team VARCHAR, weight DOUBLE)")
    con.execute("INSERT INTO mine VALUES ('north', 'red', 1.0), ('south', 'blue', 2.0)")
    return con
