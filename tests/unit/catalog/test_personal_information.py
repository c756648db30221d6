"""Personal values as they are really written: generated from the formats' definitions, then
written the ways people write them (full-width, grouped, prefixed, inside Chinese text), and
every one found and masked or pseudonymised; ordinary numbers are left alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from exchange.catalog.domain import Sensitivity
from exchange.catalog.ingest.masking import (
    detect,
    find_personal,
    mask_text,
    mask_value,
    normalise,
    pseudonym,
    pseudonymise_text,
    pseudonymise_value,
)

EXAMPLES = settings(max_examples=300, deadline=None, database=None)
FULL_WIDTH = {chr(ord("0") + i): chr(0xFF10 + i) for i in range(10)} | {"X": "Ｘ", "x": "ｘ"}
# Separators people put inside numbers: ASCII, full-width and typographic.
SEPARATORS = [" ", "-", ".", "\u3000", "－", "．", "\u2014", "\u00a0"]
AREAS = ["110105", "310104", "360102", "360702", "362201", "440524", "510104", "810000"]


# The formats' definitions


def id_check(first17: str) -> str:
    """ISO 7064 MOD 11-2 as the standard states it: weights 2^(17-i) mod 11."""
    total = sum(int(digit) * pow(2, 17 - index, 11) for index, digit in enumerate(first17))
    return "10X98765432"[total % 11]


def luhn_complete(body: str) -> str:
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return body + str(-total % 10)


@dataclass(frozen=True)
class Value:
    """A valid value, its kind, its digits without any prefix, and how it is customarily split."""

    kind: Sensitivity
    digits: str
    groupings: tuple[tuple[int, ...], ...]
    prefixes: tuple[str, ...] = ("",)


digits = st.text("0123456789", min_size=1, max_size=1)


@st.composite
def id18(draw: st.DrawFn) -> Value:
    born = draw(st.dates(date(1900, 1, 1), date(2020, 12, 31)))
    first17 = f"{draw(st.sampled_from(AREAS))}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return Value(Sensitivity.ID_NUMBER, first17 + id_check(first17), ((6, 8, 4), (6, 4, 4, 4)))


@st.composite
def id15(draw: st.DrawFn) -> Value:
    born = draw(st.dates(date(1900, 1, 1), date(1999, 12, 31)))
    number = f"{draw(st.sampled_from(AREAS))}{born:%y%m%d}{draw(st.integers(0, 999)):03d}"
    return Value(Sensitivity.ID_NUMBER, number, ((6, 6, 3),))


@st.composite
def mobile(draw: st.DrawFn) -> Value:
    number = (
        "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9, max_size=9))
    )
    prefixes = ("", "+86", "+86 ", "86", "0086", "0086-", "(+86)", "＋８６ ")
    return Value(Sensitivity.MOBILE, number, ((3, 4, 4), (3, 3, 5), (4, 4, 3)), prefixes)


@st.composite
def landline(draw: st.DrawFn) -> Value:
    area = draw(st.sampled_from(["010", "021", "0791", "0797", "0351"]))
    size = 8 if len(area) == 3 else draw(st.sampled_from([7, 8]))
    local = draw(st.sampled_from("23456789")) + draw(
        st.text("0123456789", min_size=size - 1, max_size=size - 1)
    )
    return Value(Sensitivity.LANDLINE, area + local, ((len(area), size), (len(area), 4, size - 4)))


@st.composite
def bank_card(draw: st.DrawFn) -> Value:
    issuer = draw(st.sampled_from(["62", "4", "51", "55", "2221", "35", "6011"]))
    length = draw(st.integers(16, 19))
    body = issuer + draw(
        st.text("0123456789", min_size=length - 1 - len(issuer), max_size=length - 1 - len(issuer))
    )
    number = luhn_complete(body)
    fours = tuple([4] * (len(number) // 4) + ([len(number) % 4] if len(number) % 4 else []))
    return Value(Sensitivity.BANK_CARD, number, (fours,))


values = st.one_of(id18(), id15(), mobile(), landline(), bank_card())


# How people write them


@st.composite
def written(draw: st.DrawFn, value: Value) -> str:
    """The value with full-width characters, separators, a prefix and an X in any case."""
    text = value.digits
    if text.endswith("X"):
        text = text[:-1] + draw(st.sampled_from("XxＸｘ"))
    grouping = draw(st.sampled_from(((len(text),), *value.groupings)))
    separator = draw(st.sampled_from(SEPARATORS))
    if separator in (".", "．") and len(grouping) < 3:
        separator = " "  # one dot reads as a decimal point, by definition of the detector
    parts, start = [], 0
    for size in grouping:
        parts.append(text[start : start + size])
        start += size
    text = separator.join(parts)
    if draw(st.booleans()):  # full-width digits, all or some
        every = draw(st.booleans())
        text = "".join(FULL_WIDTH.get(c, c) if every or draw(st.booleans()) else c for c in text)
    prefix = draw(st.sampled_from(value.prefixes))
    if value.kind is Sensitivity.LANDLINE and draw(st.booleans()):
        prefix, text = draw(st.sampled_from(["+86 ", "0086 "])), text[1:]  # +86 791 …
    return prefix + text


CONTEXTS = [
    "{}",
    "联系人张三，手机{}，谢谢",
    "身份证号码{}号",
    "电话：{}（工作日）",
    "备注：客户于2024年5月1日来电，号码为{}。订单金额¥1,380.00元",
    "{}/{}",
    "卡号{}；尾号确认",
]


@st.composite
def in_context(draw: st.DrawFn) -> tuple[Value, str, str]:
    value = draw(values)
    shown = draw(written(value))
    context = draw(st.sampled_from(CONTEXTS))
    return value, shown, context.replace("{}", shown)


def bare(text: str) -> str:
    """Digits and letters only, in ASCII: what a reader can recover of a number."""
    return "".join(c for c in normalise(text).text if c.isalnum()).upper()


# Every variant is found, masked and pseudonymised


@EXAMPLES
@given(in_context())
def test_every_written_variant_is_found_with_its_span(case):
    value, shown, text = case
    found = [f for f in find_personal(text) if text[f.start : f.end].endswith(shown[-4:])]
    assert found, (shown, text)
    assert found[0].kind is value.kind
    assert bare(text[found[0].start : found[0].end]).endswith(bare(value.digits).lstrip("0"))


@EXAMPLES
@given(in_context())
def test_no_written_variant_survives_masking(case):
    value, shown, text = case
    masked = mask_text(text)
    assert shown not in masked
    assert bare(value.digits) not in bare(masked)


@EXAMPLES
@given(in_context())
def test_no_written_variant_survives_pseudonymising(case):
    value, shown, text = case
    replaced = pseudonymise_text(text, b"k" * 32)
    assert shown not in replaced
    assert bare(value.digits) not in bare(replaced)


@EXAMPLES
@given(st.data())
def test_a_whole_cell_in_any_writing_is_detected_as_its_kind(data):
    value = data.draw(values)
    shown = data.draw(written(value))
    assert detect(shown) is value.kind
    assert detect(f"  {shown}\u3000") is value.kind
    assert bare(value.digits) not in bare(mask_value(shown, value.kind))


@EXAMPLES
@given(st.data())
def test_one_value_in_two_writings_gets_one_token(data):
    value = data.draw(values)
    first, second = data.draw(written(value)), data.draw(written(value))
    key = b"buyer-one".ljust(32, b"\0")
    assert pseudonymise_value(first, value.kind, key) == pseudonymise_value(second, value.kind, key)


def test_an_old_fifteen_digit_id_and_its_successor_share_a_token():
    old = "360102900307123"
    first17 = "360102" + "19" + "900307123"
    new = first17 + id_check(first17)
    key = bytes(32)
    assert pseudonymise_value(old, Sensitivity.ID_NUMBER, key) == pseudonymise_value(
        new, Sensitivity.ID_NUMBER, key
    )


def test_tokens_differ_between_keys_and_between_values():
    one, two = bytes(32), bytes([1]) * 32
    assert pseudonym("13812345678", Sensitivity.MOBILE, one) != pseudonym(
        "13812345678", Sensitivity.MOBILE, two
    )
    assert pseudonym("13812345678", Sensitivity.MOBILE, one) != pseudonym(
        "13812345679", Sensitivity.MOBILE, one
    )


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("ｚｈａｎｇ．ｓａｎ＠ｅｘａｍｐｌｅ．ｃｏｍ", Sensitivity.EMAIL),
        ("邮箱Zhang.San@Example.com请回复", Sensitivity.EMAIL),
        ("护照号E12345678", Sensitivity.TRAVEL_DOCUMENT),
        ("护照ＥＡ１２３４５６７", Sensitivity.TRAVEL_DOCUMENT),
        ("港澳通行证C12345678，", Sensitivity.TRAVEL_DOCUMENT),
        ("回乡证H1234567801", Sensitivity.TRAVEL_DOCUMENT),
        ("（0791）86123456", Sensitivity.LANDLINE),
        ("0791-8612-3456转8001", Sensitivity.LANDLINE),
    ],
)
def test_other_kinds_are_found_in_their_written_forms(text, kind):
    found = find_personal(text)
    assert [f.kind for f in found] == [kind]
    assert bare(text[found[0].start : found[0].end]) not in bare(mask_text(text))


# Ordinary numbers are left alone

prices = st.decimals(Decimal("0.01"), Decimal("999999999.99"), places=2).map(
    lambda d: st.sampled_from([f"{d}", f"{d:,}", f"¥{d:,}", f"{d}元", f"{d:,} 元/吨"])
)


@st.composite
def ordinary(draw: st.DrawFn) -> str:
    day = draw(st.dates(date(1990, 1, 1), date(2035, 12, 31)))
    kind = draw(st.sampled_from(["price", "date", "order", "code", "quantity"]))
    if kind == "price":
        return draw(draw(prices))
    if kind == "date":
        return draw(
            st.sampled_from(
                [
                    f"{day:%Y-%m-%d}",
                    f"{day:%Y/%m/%d}",
                    f"{day:%Y.%m.%d}",
                    f"{day:%Y%m%d}",
                    f"{day.year}年{day.month}月{day.day}日",
                    f"{day:%Y-%m-%d} {draw(st.integers(0, 23)):02d}:30:00",
                    f"{day:%Y.%m.%d}-{day:%Y.%m.%d}",
                ]
            )
        )
    if kind == "order":  # date-based order and waybill numbers, 14 to 20 digits
        return f"{day:%Y%m%d}" + draw(st.text("0123456789", min_size=6, max_size=12))
    if kind == "code":
        serial = draw(st.integers(0, 999999))
        return draw(
            st.sampled_from(
                [
                    f"SKU-{day.year}-{serial:06d}",
                    f"JX{day:%Y%m}{serial:06d}",
                    f"GB/T 43697-{day.year}",
                    f"批次{day:%y%m%d}-{serial % 1000:03d}",
                    f"V{serial % 10}.{serial % 7}.{serial % 13}",
                ]
            )
        )
    return str(draw(st.integers(0, 10**9)))


@EXAMPLES
@given(ordinary())
def test_ordinary_numbers_are_not_taken_for_personal_ones(text):
    assert find_personal(text) == []
    assert find_personal(f"数量{text}，备注") == []
    assert mask_text(text) == text
    assert detect(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "单价13.50 12.00 99.5元",  # prices in a row with mixed separators
        "1380.0138000",  # a decimal, one dot
        "订单2024050112345678",  # 16 digits, no card issuer starts 20
        "4111111111111112",  # a card number failing Luhn
        "电话 12812345678",  # no mobile starts 12
        "91350100M000100Y44",  # a credit code with the wrong check character
    ],
)
def test_near_misses_are_left_alone(text):
    assert find_personal(text) == []


# A buyer's copy in every catalog format


def people_rows(count: int = 30) -> list[tuple[str, int, str, float]]:
    """(ID number, mobile as a number, remark with a phone inside, amount) per person."""
    rows = []
    for i in range(count):
        first17 = f"360102{1970 + i}0{i % 9 + 1}1{i % 9}{i:03d}"
        rows.append(
            (
                id_check(first17).join([first17, ""]),
                13800000000 + i * 7919,
                f"备注：改用1390000{i:04d}",
                100.5 + i,
            )
        )
    return rows


def people_file(name: str, rows: list[tuple[str, int, str, float]]) -> bytes:
    import io
    import json

    header = ["身份证号", "手机", "备注", "金额"]
    if name.endswith(".csv"):
        lines = [",".join(header)] + [",".join(str(c) for c in r) for r in rows]
        return ("\n".join(lines) + "\n").encode()
    if name.endswith(".json"):
        return json.dumps(
            [dict(zip(header, r, strict=True)) for r in rows], ensure_ascii=False
        ).encode()
    if name.endswith(".xlsx"):
        import openpyxl

        workbook = openpyxl.Workbook()
        workbook.active.append(header)
        for r in rows:
            workbook.active.append(list(r))
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = list(zip(*rows, strict=True))
    table = pa.table(
        {
            "身份证号": pa.array(columns[0], type=pa.string()),
            "手机": pa.array(columns[1], type=pa.int64()),
            "备注": pa.array(columns[2], type=pa.string()),
            "金额": pa.array(columns[3], type=pa.float64()),
        }
    )
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


@pytest.mark.parametrize("name", ["people.csv", "people.json", "people.xlsx", "people.parquet"])
def test_a_copy_in_any_format_holds_no_raw_identifier(name, tmp_path):
    from functools import partial

    from exchange.catalog.domain import DeliveryForm, FileFormat
    from exchange.catalog.ingest import open_table
    from exchange.catalog.ingest.masking import ColumnForm
    from exchange.delivery.fingerprint import desensitise, fingerprint

    rows = people_rows()
    forms = {
        "身份证号": ColumnForm("身份证号", Sensitivity.ID_NUMBER, DeliveryForm.PSEUDONYMISED),
        "手机": ColumnForm("手机", Sensitivity.MOBILE, DeliveryForm.MASKED),
    }
    prepare = partial(desensitise.changes, forms=forms, key=bytes(32))
    copy = fingerprint(people_file(name, rows), name, bytes(32), prepare=prepare).content
    path = tmp_path / name
    path.write_bytes(copy)
    with open_table(path, FileFormat(name.rsplit(".", 1)[1])) as table:
        cells = [tuple(row) for row in table]
    text = bare(" ".join(str(c) for row in cells for c in row))
    for ident, mobile, remark, _ in rows:
        assert ident not in text and str(mobile) not in text and bare(remark)[-11:] not in text
    assert all(str(row[0]).startswith("ID-") for row in cells)
    assert all("****" in str(row[1]) for row in cells)


def test_a_contract_without_personal_columns_reads_as_before():
    from exchange.trading.contract_text import render_en, render_zh
    from tests.unit.trading.test_contract_text import HASH, facts

    plain = facts()
    listed = plain | {
        "personal_information": [
            {"column": "手机", "kind": "mobile", "form": "masked"},
            {"column": "身份证号", "kind": "id_number", "form": "pseudonymised"},
        ]
    }
    assert "个人信息，各列" not in render_zh(plain, HASH)
    assert render_zh(plain, HASH).count("\n") + 3 == render_zh(listed, HASH).count("\n")
    assert "“手机”（手机号码）：遮盖交付" in render_zh(listed, HASH)
    assert '"身份证号" (resident ID numbers): pseudonymised' in render_en(listed, HASH)


SIMPLY_WRITTEN = st.builds(
    lambda sign, groups, separator, x: sign + separator.join(groups) + x,
    st.sampled_from(["", "+", "+86 ", "0086-"]),
    st.lists(st.text("0123456789", min_size=1, max_size=11), min_size=1, max_size=5),
    st.sampled_from([" ", "-", ""]),
    st.sampled_from(["", "", "X"]),
)


@given(SIMPLY_WRITTEN)
@example("31273843947564113X")  # digits and an X that make a credit code, not an ID
@example("+86 138-1234-5678")
@settings(max_examples=400, deadline=None)
def test_a_simply_written_number_reads_as_the_search_reads_it(text):
    """whole_value's shortcut for plain digit groups agrees with finding values in the text."""
    from exchange.catalog.ingest.identifiers import find_personal, whole_value

    found = find_personal(text)
    spans_all = len(found) == 1 and (found[0].start, found[0].end) == (0, len(text.strip()))
    expected = (found[0].kind, found[0].canonical) if spans_all and text == text.strip() else None
    whole = whole_value(text)
    if text == text.strip():
        assert ((whole.kind, whole.canonical) if whole else None) == expected, text
