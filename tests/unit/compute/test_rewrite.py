"""What the checker hands the runner: the SQL it rewrote, its outputs and hidden columns, and
a refusal's status and detail."""

from __future__ import annotations

from exchange.compute.checker import QueryRefused, check
from exchange.compute.domain import GROUP_SIZE, Aggregate, OutputColumn, OutputRole, Refusal
from tests.unit.compute.policies import BUYER_COLUMNS, PRIVATE, THRESHOLD, connect


def test_columns_are_named_by_their_table_and_aliases_dropped() -> None:
    query = check("SELECT d.region, count(*) FROM data d GROUP BY region", THRESHOLD)
    assert '"data"."region"' in query.sql
    assert '"d"' not in query.sql
    assert query.group_by == ("region",)


def test_outputs_say_what_they_are() -> None:
    query = check(
        "SELECT region AS r, count(*), sum(salary), count(DISTINCT city) FROM data GROUP BY r",
        THRESHOLD,
    )
    assert query.outputs == (
        OutputColumn("r", OutputRole.KEY, source="region"),
        OutputColumn("count", OutputRole.AGGREGATE, Aggregate.COUNT),
        OutputColumn("sum_salary", OutputRole.AGGREGATE, Aggregate.SUM, "salary"),
        OutputColumn("count_distinct_city", OutputRole.AGGREGATE, Aggregate.COUNT, "city"),
    )
    assert query.hidden == (GROUP_SIZE,)


def test_duplicate_and_reserved_output_names_are_made_unique() -> None:
    query = check(
        "SELECT count(*), count(*), count(*) AS __group_size, count(*) AS count_2 FROM data",
        THRESHOLD,
    )
    names = [output.name for output in query.outputs]
    assert names == ["count", "count_2", "group_size", "count_2_2"]


def test_limit_and_offset_move_to_the_release_and_the_sql_reads_a_capped_number() -> None:
    query = check("SELECT region, count(*) FROM data GROUP BY 1 LIMIT 3 OFFSET 2", THRESHOLD)
    assert (query.limit, query.offset) == (3, 2)
    assert query.row_cap is not None and query.row_cap >= THRESHOLD.max_rows + 2
    assert query.sql.endswith(f"LIMIT {query.row_cap + 1}")
    assert "OFFSET" not in query.sql


def test_under_dp_sums_are_clamped_and_an_average_becomes_a_sum_and_a_count() -> None:
    query = check("SELECT region, sum(salary), avg(salary) FROM data GROUP BY region", PRIVATE)
    assert query.hidden == ("__avg_sum_2", "__avg_count_2", GROUP_SIZE)
    with connect() as con:
        rows = sorted(con.execute(query.sql).fetchall())
    # south: 250000 clamps to 200000, and the NULL salary neither sums nor counts
    assert rows == [
        ("north", 120000, None, 120000, 2, 2),
        ("south", 200000, None, 200000, 1, 2),
    ]


def test_a_join_counts_distinct_data_rows_so_repeated_buyer_rows_do_not_grow_a_group() -> None:
    query = check(
        "SELECT team, count(*) FROM data JOIN mine ON data.region = mine.region GROUP BY team",
        THRESHOLD,
        buyer_columns=BUYER_COLUMNS,
    )
    with connect() as con:
        con.execute("INSERT INTO mine SELECT 'north', 'red', 1.0 FROM range(50)")
        rows = dict((team, size) for team, _, size in con.execute(query.sql).fetchall())
    assert query.joins_buyer_table
    assert rows == {"red": 2, "blue": 2}


def test_unqualified_names_go_to_the_data_when_declared_else_to_the_buyer() -> None:
    query = check(
        "SELECT team, count(*) FROM data JOIN mine ON data.region = mine.region"
        " WHERE region = 'north' GROUP BY team",
        THRESHOLD,
        buyer_columns=BUYER_COLUMNS,
    )
    assert '"data"."region" = \'north\'' in query.sql
    assert '"mine"."team"' in query.sql


def test_a_refusal_is_a_422_naming_the_offending_column() -> None:
    try:
        check("SELECT ssn, count(*) FROM data GROUP BY ssn", THRESHOLD)
    except QueryRefused as refused:
        assert (refused.status, refused.code, refused.rule) == (
            422,
            "query-refused",
            Refusal.COLUMN_NOT_LICENSED,
        )
        assert "%(name)s" in refused.detail
        assert str(refused) == "The licence does not allow reading the column ssn."
    else:
        raise AssertionError("a hidden column was read")


def test_a_refused_function_is_named() -> None:
    try:
        check("SELECT getenv('HOME')", THRESHOLD)
    except QueryRefused as refused:
        assert refused.params["name"] == "getenv"
    else:
        raise AssertionError("getenv passed")


def test_comments_do_not_reach_the_sql() -> None:
    query = check("SELECT /* hello */ count(*) FROM data -- bye", THRESHOLD)
    assert "hello" not in query.sql and "bye" not in query.sql


def test_a_constant_group_key_is_dropped_not_read_as_an_ordinal() -> None:
    query = check("SELECT 3 AS x, region, count(*) FROM data GROUP BY x, region", THRESHOLD)
    assert query.group_by == ("region",)
    assert "GROUP BY 3" not in query.sql
    with connect() as con:
        assert sorted(con.execute(query.sql).fetchall()) == [(3, "north", 2, 2), (3, "south", 2, 2)]
