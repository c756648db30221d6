"""Fingerprints: every format stays readable with its header, marks differ per key and barely
move the numbers, and identify names the right buyer after shuffling and dropping rows."""

from __future__ import annotations

import csv
import io
import json
import random
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchange.catalog.domain import FileFormat
from exchange.catalog.ingest import open_table
from exchange.delivery.fingerprint import UnreadableCopy, column_names, fingerprint, identify

HEADER = ["日期", "阴极铜现货价(元/吨)", "库存(吨)", "联系人手机", "id", "年份", "备注"]
KEYS = {number: random.Random(number).randbytes(32) for number in range(1, 51)}


def records(count: int = 400, seed: int = 7) -> list[list[str]]:
    """Rows of a copper price table: dates, prices to the fen, stocks, phones, ids, years."""
    rng = random.Random(seed)
    return [
        [
            f"2026-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
            f"{rng.randint(60000, 80000)}.{rng.randint(0, 99):02d}",
            str(rng.randint(1000, 200000)),
            f"138{rng.randint(10000000, 99999999)}",
            str(i + 1),
            str(2000 + i % 26),
            rng.choice(["现货", "期货", ""]),
        ]
        for i in range(count)
    ]


def as_csv(rows: list[list[str]], encoding: str = "utf-8", header: list[str] = HEADER) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows([header, *rows])
    return out.getvalue().encode(encoding)


def as_json(rows: list[list[str]]) -> bytes:
    items = [
        {"date": r[0], "price": float(r[1]), "stock": int(r[2]), "phone": r[3], "note": r[6]}
        for r in rows
    ]
    return json.dumps(items, ensure_ascii=False, indent=2).encode()


def as_xlsx(rows: list[list[str]]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["date", "price", "stock", "phone"])
    for r in rows:
        sheet.append([r[0], float(r[1]), int(r[2]), r[3]])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def as_parquet(rows: list[list[str]]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "date": [r[0] for r in rows],
            "price": pa.array([Decimal(r[1]) for r in rows], type=pa.decimal128(12, 2)),
            "close": [float(r[1]) for r in rows],
            "stock": pa.array([int(r[2]) for r in rows], type=pa.int64()),
        }
    )
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


FILES = {
    "copper.csv": lambda rows: as_csv(rows),
    "copper.json": as_json,
    "copper.xlsx": as_xlsx,
    "copper.parquet": as_parquet,
}


def table_of(content: bytes, name: str, tmp_path: Path) -> tuple[list[str], list[tuple]]:
    """The file as the catalog's own readers see it."""
    path = tmp_path / name
    path.write_bytes(content)
    with open_table(path, FileFormat(name.rsplit(".", 1)[1])) as table:
        return table.columns, list(table)


def csv_rows(content: bytes, encoding: str = "utf-8-sig") -> tuple[list[str], list[list[str]]]:
    header, *rows = list(csv.reader(io.StringIO(content.decode(encoding), newline="")))
    return header, rows


def reshaped(content: bytes, *, drop: float, seed: int) -> bytes:
    """The copy's rows shuffled and a share of them dropped, as a leaker might."""
    header, rows = csv_rows(content)
    rng = random.Random(seed)
    rng.shuffle(rows)
    return as_csv(rows[: int(len(rows) * (1 - drop))], header=header)


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_format_stays_readable_with_the_same_columns_and_rows(name, tmp_path):
    original = FILES[name](records())
    marked = fingerprint(original, name, KEYS[1])
    assert marked.marks > 0
    assert marked.content != original
    before = table_of(original, name, tmp_path)
    after = table_of(marked.content, name, tmp_path)
    assert after[0] == before[0]
    assert len(after[1]) == len(before[1])


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_format_identifies_its_buyer_among_fifty(name):
    marked = fingerprint(FILES[name](records()), name, KEYS[23])
    match = identify(marked.content, name, KEYS)
    assert match is not None
    assert match.entitlement == 23
    assert match.evidence["marks_agreeing"] == match.evidence["marks_read"]
    assert match.confidence > 0.999999


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_csv_keeps_its_encoding_header_and_line_endings(encoding):
    original = as_csv(records(), encoding)
    marked = fingerprint(original, "copper.csv", KEYS[2]).content
    assert marked.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    header, rows = csv_rows(marked, "utf-8-sig" if encoding != "gb18030" else "gb18030")
    assert header == HEADER
    assert b"\r\n" in marked and len(rows) == len(records())


