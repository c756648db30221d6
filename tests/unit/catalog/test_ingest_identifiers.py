"""Numbers that identify people are strings, and are masked however they are grouped."""

from __future__ import annotations

from pathlib import Path

import pytest

from exchange.catalog.domain import FieldType, FileFormat, Sensitivity
from exchange.catalog.ingest import open_table, profile_table
from exchange.catalog.ingest.masking import mask_text


def test_a_column_of_mobile_numbers_is_typed_as_text(tmp_path: Path):
    path = tmp_path / "drivers.csv"
    path.write_text("司机,手机\n张三,13812345678\n李四,13912345670\n", encoding="utf-8")
    with open_table(path, FileFormat.CSV) as table:
        columns = {c.name: c for c in profile_table(table).columns}
    assert columns["手机"].sensitivity is Sensitivity.MOBILE
    assert columns["手机"].type is FieldType.STRING


@pytest.mark.parametrize(
    "number", ["8613 0000 0000 2", "138 1234 5678", "+86-139-1234-5678", "1 3 8 1 2 3 4 5 6 7 8"]
)
def test_a_mobile_number_in_free_text_is_masked_however_it_is_grouped(number: str):
    masked = mask_text(f"请联系 {number} 确认")
    assert number not in masked
    assert "*" in masked
