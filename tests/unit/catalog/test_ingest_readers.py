"""Reading uploads as tables: every format, Chinese encodings, and precise header errors."""

from __future__ import annotations

import json
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from exchange.catalog.domain import FileFormat
from exchange.catalog.ingest.formats import ContentMismatch, UnreadableFile, detect_format
from exchange.catalog.ingest.limits import LimitExceeded
from exchange.catalog.ingest.readers import Row, open_table

HEADER = ["日期", "铜价(元/吨)", "备注"]
ROWS = [["2024-05-01", "70100", "南昌"], ["2024-05-02", "70250.5", ""]]


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def write_parquet(path: Path, columns: dict[str, pa.Array | list[object]]) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


def read(path: Path, fmt: FileFormat | None = None) -> tuple[list[str], list[Row]]:
    fmt = fmt or detect_format(path.name, path.read_bytes()[:8192])
    with open_table(path, fmt) as table:
        return table.columns, list(table)


def unreadable(path: Path, fmt: FileFormat) -> UnreadableFile:
    with pytest.raises(UnreadableFile) as caught:
        read(path, fmt)
    return caught.value


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_each_chinese_encoding_reads_the_same(tmp_path, encoding):
    text = "\n".join(",".join(row) for row in [HEADER, *ROWS]) + "\n"
    columns, rows = read(write_csv(tmp_path / "prices.csv", text, encoding))
    assert columns == HEADER
    assert rows == [tuple(row) for row in ROWS]


def test_csv_with_semicolons_reads_its_columns(tmp_path):
    columns, rows = read(write_csv(tmp_path / "p.csv", "a;b\n1;2\n"))
    assert (columns, rows) == (["a", "b"], [("1", "2")])


def test_csv_quoted_cells_keep_commas_and_newlines(tmp_path):
    columns, rows = read(write_csv(tmp_path / "p.csv", 'a,b\n"1,5","two\nlines"\n'))
    assert rows == [("1,5", "two\nlines")]


def test_csv_skips_blank_lines_and_pads_short_rows(tmp_path):
    columns, rows = read(write_csv(tmp_path / "p.csv", "\na,b,c\n1,2,3\n\n,,\n4\n5,6,7,,\n"))
    assert columns == ["a", "b", "c"]
    assert rows == [("1", "2", "3"), ("4", None, None), ("5", "6", "7")]


def test_csv_that_turns_to_another_encoding_names_the_row(tmp_path):
    data = ("a,b\n" + "1,2\n" * 5000).encode() + "3,价格\n".encode("gb18030")
    (tmp_path / "p.csv").write_bytes(data)
    error = unreadable(tmp_path / "p.csv", FileFormat.CSV)
    assert error.params == {"row": 5002, "encoding": "UTF-8"}


def test_csv_cell_past_the_limit_names_its_row_and_column(tmp_path):
    path = write_csv(tmp_path / "p.csv", "a,b\n1,2\n3," + "x" * 200_000 + "\n")
    with pytest.raises(LimitExceeded) as caught:
        read(path, FileFormat.CSV)
    assert caught.value.params == {"row": 3, "column": 2, "limit": 128 * 1024}


def test_empty_csv_is_unreadable(tmp_path):
    error = unreadable(write_csv(tmp_path / "p.csv", ""), FileFormat.CSV)
    assert error.message == "The file is empty"


def test_csv_of_blank_lines_has_no_header(tmp_path):
    error = unreadable(write_csv(tmp_path / "p.csv", "\n\n,,\n"), FileFormat.CSV)
    assert error.message == "The file has no header row"


def test_duplicate_column_names_name_both_columns(tmp_path):
    error = unreadable(write_csv(tmp_path / "p.csv", "日期,价格,日期\n1,2,3\n"), FileFormat.CSV)
    assert str(error) == "Column 3 repeats the name 日期 of column 1"


def test_blank_column_name_names_the_column(tmp_path):
    error = unreadable(write_csv(tmp_path / "p.csv", "a, ,c\n1,2,3\n"), FileFormat.CSV)
    assert str(error) == "Column 2 has no name in the header row"


def test_row_longer_than_the_header_names_the_row(tmp_path):
    error = unreadable(write_csv(tmp_path / "p.csv", "a,b\n1,2\n1,2,3\n"), FileFormat.CSV)
    assert str(error) == "Row 3 has 3 values but the header names 2 columns"


def test_numbers_in_the_first_row_mean_a_missing_header(tmp_path):
    error = unreadable(write_csv(tmp_path / "p.csv", "1,2.5\n3,4\n"), FileFormat.CSV)
    assert error.message == "The first row holds numbers, not column names; add a header row"


def test_xlsx_reads_the_first_sheet_with_typed_cells(tmp_path):
    path = write_xlsx(
        tmp_path / "p.xlsx",
        [["日期", "铜价", "备注"], [datetime(2024, 5, 1), 70100, "南昌"], [None] * 3],
    )
    columns, rows = read(path)
    assert columns == ["日期", "铜价", "备注"]
    assert rows == [(datetime(2024, 5, 1), 70100, "南昌")]


def test_xlsx_numbers_in_the_header_become_names(tmp_path):
    columns, _ = read(write_xlsx(tmp_path / "p.xlsx", [["地区", 2023, 2024.0], ["南昌", 1, 2]]))
    assert columns == ["地区", "2023", "2024"]


def test_xlsx_duplicate_header_names_both_columns(tmp_path):
    error = unreadable(write_xlsx(tmp_path / "p.xlsx", [["a", "a"], [1, 2]]), FileFormat.XLSX)
    assert error.params == {"column": 2, "name": "a", "first": 1}


