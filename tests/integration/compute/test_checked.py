"""Queries as the checker rewrites them, run in the sandbox and released under the licence."""

from __future__ import annotations

import pytest

from exchange.compute.checker import check
from exchange.compute.domain import ComputePolicy
from exchange.compute.release import TooManyRows
from tests.integration.compute.conftest import FIELDS, POLICY
from tests.integration.compute.test_queries import csv_bytes, parquet_bytes

JOINING = ComputePolicy(POLICY.columns, min_group_size=2, max_rows=100, allow_join=True)
BUYER = {
    "fields": [{"name": "city", "type": "string"}, {"name": "region", "type": "string"}],
    "rows": [["北京", "north"], ["北京", "north"], ["上海", "east"], ["广州", "south"]],
}


def run(sandbox, stored, file_format, text, policy=POLICY, buyer_table=None):
    columns = [field["name"] for field in BUYER["fields"]] if buyer_table else ()
    return sandbox.run_query(
        stored.sealed(),
        data_key=stored.data_key,
        mode=stored.mode,
        file_format=file_format,
        fields=FIELDS,
        query=check(text, policy, buyer_columns=columns),
        policy=policy,
        buyer_table=buyer_table,
    )


def test_a_checked_query_is_released_with_small_groups_dropped(sandbox, upload):
    text = "SELECT city, COUNT(*) AS n, SUM(visits) AS v FROM data GROUP BY city ORDER BY city"
    released = run(sandbox, upload(csv_bytes()), "csv", text).released
    assert released.columns == ("city", "n", "v")
    assert released.rows == (("上海", 2, 12), ("北京", 3, 31))
    assert released.suppressed == 1


def test_a_checked_join_counts_the_datas_rows_not_the_buyers(sandbox, upload):
    text = (
        "SELECT m.region, COUNT(*) AS n FROM data d JOIN mine m ON d.city = m.city"
        " GROUP BY m.region ORDER BY m.region"
    )
    released = run(sandbox, upload(parquet_bytes()), "parquet", text, JOINING, BUYER).released
    # 北京's three rows meet the buyer's two: six joined rows, still three of the data's.
    assert released.rows == (("east", 2), ("north", 6))
    assert released.suppressed == 1  # 广州: one row of data, however the buyer repeats it


def test_more_groups_than_the_licence_releases_is_refused_by_the_release(sandbox, upload):
    policy = ComputePolicy(POLICY.columns, min_group_size=1, max_rows=2)
    text = "SELECT city, COUNT(*) AS n FROM data GROUP BY city"  # three groups
    with pytest.raises(TooManyRows):
        run(sandbox, upload(csv_bytes()), "csv", text, policy)
