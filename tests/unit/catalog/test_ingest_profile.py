"""Profiling a table: types, counts, sensitivity, a deterministic masked sample, quality."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from exchange.catalog.domain import QUALITY_DIMENSIONS, FieldType, FileFormat, Sensitivity
from exchange.catalog.ingest.profile import Profile, infer_type, profile_table, read_value
from exchange.catalog.ingest.readers import open_table
from tests.unit.catalog.test_masking import CARD, VALID_IDS, id_check

TODAY = date(2024, 12, 1)


def profile_csv(tmp_path: Path, text: str, **options: Any) -> Profile:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    with open_table(path, FileFormat.CSV) as table:
        return profile_table(table, today=TODAY, **options)


def numbered_rows(count: int) -> str:
    return "编号,铜价\n" + "".join(f"{index},{70000 + index}\n" for index in range(count))


def column(profile: Profile, name: str) -> dict[str, object]:
    return next(entry for entry in profile.to_dict()["columns"] if entry["name"] == name)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("42", FieldType.INTEGER),
        ("-1,234", FieldType.INTEGER),
        ("0791", FieldType.STRING),  # an area code, not a number
        ("1234567890123456", FieldType.STRING),  # too long to be a quantity
        ("70100.5", FieldType.DECIMAL),
        ("1.5e3", FieldType.DECIMAL),
        ("是", FieldType.BOOLEAN),
        ("TRUE", FieldType.BOOLEAN),
        ("2024-05-01", FieldType.DATE),
        ("2024/5/1", FieldType.DATE),
        ("2024年5月1日", FieldType.DATE),
        ("2024-02-30", FieldType.STRING),
        ("2024-05-01 08:30:00", FieldType.DATETIME),
        ("2024-05-01T08:30+08:00", FieldType.DATETIME),
        ("2024-05-01 25:00", FieldType.STRING),
        ("南昌", FieldType.STRING),
        (3, FieldType.INTEGER),
        (3.5, FieldType.DECIMAL),
        (False, FieldType.BOOLEAN),
        (datetime(2024, 5, 1), FieldType.DATE),
        (datetime(2024, 5, 1, tzinfo=UTC), FieldType.DATETIME),
        (datetime(2024, 5, 1, 8), FieldType.DATETIME),
    ],
)
def test_each_value_shows_its_type(value, kind):
    read = read_value(value)
    assert read is not None and read[0] is kind


@pytest.mark.parametrize("value", [None, "", "  "])
def test_blank_values_are_empty(value):
    assert read_value(value) is None


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        ({FieldType.INTEGER: 6, FieldType.STRING: 4}, FieldType.INTEGER),
        ({FieldType.INTEGER: 3, FieldType.DECIMAL: 3, FieldType.STRING: 4}, FieldType.DECIMAL),
        ({FieldType.INTEGER: 5, FieldType.STRING: 5}, FieldType.STRING),
        ({FieldType.DATE: 9, FieldType.DATETIME: 1}, FieldType.DATETIME),
        ({FieldType.DATE: 2, FieldType.BOOLEAN: 1}, FieldType.DATE),
        ({FieldType.BOOLEAN: 3}, FieldType.BOOLEAN),
        ({}, FieldType.STRING),
    ],
)
def test_column_type_is_the_majority_family_at_its_narrowest(kinds, expected):
    assert infer_type(kinds) is expected


def test_profile_infers_each_columns_type_and_nulls(tmp_path):
    profile = profile_csv(
        tmp_path,
        "日期,铜价(元/吨),数量,含税,地区\n"
        "2024-05-01,70100.5,3,是,南昌\n"
        "2024-05-02,70200,4,否,\n"
        "2024-05-03,,5,是,赣州\n",
    )
    assert [(c.name, c.type, c.null_count) for c in profile.columns] == [
        ("日期", FieldType.DATE, 0),
        ("铜价(元/吨)", FieldType.DECIMAL, 1),
        ("数量", FieldType.INTEGER, 0),
        ("含税", FieldType.BOOLEAN, 0),
        ("地区", FieldType.STRING, 1),
    ]


def test_row_count_covers_every_row_not_only_the_sample(tmp_path):
    profile = profile_csv(tmp_path, numbered_rows(1000), sample_size=20)
    assert profile.rows == 1000
    assert len(profile.sample) == 20


def test_sample_is_the_same_for_the_same_seed(tmp_path):
    first = profile_csv(tmp_path, numbered_rows(500), seed="prices.csv")
    second = profile_csv(tmp_path, numbered_rows(500), seed="prices.csv")
    assert first.sample == second.sample


def test_sample_differs_by_seed_and_is_drawn_from_the_whole_file(tmp_path):
    first = profile_csv(tmp_path, numbered_rows(500), seed=1)
    second = profile_csv(tmp_path, numbered_rows(500), seed=2)
    assert first.sample != second.sample
    assert max(int(str(row[0])) for row in first.sample) >= 20


def test_sample_keeps_file_order(tmp_path):
    numbers = [int(str(row[0])) for row in profile_csv(tmp_path, numbered_rows(500)).sample]
    assert numbers == sorted(numbers)


def test_small_file_is_sampled_whole(tmp_path):
    profile = profile_csv(tmp_path, numbered_rows(5), sample_size=20)
    assert [row[0] for row in profile.sample] == ["0", "1", "2", "3", "4"]


def test_column_is_sensitive_when_60_percent_is_detected(tmp_path):
    mobiles = ["13812345678", "13912345678", "13712345678", "n/a", ""]
    text = "手机,备注\n" + "".join(f"{value},x\n" for value in mobiles)
    profile = profile_csv(tmp_path, text)
    assert column(profile, "手机")["sensitivity"] == "mobile"
    assert column(profile, "备注")["sensitivity"] is None


def test_column_below_60_percent_is_not_sensitive(tmp_path):
    text = "手机\n13812345678\n13912345678\nn/a\nunknown\n"
    assert column(profile_csv(tmp_path, text), "手机")["sensitivity"] is None


def test_declared_personal_column_is_masked_in_the_sample(tmp_path):
    text = "姓名,城市\n张三,南昌\n李四,九江\nWang Wu,赣州\n"
    profile = profile_csv(tmp_path, text, declared_personal=["姓名"])
    assert column(profile, "姓名")["sensitivity"] == Sensitivity.DECLARED.value
    assert [row[0] for row in profile.sample] == ["张*", "李*", "***"]
    assert [row[1] for row in profile.sample] == ["南昌", "九江", "赣州"]


def test_masked_sample_never_holds_the_sensitive_values(tmp_path):
    secrets = {
        "身份证": VALID_IDS[:3],
        "手机": ("13812345678", "+86 139 1234 5678", "13712345678"),
        "邮箱": ("zs@example.com", "ls@example.cn", "ww@example.org"),
        "银行卡": (CARD, "4111 1111 1111 1111", CARD),
        "信用代码": ("91350100M000100Y43", "91110000600037341L", "91350100M000100Y43"),
    }
    notes = ("客户手机13812345678", "无", f"转账至{CARD}")
    lines = [",".join([*secrets, "备注"])]
    lines += [",".join([*(values[i] for values in secrets.values()), notes[i]]) for i in range(3)]
    profile = profile_csv(tmp_path, "\n".join(lines) + "\n")
    assert [c.sensitivity for c in profile.columns] == [
        Sensitivity.ID_NUMBER,
        Sensitivity.MOBILE,
        Sensitivity.EMAIL,
        Sensitivity.BANK_CARD,
        Sensitivity.CREDIT_CODE,
        None,
    ]
    dumped = json.dumps(profile.to_dict(), ensure_ascii=False)
    for value in [*(v for values in secrets.values() for v in values), "13812345678", CARD]:
        assert value not in dumped
    assert profile.sample[2][5] == f"转账至{'*' * 12}{CARD[-4:]}"


def test_quality_on_a_hand_built_file(tmp_path):
    bad_id = VALID_IDS[3][:17] + ("0" if VALID_IDS[3][17] != "0" else "1")
    assert id_check(bad_id[:17]) != bad_id[17]
    text = (
        "日期,铜价,身份证,备注\n"
        f"2024-05-01,70100,{VALID_IDS[0]},ok\n"
        f"2024-05-02,abc,{VALID_IDS[1]},\n"
        f"2024-05-03,70300.5,{bad_id},\n"
        f",70400,{VALID_IDS[2]},x\n"
    )
    quality = profile_csv(tmp_path, text).to_dict()["quality"]
    assert quality["scores"] == {
        "completeness": 0.8125,  # 13 of 16 cells filled
        "accuracy": None,
        "consistency": 0.9231,  # 12 of 13: "abc" in a decimal column
        "timeliness": 0.74,  # newest 2024-05-03 is 212 days old: 1 - (212 - 30) / 700
        "conformance": 0.8571,  # 6 of 7: 3 dates and 3 of 4 IDs are well formed
        "accessibility": 0.95,
    }
    assert quality["computed"] == [
        "completeness",
        "consistency",
        "timeliness",
        "conformance",
        "accessibility",
    ]
    assert quality["declared"] == ["accuracy"]


def test_file_without_dates_or_patterns_leaves_those_to_the_vendor(tmp_path):
    quality = profile_csv(tmp_path, "地区,数量\n南昌,1\n").to_dict()["quality"]
    assert quality["declared"] == ["accuracy", "timeliness", "conformance"]


def test_xlsx_profile_reads_dates_and_scores_its_format(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["日期", "铜价"])
    workbook.active.append([datetime(2024, 11, 20), 70100.5])
    workbook.active.append([datetime(2024, 11, 21), 70200])
    workbook.save(tmp_path / "p.xlsx")
    with open_table(tmp_path / "p.xlsx", FileFormat.XLSX) as table:
        profile = profile_table(table, today=TODAY)
    data = profile.to_dict()
    assert [c["type"] for c in data["columns"]] == ["date", "decimal"]
    assert data["quality"]["scores"]["accessibility"] == 0.85
    assert data["quality"]["scores"]["timeliness"] == 1.0
    assert data["sample"]["rows"] == [["2024-11-20", 70100.5], ["2024-11-21", 70200]]


def test_profile_dict_is_plain_json(tmp_path):
    profile = profile_csv(tmp_path, "日期,铜价\n2024-05-01,70100\n")
    data = profile.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["format"] == "csv" and data["rows"] == 1
    assert data["columns"][0] == {
        "name": "日期",
        "type": "date",
        "sensitivity": None,
        "null_count": 0,
    }
    assert data["sample"] == {"columns": ["日期", "铜价"], "rows": [["2024-05-01", "70100"]]}
    assert list(data["quality"]["scores"]) == list(QUALITY_DIMENSIONS)


def test_negative_sample_size_is_refused(tmp_path):
    with pytest.raises(ValueError):
        profile_csv(tmp_path, "a\n1\n", sample_size=-1)
