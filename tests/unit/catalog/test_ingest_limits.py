"""Hostile uploads cost bounded work: every format is refused at the first limit it passes.

Each class of file that once held a request thread for minutes is built here small, with the
limits made small where that shows the class without a heavy file.
"""

from __future__ import annotations

import json
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from exchange.catalog.domain import FileFormat
from exchange.catalog.ingest import profile_table
from exchange.catalog.ingest.limits import LimitExceeded, Limits
from exchange.catalog.ingest.profile import SAMPLE_CELL_CHARS
from exchange.catalog.ingest.readers import open_table
from tests.hostile_files import MAIN, workbook

FORMATS = [FileFormat.CSV, FileFormat.XLSX, FileFormat.JSON, FileFormat.PARQUET]


def far_cells(rows: int) -> str:
    """Rows each holding one value and an empty cell in the last column a sheet has (XFD)."""
    return "".join(
        f'<row r="{n}"><c r="A{n}"><v>1</v></c><c r="XFD{n}"/></row>' for n in range(2, rows + 2)
    )


def table_file(tmp_path: Path, fmt: FileFormat, header: list[str], rows: list[list[str]]) -> Path:
    """The same table written in the given format."""
    path = tmp_path / f"t.{fmt.value}"
    if fmt is FileFormat.CSV:
        path.write_text("\n".join(",".join(row) for row in [header, *rows]) + "\n")
    elif fmt is FileFormat.XLSX:
        book = openpyxl.Workbook()
        for row in [header, *rows]:
            book.active.append(row)
        book.save(path)
    elif fmt is FileFormat.JSON:
        path.write_text(json.dumps([dict(zip(header, row, strict=True)) for row in rows]))
    else:
        columns = {name: [row[i] for row in rows] for i, name in enumerate(header)}
        pq.write_table(pa.table(columns), path)
    return path


def profiled(path: Path, fmt: FileFormat, limits: Limits | None = None) -> int:
    """Read and profile the file as an upload is, giving its row count."""
    with open_table(path, fmt, limits) as table:
        return profile_table(table).rows


def refused(path: Path, fmt: FileFormat, limits: Limits | None = None) -> LimitExceeded:
    with pytest.raises(LimitExceeded) as caught:
        profiled(path, fmt, limits)
    return caught.value


def timed_refusal(path: Path, fmt: FileFormat, limits: Limits | None = None) -> LimitExceeded:
    """The refusal, which must come in well under a second (the files once took minutes)."""
    started = time.monotonic()
    error = refused(path, fmt, limits)
    assert time.monotonic() - started < 1.0
    return error


# XLSX: zip bombs are judged from the archive's directory before openpyxl unpacks anything.


def test_xlsx_compressed_past_the_ratio_is_refused_before_it_is_unpacked(tmp_path):
    path = tmp_path / "bomb.xlsx"
    same = '<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 100_000
    path.write_bytes(workbook(same))  # ≈5 MB of sheet in a file of a few KB
    error = timed_refusal(path, FileFormat.XLSX)
    assert str(error) == (
        "Part xl/worksheets/sheet1.xml of the file is compressed more than 100 times"
    )


def test_xlsx_unpacking_past_the_size_limit_is_refused(tmp_path):
    path = table_file(tmp_path, FileFormat.XLSX, ["a"], [["1"]])
    error = refused(path, FileFormat.XLSX, Limits(max_decompressed_bytes=1024))
    assert str(error) == "The file's content unpacks to more than 0.000976562 MB"


def test_xlsx_row_reaching_the_last_column_is_refused_at_that_row(tmp_path):
    path = tmp_path / "wide.xlsx"
    path.write_bytes(workbook(far_cells(40_000)))
    error = timed_refusal(path, FileFormat.XLSX, Limits(max_compression_ratio=10**9))
    assert error.params == {"row": 2, "limit": 1000}


def test_xlsx_blank_rows_count_towards_the_row_limit(tmp_path):
    blank = "".join(f'<row r="{n}"><c r="B{n}"/></row>' for n in range(2, 2_000))
    path = tmp_path / "blank.xlsx"
    path.write_bytes(workbook(blank))
    error = refused(path, FileFormat.XLSX, Limits(max_rows=1_000))
    assert str(error) == "The file has more than 1000 rows"


def test_xlsx_dimension_claiming_the_whole_sheet_costs_nothing(tmp_path):
    path = tmp_path / "claims.xlsx"
    path.write_bytes(workbook('<row r="2"><c r="A2"><v>1</v></c></row>'))
    assert profiled(path, FileFormat.XLSX) == 1


def test_xlsx_shared_strings_bomb_is_refused_before_it_is_unpacked(tmp_path):
    path = tmp_path / "strings.xlsx"
    path.write_bytes(workbook(""))
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "xl/sharedStrings.xml", f'<sst xmlns="{MAIN}"><si><t>{"x" * 4_000_000}</t></si></sst>'
        )
    error = timed_refusal(path, FileFormat.XLSX)
    assert error.params["part"] == "xl/sharedStrings.xml"


# CSV: the reader is fed bounded lines, so no row or cell is read whole before it is judged.


def test_csv_header_of_many_columns_is_refused_before_profiling(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(100_000)) + "\n" + "1," * 99_999 + "1\n")
    error = timed_refusal(path, FileFormat.CSV)
    assert str(error) == "The file has more than 1000 columns"


