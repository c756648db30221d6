"""The data API's rows, pure: filters parsed from `column:op:value`, cells compared as their
column's declared type, blanks, pages bounded by SCAN_LIMIT, and cells written as JSON."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from exchange.catalog.domain import FieldType
from exchange.delivery.copy_cache import CopyTable
from exchange.delivery.rows import (
    MAX_FILTERS,
    SCAN_LIMIT,
    Filter,
    Op,
    RowsPage,
    RowsQuery,
    json_cell,
    page,
    parse_filter,
)
from exchange.kernel.errors import ValidationFailed


def matching(
    cells: Sequence[Any], kind: FieldType, *where: str, position: int = 0, limit: int = 1000
) -> RowsPage:
    """A page of a one-column table `v` of the given type, filtered by `where`."""
    query = RowsQuery(None, tuple(parse_filter(text) for text in where), position, limit)
    return page(["v"], [list(cells)], {"v": kind}, query)


def values(cells: Sequence[Any], kind: FieldType, *where: str) -> list[Any]:
    return [row["v"] for row in matching(cells, kind, *where).rows]


def refused_field(error: pytest.ExceptionInfo[ValidationFailed]) -> str:
    [field] = error.value.errors
    return field


# parse_filter ------------------------------------------------------------------------------


def test_a_filter_is_column_op_value() -> None:
    assert parse_filter("价格:gte:70000.5") == Filter("价格", Op.GTE, "70000.5")


def test_a_filters_value_may_hold_colons_and_be_empty() -> None:
    assert parse_filter("时间:eq:10:30:00") == Filter("时间", Op.EQ, "10:30:00")
    assert parse_filter("备注:ne:") == Filter("备注", Op.NE, "")


def test_a_column_name_with_colons_is_read_up_to_the_first_op() -> None:
    assert parse_filter("a:b:eq:1") == Filter("a:b", Op.EQ, "1")
    # The shortest column before `:op:` wins: a column named "x:gt" cannot be filtered on.
    assert parse_filter("x:gt:eq:1") == Filter("x", Op.GT, "eq:1")


def test_lt_and_lte_are_told_apart() -> None:
    assert parse_filter("p:lt:5").op is Op.LT
    assert parse_filter("p:lte:5").op is Op.LTE


@pytest.mark.parametrize("text", ["价格", "价格:70000", "价格:above:1", "价格:GT:1", ":eq:1", ""])
def test_a_malformed_filter_is_refused_on_where(text: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_filter(text)
    assert refused_field(refused) == "where"


# Typed comparisons -------------------------------------------------------------------------


def test_integers_compare_as_numbers_not_text() -> None:
    assert values(["9271", "65937", "50000", "100000"], FieldType.INTEGER, "v:lte:50000") == [
        9271,
        50000,
    ]


def test_decimals_compare_as_numbers_thousands_separators_and_all() -> None:
    cells = ["71,250.10", "9999.99", " 70000.00 ", "70000.01"]
    assert values(cells, FieldType.DECIMAL, "v:gt:70000") == ["71,250.10", "70000.01"]
    assert values(cells, FieldType.DECIMAL, "v:eq:70000") == [" 70000.00 "]


def test_dates_compare_as_dates_in_either_separator() -> None:
    cells = ["2026-01-05", "2026/01/05", "2025-12-31", "2026-02-01"]
    assert values(cells, FieldType.DATE, "v:eq:2026-01-05") == ["2026-01-05", "2026/01/05"]
    assert values(cells, FieldType.DATE, "v:lt:2026/01/05") == ["2025-12-31"]


def test_datetimes_compare_as_moments() -> None:
    cells = ["2026-01-05T09:00:00", "2026-01-05 18:30:00", "2026-01-04T23:59:59"]
    assert values(cells, FieldType.DATETIME, "v:gte:2026-01-05T12:00") == ["2026-01-05 18:30:00"]


def test_booleans_compare_by_meaning() -> None:
    cells = ["true", "是", "0", "False", "YES"]
    assert values(cells, FieldType.BOOLEAN, "v:eq:1") == ["true", "是", "YES"]


def test_strings_compare_as_text() -> None:
    cells = ["铜", "铝", "锌", "9", "10"]
    assert values(cells, FieldType.STRING, "v:eq:铝") == ["铝"]
    assert values(cells, FieldType.STRING, "v:gt:5") == ["铜", "铝", "锌", "9"]  # "10" < "5"


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (FieldType.INTEGER, "many"),
        (FieldType.DECIMAL, "12.5元"),
        (FieldType.DATE, "yesterday"),
        (FieldType.DATETIME, "noon"),
    ],
)
def test_a_filter_value_its_column_cannot_read_is_refused_on_where(
    kind: FieldType, value: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        matching(["1"], kind, f"v:eq:{value}")
    assert refused_field(refused) == "where"


def test_a_cell_its_column_cannot_read_matches_no_comparison() -> None:
    cells = ["n/a", "12", "—"]
    assert values(cells, FieldType.INTEGER, "v:ne:5") == [12]
    assert values(cells, FieldType.INTEGER, "v:lt:100") == [12]


# Blank cells -------------------------------------------------------------------------------


def test_a_blank_number_is_unequal_to_any_number_and_neither_above_nor_below_it() -> None:
    cells = ["", None, "7"]
    assert values(cells, FieldType.INTEGER, "v:ne:5") == [None, None, 7]
    for op in ("eq", "lt", "lte", "gt", "gte"):
        assert values(cells, FieldType.INTEGER, f"v:{op}:7") == ([] if op in ("lt", "gt") else [7])


def test_ne_empty_text_keeps_exactly_the_filled_cells() -> None:
    cells = ["", "铜", None, "铝"]
    assert values(cells, FieldType.STRING, "v:ne:") == ["铜", "铝"]


def test_eq_empty_text_finds_exactly_the_blank_cells() -> None:
    cells = ["", "铜", None, "铝"]
    assert values(cells, FieldType.STRING, "v:eq:") == [None, None]


# Pages -------------------------------------------------------------------------------------


def test_a_page_holds_the_fields_asked_in_their_order() -> None:
    query = RowsQuery(("b", "a"), (), 0, 10)
    found = page(["a", "b"], [["1", "2"], ["x", "y"]], {"a": FieldType.INTEGER}, query)
    assert found == RowsPage(("b", "a"), [{"b": "x", "a": 1}, {"b": "y", "a": 2}], None)


def test_a_full_page_names_the_row_after_its_last() -> None:
    cells = [str(n) for n in range(10)]
    first = matching(cells, FieldType.INTEGER, "v:gte:3", limit=2)
    assert ([row["v"] for row in first.rows], first.next_position) == ([3, 4], 5)
    rest = matching(cells, FieldType.INTEGER, "v:gte:3", position=5, limit=100)
    assert ([row["v"] for row in rest.rows], rest.next_position) == ([5, 6, 7, 8, 9], None)


def test_a_page_ending_on_the_last_row_has_no_next_position() -> None:
    found = matching(["1", "2", "3"], FieldType.INTEGER, limit=3)
    assert (len(found.rows), found.next_position) == (3, None)


def test_an_empty_table_has_an_empty_last_page() -> None:
    assert page(["v"], [[]], {}, RowsQuery(None, (), 0, 10)) == RowsPage(("v",), [], None)


def test_an_unknown_field_is_refused_on_fields() -> None:
    with pytest.raises(ValidationFailed) as refused:
        page(["a"], [["1"]], {}, RowsQuery(("a", "zz"), (), 0, 10))
    assert refused_field(refused) == "fields"


def test_a_filter_on_an_unknown_column_is_refused_on_where() -> None:
    with pytest.raises(ValidationFailed) as refused:
        page(["a"], [["1"]], {}, RowsQuery(None, (parse_filter("zz:eq:1"),), 0, 10))
    assert refused_field(refused) == "where"


def test_more_than_max_filters_are_refused_on_where() -> None:
    filters = tuple(parse_filter(f"a:ne:{n}") for n in range(MAX_FILTERS + 1))
    with pytest.raises(ValidationFailed) as refused:
        page(["a"], [["1"]], {}, RowsQuery(None, filters, 0, 10))
    assert refused_field(refused) == "where"


def test_a_page_stops_scanning_at_scan_limit_and_says_where_to_go_on() -> None:
    cells = ["0"] * (SCAN_LIMIT + 5)
    cells[-1] = "1"
    first = matching(cells, FieldType.INTEGER, "v:eq:1")
    assert (first.rows, first.next_position) == ([], SCAN_LIMIT)
    rest = matching(cells, FieldType.INTEGER, "v:eq:1", position=SCAN_LIMIT)
    assert (rest.rows, rest.next_position) == ([{"v": 1}], None)


def test_the_scan_limit_counts_from_the_pages_position() -> None:
    cells = ["0"] * (SCAN_LIMIT + 10)
    found = matching(cells, FieldType.INTEGER, "v:eq:1", position=7)
    assert (found.rows, found.next_position) == ([], SCAN_LIMIT + 7)


# json_cell ---------------------------------------------------------------------------------


def test_blank_cells_are_null() -> None:
    for kind in FieldType:
        assert json_cell("", kind) is None
        assert json_cell(None, kind) is None


def test_integers_are_numbers() -> None:
    assert json_cell("9271", FieldType.INTEGER) == 9271
    assert json_cell(" 12 ", FieldType.INTEGER) == 12
    assert json_cell(65937, FieldType.INTEGER) == 65937


def test_an_integer_columns_unreadable_cell_keeps_its_text() -> None:
    assert json_cell("n/a", FieldType.INTEGER) == "n/a"
    assert json_cell("1,000", FieldType.INTEGER) == "1,000"


def test_an_integer_columns_fractional_cell_is_not_truncated() -> None:
    assert json_cell("12.5", FieldType.INTEGER) == "12.5"


def test_an_integer_columns_infinite_cell_keeps_its_text() -> None:
    assert json_cell("inf", FieldType.INTEGER) == "inf"


def test_decimals_are_exact_strings() -> None:
    assert json_cell("71250.10", FieldType.DECIMAL) == "71250.10"
    assert json_cell(Decimal("0.10"), FieldType.DECIMAL) == "0.10"


def test_dates_and_datetimes_are_iso_8601() -> None:
    assert json_cell(date(2026, 1, 5), FieldType.DATE) == "2026-01-05"
    assert json_cell(datetime(2026, 1, 5, 9, 30), FieldType.DATETIME) == "2026-01-05T09:30:00"
    assert json_cell("2026-01-05", FieldType.DATE) == "2026-01-05"


def test_booleans_stay_booleans_and_other_cells_become_text() -> None:
    assert json_cell(True, FieldType.BOOLEAN) is True
    assert json_cell(False, FieldType.BOOLEAN) is False
    assert json_cell(42, FieldType.STRING) == "42"


# Pages from a kept copy's JSON columns ------------------------------------------------------


def kept(names: Sequence[str], columns: list[list[Any]]) -> CopyTable:
    return CopyTable(tuple(names), columns, size=0)


@pytest.mark.parametrize(
    "query",
    [
        RowsQuery(None, (), 0, 3),
        RowsQuery(None, (), 4, 100),
        RowsQuery(("b", "a"), (), 2, 2),
        RowsQuery(None, (parse_filter("a:gte:3"),), 1, 2),
        RowsQuery(("b",), (parse_filter("b:ne:"),), 0, 10),
        RowsQuery(None, (), 7, 10),
    ],
)
def test_a_page_from_json_columns_is_the_page_written_cell_by_cell(query: RowsQuery) -> None:
    names = ["a", "b"]
    columns: list[list[Any]] = [
        ["1", "2", "3", "0012", "", "5", "x"],
        ["铜", "", None, "铝", "锌", "9", "10"],
    ]
    types = {"a": FieldType.INTEGER}
    table = kept(names, columns)
    assert page(names, columns, types, query, table.served) == page(names, columns, types, query)


def test_a_kept_copy_writes_a_column_once_for_each_declared_type() -> None:
    table = kept(["v"], [["0012", "12", ""]])
    as_integers = table.served(0, FieldType.INTEGER)
    assert as_integers == ["0012", 12, None]
    assert table.served(0, FieldType.INTEGER) is as_integers
    assert table.served(0, FieldType.STRING) == ["0012", "12", None]  # declared anew