def test_marks_move_prices_and_stocks_by_one_unit_and_leave_other_columns_alone():
    original = records()
    _, marked = csv_rows(fingerprint(as_csv(original), "copper.csv", KEYS[3]).content)
    moved = 0
    for before, after in zip(original, marked, strict=True):
        assert abs(Decimal(after[1]) - Decimal(before[1])) <= Decimal("0.01")
        assert abs(int(after[2]) - int(before[2])) <= 1
        assert [after[0], *after[3:]] == [before[0], *before[3:]]  # dates, phones, ids, years
        moved += after[1:3] != before[1:3]
    assert moved > 100
    total = sum(Decimal(r[1]) for r in original)
    assert abs(sum(Decimal(r[1]) for r in marked) - total) < Decimal("2.00")


def test_two_buyers_copies_differ():
    content = as_csv(records())
    assert (
        fingerprint(content, "a.csv", KEYS[4]).content
        != fingerprint(content, "a.csv", KEYS[5]).content
    )


def test_marking_is_deterministic_for_one_key():
    content = as_csv(records())
    assert (
        fingerprint(content, "a.csv", KEYS[6]).content
        == fingerprint(content, "a.csv", KEYS[6]).content
    )


def test_identify_survives_shuffling_and_dropping_a_fifth_of_the_rows():
    marked = fingerprint(as_csv(records(2000)), "copper.csv", KEYS[31]).content
    match = identify(reshaped(marked, drop=0.2, seed=1), "copper.csv", KEYS)
    assert match is not None and match.entitlement == 31


def test_identify_survives_a_spreadsheet_dropping_trailing_zeros():
    header, rows = csv_rows(fingerprint(as_csv(records()), "copper.csv", KEYS[9]).content)
    resaved = [[r[0], str(Decimal(r[1]).normalize()), *r[2:]] for r in rows]
    assert any(not r[1].partition(".")[2][1:] for r in resaved)  # some lost a digit
    match = identify(as_csv(resaved, header=header), "copper.csv", KEYS)
    assert match is not None and match.entitlement == 9


def test_a_large_file_is_marked_sparsely_and_still_identified():
    marked = fingerprint(as_csv(records(20000)), "copper.csv", KEYS[12])
    assert marked.level > 0
    match = identify(reshaped(marked.content, drop=0.2, seed=2), "copper.csv", KEYS)
    assert match is not None and match.entitlement == 12


def test_an_unmarked_copy_identifies_nobody():
    assert identify(as_csv(records()), "copper.csv", KEYS) is None


def test_an_unrelated_file_identifies_nobody():
    assert identify(as_csv(records(seed=99)), "copper.csv", KEYS) is None


def test_a_copy_marked_for_a_key_not_among_the_candidates_identifies_nobody():
    marked = fingerprint(as_csv(records()), "copper.csv", b"\x01" * 32).content
    assert identify(marked, "copper.csv", KEYS) is None


def test_a_file_without_numbers_is_left_unchanged():
    content = "名称,地区\n铜业公司,鹰潭\n钢铁公司,新余\n".encode()
    marked = fingerprint(content, "names.csv", KEYS[1])
    assert (marked.content, marked.marks) == (content, 0)
    assert identify(content, "names.csv", KEYS) is None


def test_a_file_of_another_format_is_refused():
    with pytest.raises(UnreadableCopy):
        fingerprint(b"%PDF-1.4", "report.pdf", KEYS[1])
    with pytest.raises(UnreadableCopy):
        identify(b"\x00\x01", "copper.xlsx", KEYS)


def test_column_names_are_read_from_the_header():
    assert column_names(as_csv(records(3)), "copper.csv") == HEADER


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    buyer=st.integers(min_value=1, max_value=50),
    seed=st.integers(min_value=0, max_value=10_000),
    drop=st.floats(min_value=0.0, max_value=0.3),
)
def test_any_buyer_is_found_after_any_shuffle_and_minority_drop(buyer, seed, drop):
    marked = fingerprint(as_csv(records(600, seed=seed)), "copper.csv", KEYS[buyer]).content
    match = identify(reshaped(marked, drop=drop, seed=seed), "copper.csv", KEYS)
    assert match is not None and match.entitlement == buyer