def test_csv_row_wider_than_the_limit_is_refused_even_when_blank(tmp_path):
    path = tmp_path / "commas.csv"
    path.write_text("a,b\n1,2\n3" + "," * 200_000 + "\n")
    error = timed_refusal(path, FileFormat.CSV)
    assert error.params == {"row": 3, "limit": 1000}


def test_csv_single_huge_cell_is_refused_without_being_read_whole(tmp_path):
    path = tmp_path / "cell.csv"
    path.write_bytes(b"a,b\n1," + b"x" * 20_000_000 + b"\n")
    tracemalloc.start()
    try:
        error = refused(path, FileFormat.CSV)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(error) == "Row 2 is longer than 4194304 characters"
    assert peak < 16 * 2**20  # the 20 MB line is never held


def test_csv_quoted_cells_across_lines_count_towards_one_row(tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_text('a,b\n1,"' + "x\n" * 1_000 + '"\n')
    error = refused(path, FileFormat.CSV, Limits(max_row_chars=1_000))
    assert error.params == {"row": 2, "limit": 1000}


def test_csv_of_millions_of_tiny_rows_stops_at_the_row_limit(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_bytes(b"a\n" + b"1\n" * 50_000)
    error = timed_refusal(path, FileFormat.CSV, Limits(max_rows=10_000))
    assert str(error) == "The file has more than 10000 rows"


def test_csv_blank_lines_count_towards_the_row_limit(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_bytes(b"a\n1\n" + b"\n" * 5_000)
    assert str(refused(path, FileFormat.CSV, Limits(max_rows=1_000))).endswith("1000 rows")


# Parquet: the footer's counts are judged before any row group is read.


def test_parquet_declaring_more_rows_than_allowed_is_refused_from_its_footer(tmp_path):
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.table({"a": pa.array([0] * 2_000_000, pa.int8())}), path)
    error = timed_refusal(path, FileFormat.PARQUET, Limits(max_rows=1_000_000))
    assert str(error) == "The file has more than 1000000 rows"


def test_parquet_of_many_columns_is_refused_from_its_footer(tmp_path):
    path = tmp_path / "wide.parquet"
    pq.write_table(pa.table({f"c{i}": pa.array([1], pa.int8()) for i in range(1_001)}), path)
    error = timed_refusal(path, FileFormat.PARQUET)
    assert str(error) == "The file has more than 1000 columns"


def test_parquet_row_groups_unpacking_past_the_limit_are_refused(tmp_path):
    path = tmp_path / "big.parquet"
    pq.write_table(pa.table({"a": pa.array(range(10_000), pa.int64())}), path)
    error = refused(path, FileFormat.PARQUET, Limits(max_decompressed_bytes=10_000))
    assert error.message == "The file's content unpacks to more than %(limit)s MB"


def test_parquet_dictionary_bomb_stops_at_the_text_limit(tmp_path):
    # One 100,000-character string, stored once and repeated 300 times: a few KB on disk.
    path = tmp_path / "dictionary.parquet"
    column = pa.array(["x" * 100_000] * 300).dictionary_encode()
    pq.write_table(pa.table({"a": column}), path)
    limits = Limits(max_decompressed_bytes=10 * 2**20)
    error = timed_refusal(path, FileFormat.PARQUET, limits)
    assert str(error) == "The file's content unpacks to more than 10 MB"


# Every format: rows, columns, cells and time.


@pytest.mark.parametrize("fmt", FORMATS)
def test_more_rows_than_allowed_are_refused(tmp_path, fmt):
    path = table_file(tmp_path, fmt, ["a", "b"], [["1", "2"]] * 4)
    assert profiled(path, fmt, Limits(max_rows=4)) == 4
    assert str(refused(path, fmt, Limits(max_rows=3))) == "The file has more than 3 rows"


@pytest.mark.parametrize("fmt", FORMATS)
def test_more_columns_than_allowed_are_refused(tmp_path, fmt):
    path = table_file(tmp_path, fmt, ["a", "b", "c"], [["1", "2", "3"]])
    assert profiled(path, fmt, Limits(max_columns=3)) == 1
    assert refused(path, fmt, Limits(max_columns=2)).params["limit"] == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_cell_longer_than_allowed_is_refused_with_its_place(tmp_path, fmt):
    path = table_file(tmp_path, fmt, ["a", "b"], [["1", "2"], ["3", "x" * 11]])
    assert profiled(path, fmt, Limits(max_cell_chars=11)) == 2
    error = refused(path, fmt, Limits(max_cell_chars=10))
    assert str(error) == "The cell in row 3, column 2 holds more than 10 characters"


@pytest.mark.parametrize("fmt", FORMATS)
def test_file_taking_longer_than_allowed_is_refused(tmp_path, fmt):
    path = table_file(tmp_path, fmt, ["a"], [["1"]])
    error = refused(path, fmt, Limits(max_seconds=0))
    assert str(error) == ("Reading the file took longer than 0 seconds; upload it in smaller parts")


def test_sample_text_is_cut_so_pages_show_bounded_cells(tmp_path):
    path = table_file(tmp_path, FileFormat.CSV, ["a"], [["x" * 5_000]])
    with open_table(path, FileFormat.CSV) as table:
        sample = profile_table(table).sample
    assert sample == (("x" * SAMPLE_CELL_CHARS + "…",),)
