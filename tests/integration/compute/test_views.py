"""Parquet is queried through a view of a file of its licensed columns: the same results as a
loaded table, and no other file, nor a hidden column, within reach."""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from exchange.compute.domain import GROUP_SIZE, Aggregate, ColumnRule, ColumnUse, ComputePolicy
from exchange.compute.sandbox import QueryFailed
from tests.integration.compute.conftest import checked, hostile

FIELDS = [
    {"name": "city", "type": "string"},
    {"name": "amount", "type": "decimal"},
    {"name": "visits", "type": "integer"},
    {"name": "day", "type": "date"},
    {"name": "member", "type": "boolean"},
]
POLICY = ComputePolicy(
    columns=(
        ColumnRule("city", ColumnUse.GROUP),
        ColumnRule("day", ColumnUse.GROUP),
        ColumnRule("member", ColumnUse.GROUP),
        ColumnRule("amount", ColumnUse.AGGREGATE),
        ColumnRule("visits", ColumnUse.AGGREGATE),
    ),
    min_group_size=1,
    max_rows=100,
)
ROWS = [
    ("北京", 1.5, 10, "2025-01-03", True),
    ("北京", 2.25, None, "2025-01-03", False),
    ("上海", 1000.25, 5, "2025-02-01", True),
    ("上海", None, 7, None, None),
    ("北京", 4.0, 1, "2025-03-09", True),
    ("广州", 9.0, 9, "2025-03-09", False),
]
QUERIES = [
    (
        f"SELECT city, COUNT(*) AS n, SUM(amount) AS total, AVG(visits) AS visits,"
        f" COUNT(*) AS {GROUP_SIZE} FROM data GROUP BY city ORDER BY city",
        [("city", None), ("n", Aggregate.COUNT), ("total", Aggregate.SUM), ("visits", None)],
    ),
    (
        f"SELECT day, member, COUNT(amount) AS n, MAX(visits) AS top, COUNT(*) AS {GROUP_SIZE}"
        " FROM data WHERE day >= DATE '2025-01-03' GROUP BY day, member ORDER BY day, member",
        [("day", None), ("member", None), ("n", Aggregate.COUNT), ("top", None)],
    ),
]
# The view reads the file where it lies; a table is a copy (see loading.load_data).
IS_VIEW = f"SELECT COUNT(*) AS n, 5 AS {GROUP_SIZE} FROM duckdb_views() WHERE view_name = 'data'"


def parquet_bytes(secret: bool = False) -> bytes:
    columns: dict[str, list[object]] = {
        name: [row[i] for row in ROWS] for i, name in enumerate(f["name"] for f in FIELDS)
    }
    table = pa.table(columns).set_column(
        3, "day", pa.array([row[3] for row in ROWS], pa.string()).cast(pa.date32())
    )
    if secret:
        table = table.append_column("secret", pa.array([str(i) for i in range(len(ROWS))]))
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


def json_bytes() -> bytes:
    items = [dict(zip((f["name"] for f in FIELDS), row, strict=True)) for row in ROWS]
    return json.dumps(items, ensure_ascii=False).encode()


def run(sandbox, stored, file_format, query, fields=FIELDS):
    return sandbox.run_query(
        stored.sealed(),
        data_key=stored.data_key,
        mode=stored.mode,
        file_format=file_format,
        fields=fields,
        query=query,
        policy=POLICY,
    ).released


def test_a_view_over_parquet_gives_what_a_table_of_the_same_data_gives(sandbox, upload):
    parquet, as_json = upload(parquet_bytes()), upload(json_bytes())
    assert run(sandbox, parquet, "parquet", hostile(IS_VIEW)).rows == ((1,),)
    assert run(sandbox, as_json, "json", hostile(IS_VIEW)).rows == ((0,),)
    for sql, outputs in QUERIES:
        query = checked(sql, outputs)
        from_view = run(sandbox, parquet, "parquet", query)
        assert from_view.rows  # something to compare
        assert from_view == run(sandbox, as_json, "json", query)


def test_a_parquet_file_holding_a_hidden_column_is_read_through_a_copy_without_it(sandbox, upload):
    fields = [*FIELDS, {"name": "secret", "type": "string"}]
    stored = upload(parquet_bytes(secret=True))
    assert run(sandbox, stored, "parquet", hostile(IS_VIEW), fields).rows == ((1,),)
    query = checked(*QUERIES[0])
    assert run(sandbox, stored, "parquet", query, fields) == run(
        sandbox, upload(parquet_bytes()), "parquet", query
    )


def test_through_the_view_no_other_file_can_be_read_or_written(sandbox, upload, tmp_path, caplog):
    other = tmp_path / "other.parquet"
    pq.write_table(pa.table({"x": [1, 2, 3]}), other)
    stored = upload(parquet_bytes())
    size = GROUP_SIZE
    attempts = [
        f"SELECT COUNT(*) AS n FROM read_parquet('{other}')",
        f"SELECT COUNT(*) AS n FROM '{other}'",
        f"SELECT COUNT(*) AS n FROM read_parquet('{tmp_path}/*.parquet')",
        f"SELECT COUNT(*) AS n FROM read_parquet(['data.parquet', '{other}'])",
        f"SELECT COUNT(*) AS n FROM glob('{tmp_path}/*')",
        "SELECT COUNT(*) AS n FROM glob('*')",  # the child's own folder
        "SELECT COUNT(*) AS n FROM read_parquet('*.parquet')",
        "SELECT COUNT(*) AS n FROM read_parquet('./*')",
        "SELECT COUNT(*) AS n FROM read_text('/proc/self/environ')",
        "SELECT COUNT(*) AS n FROM read_csv('/etc/passwd')",
        f"SELECT COUNT(*) AS n FROM parquet_metadata('{other}')",
        "COPY (SELECT 1) TO 'data.parquet'",
        "SET allowed_paths = ['/']",
        "SET enable_external_access = true",
    ]
    for sql in attempts:
        caplog.clear()
        with pytest.raises(QueryFailed):
            run(sandbox, stored, "parquet", hostile(sql.replace(" AS n", f" AS n, 5 AS {size}")))
        if sql.startswith("SELECT"):  # refused by DuckDB's own wall, not by another failure
            assert "PermissionException" in caplog.text
    assert run(sandbox, stored, "parquet", hostile(IS_VIEW)).rows == ((1,),)  # it was a view
    assert sorted(path.name for path in tmp_path.iterdir()) == ["objects", "other.parquet"]
