"""GB 32100-2015 unified social credit codes: the check character and why a code is refused."""

from __future__ import annotations

import pytest

from exchange.accounts.credit_code import (
    check_character,
    credit_code_problem,
    normalise_credit_code,
)

# Codes printed on real business licences (Fujian and Beijing registrations).
PUBLISHED_CODES = ("91350100M000100Y43", "91110000600037341L")


def with_check_character(first17: str) -> str:
    return first17 + check_character(first17)


@pytest.mark.parametrize("code", PUBLISHED_CODES)
def test_published_codes_are_valid(code):
    assert credit_code_problem(code) is None


@pytest.mark.parametrize("code", PUBLISHED_CODES)
def test_check_character_reproduces_the_published_one(code):
    assert check_character(code[:17]) == code[17]


@pytest.mark.parametrize("code", PUBLISHED_CODES)
def test_changed_check_character_is_refused_as_check(code):
    wrong = "0" if code[17] != "0" else "1"
    assert credit_code_problem(code[:17] + wrong) == "check"


def test_changed_body_character_is_refused_as_check():
    code = PUBLISHED_CODES[0]
    altered = code[:10] + ("1" if code[10] != "1" else "2") + code[11:]
    assert credit_code_problem(altered) == "check"


@pytest.mark.parametrize(
    "code",
    [PUBLISHED_CODES[0][:17], PUBLISHED_CODES[0] + "1", "", "9135"],
    ids=["17-chars", "19-chars", "empty", "4-chars"],
)
def test_wrong_length_is_refused_as_length(code):
    assert credit_code_problem(code) == "length"


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_forbidden_letters_are_refused_as_characters(letter):
    code = PUBLISHED_CODES[0]
    assert credit_code_problem(code[:8] + letter + code[9:]) == "characters"


def test_lower_case_letters_are_refused_as_characters_before_normalising():
    assert credit_code_problem(PUBLISHED_CODES[0].lower()) == "characters"


def test_punctuation_is_refused_as_characters():
    assert credit_code_problem("91350100-000100Y43") == "characters"


def test_letter_in_the_division_code_is_refused_as_division():
    # The check character is right, so only the division (characters 3 to 8) is at fault.
    code = with_check_character("913501A0M000100Y4")
    assert credit_code_problem(code) == "division"


def test_check_character_of_a_sum_divisible_by_31_is_zero():
    assert check_character("0" * 17) == "0"


def test_check_character_uses_only_the_31_allowed_characters():
    produced = {check_character(f"9136010{n:010d}") for n in range(500)}
    assert not produced & set("IOSVZ")


def test_normalise_removes_spaces_and_upper_cases():
    assert normalise_credit_code(" 9135 0100m0 00100y43\t") == "91350100M000100Y43"


def test_normalise_removes_ideographic_spaces():
    assert normalise_credit_code("91110000\u3000600037341l") == "91110000600037341L"


def test_normalised_typed_code_is_valid():
    assert credit_code_problem(normalise_credit_code("91350100m000100y43 ")) is None
