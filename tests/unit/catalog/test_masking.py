"""Personal values: strict detectors, masks in the shapes people expect, and no leaks."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exchange.catalog.domain import Sensitivity
from exchange.catalog.ingest.masking import (
    detect,
    is_bank_card,
    is_credit_code,
    is_email,
    is_id_number,
    is_mobile,
    mask_cell,
    mask_row,
    mask_text,
    mask_value,
)

# The worked example of GB 11643-1999 and two registered credit codes.
STANDARD_ID = "11010519491231002X"
CREDIT_CODES = ("91350100M000100Y43", "91110000600037341L")


def id_check(first17: str) -> str:
    """ISO 7064 MOD 11-2 as the standard states it: weights 2^(17-i) mod 11."""
    total = sum(int(digit) * pow(2, 17 - index, 11) for index, digit in enumerate(first17))
    return "10X98765432"[total % 11]


def make_id(area: str, born: date, sequence: int) -> str:
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_check(first17)


def luhn_complete(body: str) -> str:
    """The body with the Luhn check digit appended."""
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return body + str(-total % 10)


VALID_IDS = (
    STANDARD_ID,
    make_id("360102", date(1990, 2, 28), 123),
    make_id("362201", date(2000, 2, 29), 7),
    make_id("440524", date(1985, 12, 1), 999),
)
CARD = luhn_complete("621226000000123")  # a UnionPay number, 16 digits


def test_id_check_helper_matches_the_standard_example():
    assert id_check(STANDARD_ID[:17]) == "X"


@pytest.mark.parametrize("value", [*VALID_IDS, STANDARD_ID.lower(), f" {VALID_IDS[1]} "])
def test_valid_id_number_is_detected(value):
    assert is_id_number(value)
    assert detect(value) is Sensitivity.ID_NUMBER


def test_id_number_with_a_wrong_check_character_is_not_detected():
    wrong = "0" if VALID_IDS[1][17] != "0" else "1"
    value = VALID_IDS[1][:17] + wrong
    assert not is_id_number(value)
    assert detect(value) is not Sensitivity.ID_NUMBER


@pytest.mark.parametrize(
    "first17",
    [
        "36010219900230123",  # 30 February
        "99010219900228123",  # no province 99
        "3601021990022812",  # 16 digits
    ],
)
def test_id_number_with_an_impossible_part_is_not_detected(first17):
    assert not is_id_number(first17 + id_check(first17.ljust(17, "0")))


@pytest.mark.parametrize(
    "value",
    ["13812345678", "19912345678", "+86 138 1234 5678", "86-138-1234-5678", "8613812345678"],
)
def test_mainland_mobile_is_detected(value):
    assert is_mobile(value)
    assert detect(value) is Sensitivity.MOBILE


@pytest.mark.parametrize("value", ["12812345678", "1381234567", "138123456789", "23812345678"])
def test_number_that_is_not_a_mobile_is_not_detected(value):
    assert not is_mobile(value)


@pytest.mark.parametrize("value", ["zhang.san@example.com", "li+data@ganshu.com.cn", "a@jx.gov.cn"])
def test_email_is_detected(value):
    assert is_email(value)
    assert detect(value) is Sensitivity.EMAIL


@pytest.mark.parametrize("value", ["zhang@", "@example.com", "a b@x.com", "a..b@x.com", "x@y"])
def test_malformed_email_is_not_detected(value):
    assert not is_email(value)


@pytest.mark.parametrize(
    "value", [CARD, "4111 1111 1111 1111", luhn_complete("622848001234567890")]
)
def test_luhn_valid_card_number_is_detected(value):
    assert is_bank_card(value)
    assert detect(value) is Sensitivity.BANK_CARD


@pytest.mark.parametrize(
    "value",
    ["4111111111111112", "0000000000000", luhn_complete("62122600000"), "4111-1111-1111-1111x"],
)
def test_card_number_failing_luhn_or_length_is_not_detected(value):
    assert not is_bank_card(value)


@pytest.mark.parametrize("code", [*CREDIT_CODES, CREDIT_CODES[0].lower()])
def test_credit_code_is_detected(code):
    assert is_credit_code(code)
    assert detect(code) is Sensitivity.CREDIT_CODE


def test_credit_code_with_a_wrong_check_character_is_not_detected():
    assert not is_credit_code(CREDIT_CODES[0][:17] + "0")


@pytest.mark.parametrize("value", ["南昌", "70100.5", "2024-05-01", 70100, True, None, 3.5])
def test_ordinary_values_are_not_detected(value):
    assert detect(value) is None


def test_mobile_stored_as_a_spreadsheet_number_is_detected():
    assert detect(13812345678) is Sensitivity.MOBILE
    assert detect(13812345678.0) is Sensitivity.MOBILE


@pytest.mark.parametrize(
    ("value", "kind", "masked"),
    [
        (STANDARD_ID, Sensitivity.ID_NUMBER, "110***********002X"),
        ("13812345678", Sensitivity.MOBILE, "138****5678"),
        ("+86 138-1234-5678", Sensitivity.MOBILE, "+86 138-****-5678"),
        (13812345678, Sensitivity.MOBILE, "138****5678"),
        ("zhang.san@example.com", Sensitivity.EMAIL, "z***@example.com"),
        ("6212 2600 0000 1234", Sensitivity.BANK_CARD, "**** **** **** 1234"),
        ("91350100M000100Y43", Sensitivity.CREDIT_CODE, "91**************43"),
        ("张三", Sensitivity.DECLARED, "张*"),
        ("欧阳修远", Sensitivity.DECLARED, "欧***"),
        ("Zhang San", Sensitivity.DECLARED, "***"),
        ("南昌市红谷滩区丰和中大道", Sensitivity.DECLARED, "***"),
    ],
)
def test_mask_keeps_the_expected_shape(value, kind, masked):
    assert mask_value(value, kind) == masked


def test_value_not_of_its_columns_kind_is_still_masked():
    assert mask_value("not an id", Sensitivity.ID_NUMBER) == "not**n id"
    assert mask_value("N/A", Sensitivity.MOBILE) == "***"


def test_free_text_has_every_personal_value_masked():
    text = f"联系人张三，电话138 1234 5678，身份证{VALID_IDS[1]}，邮箱zs@example.com，卡号{CARD}。"
    masked = mask_text(text)
    for secret in ("138 1234 5678", VALID_IDS[1], "zs@example.com", CARD):
        assert secret not in masked
    assert masked.startswith("联系人张三，电话138 **** 5678，身份证360")
    assert "z***@example.com" in masked and f"****{CARD[-4:]}" in masked


def test_free_text_keeps_numbers_that_fail_their_checks():
    text = "订单号 4111111111111112，数量 13，日期 2024-05-01"
    assert mask_text(text) == text


def test_mask_row_masks_flagged_columns_and_stray_values():
    row = ("张三", "13812345678", "备注：改用 13912345678", 70100, None, "")
    kinds = (Sensitivity.DECLARED, Sensitivity.MOBILE, None, None, Sensitivity.MOBILE, None)
    assert mask_row(row, kinds) == (
        "张*",
        "138****5678",
        "备注：改用 139****5678",
        70100,
        None,
        "",
    )


def test_mask_cell_masks_a_number_cell_that_is_a_mobile():
    assert mask_cell(13812345678, None) == "138****5678"


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    area = draw(st.sampled_from(["110105", "360102", "360702", "362201", "440524", "510104"]))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2024, 12, 31)))
    return make_id(area, born, draw(st.integers(0, 999)))


@st.composite
def mobiles(draw: st.DrawFn) -> str:
    digits = (
        "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9, max_size=9))
    )
    layout = draw(st.sampled_from(["{a}{b}{c}", "{a} {b} {c}", "{a}-{b}-{c}"]))
    number = layout.format(a=digits[:3], b=digits[3:7], c=digits[7:])
    return draw(st.sampled_from(["", "+86", "+86 ", "86"])) + number


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    issuer = draw(st.sampled_from(["62", "4", "51", "55", "2221", "2720", "35", "60"]))
    body = issuer + draw(
        st.text("0123456789", min_size=15 - len(issuer), max_size=18 - len(issuer))
    )
    number = luhn_complete(body)
    if draw(st.booleans()):
        number = " ".join(number[start : start + 4] for start in range(0, len(number), 4))
    return number


emails = st.builds(
    "{}@{}.{}".format,
    st.text("abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=20).filter(
        lambda local: not local.startswith(".") and not local.endswith(".") and ".." not in local
    ),
    st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12),
    st.sampled_from(["com", "cn", "net", "org"]),
)
personal_values = st.one_of(id_numbers(), mobiles(), card_numbers(), emails)


@settings(max_examples=300, deadline=None, database=None)
@given(personal_values)
def test_masking_a_detected_value_never_returns_it(value):
    kind = detect(value)
    assert kind is not None
    masked = mask_value(value, kind)
    assert masked != value
    if kind in (Sensitivity.ID_NUMBER, Sensitivity.MOBILE):
        assert len(masked) == len(value.strip())


@settings(max_examples=200, deadline=None, database=None)
@given(personal_values)
def test_masking_free_text_never_leaks_the_value(value):
    assert value not in mask_text(f"联系方式：{value}，谢谢")