def test_xlsx_row_beyond_the_header_names_the_row(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [["a", "b"], [1, 2], [1, 2, 3]])
    assert unreadable(path, FileFormat.XLSX).params == {"row": 3, "found": 3, "expected": 2}


def test_zip_without_a_workbook_is_not_xlsx(tmp_path):
    with zipfile.ZipFile(tmp_path / "p.xlsx", "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(ContentMismatch):
        read(tmp_path / "p.xlsx", FileFormat.XLSX)


def test_json_array_of_objects_collects_every_key(tmp_path):
    items = [{"a": 1, "b": "x"}, {"a": 2.5, "c": {"k": [1]}}, {"b": None}]
    (tmp_path / "p.json").write_text(json.dumps(items), encoding="utf-8")
    columns, rows = read(tmp_path / "p.json")
    assert columns == ["a", "b", "c"]
    assert rows == [(1, "x", None), (2.5, None, '{"k": [1]}'), (None, None, None)]


def test_json_keys_are_kept_exactly(tmp_path):
    (tmp_path / "p.json").write_text('[{" 价格 ": 1, "价格": 2}]', encoding="utf-8")
    assert read(tmp_path / "p.json") == ([" 价格 ", "价格"], [(1, 2)])


def test_json_object_with_a_data_array_reads_the_array(tmp_path):
    document = {"meta": {"source": "赣州"}, "data": [{"价格": 1}, {"价格": 2}], "total": 2}
    (tmp_path / "p.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert read(tmp_path / "p.json") == (["价格"], [(1,), (2,)])


def test_json_larger_than_its_read_chunks_streams_whole(tmp_path):
    items = [{"n": index, "text": "铜" * (index % 50), "f": index / 3} for index in range(6000)]
    (tmp_path / "p.json").write_text(json.dumps(items, ensure_ascii=False, indent=1))
    assert (tmp_path / "p.json").stat().st_size > 4 * 65536
    columns, rows = read(tmp_path / "p.json")
    assert rows == [(item["n"], item["text"], item["f"]) for item in items]


@pytest.mark.parametrize(
    ("text", "message", "params"),
    [
        ("[1, 2]", "Item %(item)s of the JSON array is not an object", {"item": 1}),
        ('[{"a": 1}, {"a": ', "The JSON is not valid at item %(item)s", {"item": 2}),
        ('[{"a": 1} {"a": 2}]', "The JSON is not valid after item %(item)s", {"item": 1}),
        ('[{"a": 1}] x', "The JSON has text after its end", {}),
        ("[]", "The JSON holds no objects, so it has no columns", {}),
        ('[{"": 1}]', "Column %(column)s has no name in the header row", {"column": 1}),
    ],
)
def test_malformed_json_says_where(tmp_path, text, message, params):
    (tmp_path / "p.json").write_text(text)
    error = unreadable(tmp_path / "p.json", FileFormat.JSON)
    assert (error.message, error.params) == (message, params)


def test_json_that_is_not_utf8_is_unreadable(tmp_path):
    (tmp_path / "p.json").write_bytes('[{"地区": "赣州"}]'.encode("gb18030"))
    assert unreadable(tmp_path / "p.json", FileFormat.JSON).message == (
        "The JSON is not valid UTF-8 text"
    )


def test_json_nested_too_deep_is_refused_before_decoding(tmp_path):
    (tmp_path / "p.json").write_text('[{"a": ' + "[" * 100_000 + "]" * 100_000 + "}]")
    assert unreadable(tmp_path / "p.json", FileFormat.JSON).params == {"limit": 64}


def test_json_brackets_inside_strings_do_not_count_as_nesting(tmp_path):
    text = "[[[[" * 20_000 + '\\"' + "{" * 100
    items = [{"note": text, "n": index} for index in range(3)]
    (tmp_path / "p.json").write_text(json.dumps(items))
    assert (tmp_path / "p.json").stat().st_size > 65536  # strings cross read chunks
    assert read(tmp_path / "p.json")[1] == [(text, index) for index in range(3)]


def test_json_object_without_a_data_array_is_refused(tmp_path):
    (tmp_path / "p.json").write_text('{"rows": [{"a": 1}]}')
    assert "data" in unreadable(tmp_path / "p.json", FileFormat.JSON).message


def test_parquet_reads_typed_values(tmp_path):
    path = write_parquet(
        tmp_path / "p.parquet",
        {
            "日期": pa.array([date(2024, 5, 1), None], pa.date32()),
            "时间": pa.array([datetime(2024, 5, 1, 8, 30), None], pa.timestamp("ns")),
            "铜价": pa.array([Decimal("70100.50"), None], pa.decimal128(10, 2)),
            "数量": [3, None],
        },
    )
    columns, rows = read(path)
    assert columns == ["日期", "时间", "铜价", "数量"]
    assert rows == [
        (date(2024, 5, 1), datetime(2024, 5, 1, 8, 30), "70100.50", 3),
        (None, None, None, None),
    ]


def test_parquet_without_its_closing_magic_is_a_mismatch(tmp_path):
    path = write_parquet(tmp_path / "p.parquet", {"a": [1]})
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(ContentMismatch):
        read(path, FileFormat.PARQUET)


def test_parquet_with_a_broken_footer_is_unreadable(tmp_path):
    (tmp_path / "p.parquet").write_bytes(b"PAR1" + b"\x00" * 64 + b"PAR1")
    assert unreadable(tmp_path / "p.parquet", FileFormat.PARQUET).message == (
        "The Parquet file cannot be opened"
    )


def test_table_rows_stream_once_and_close(tmp_path):
    path = write_csv(tmp_path / "p.csv", "a\n1\n2\n")
    table = open_table(path, FileFormat.CSV)
    assert next(iter(table)) == ("1",)
    table.close()
    assert list(table) == []
