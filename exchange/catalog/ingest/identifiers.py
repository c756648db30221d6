"""Personal values as people in China really write them, found by the formats' definitions.

Each text is first normalised character by character (NFKC: full-width digits, letters, `＠`,
`＋`, brackets and spaces become ASCII; every dash becomes `-`), keeping for each normalised
character the index of the original one, so a value found in the normalised text is masked in
the original. Numbers are then read as runs of digit groups joined by spaces, hyphens, dots or
brackets, and every run of whole groups is tried against the formats' definitions: the
18-character resident ID (GB 11643, ISO 7064 MOD 11-2 check, a real birth date), the older
15-digit ID, mainland mobiles (1[3-9] and nine digits, after +86, 86 or 0086), landlines with
an area code, bank cards (16 to 19 digits of a card issuer's range, Luhn, grouped in fours),
passports and Hong Kong–Macau permits, and e-mail addresses. The checks keep ordinary numbers
(prices, dates, order numbers) from being taken for personal ones.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from exchange.accounts.credit_code import credit_code_problem, normalise_credit_code
from exchange.catalog.domain import Sensitivity

# GB 11643-1999: the province part of the area code, then ISO 7064 MOD 11-2 over 17 digits.
ID_PROVINCES = frozenset(
    [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46]
    + [50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83]
)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARACTERS = "10X98765432"
MOBILE = re.compile(r"1[3-9]\d{9}")
# Area codes: 010 and 02x take 8-digit numbers; 0[3-9]xx take 7 or 8. Numbers never start 0/1.
LANDLINE = re.compile(r"0(?:10|2\d)[2-9]\d{7}|0[3-9]\d{2}[2-9]\d{6,7}")
# Issuer ranges (ISO/IEC 7812): Amex, JCB, Diners 3x; Visa 4; Mastercard 51-55 and 2221-2720;
# UnionPay 62, Discover 60/64/65. Order numbers and dates (19xx, 20xx) fall outside them.
CARD_ISSUER = re.compile(r"3\d|4|5[0-5]|6\d|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720")
EMAIL = re.compile(
    r"(?=.{3,254}$)(?=[^@]{1,64}@)"
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
EMAIL_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63}"
    r"(?![A-Za-z0-9-])"
)
# Passports (E, G; E and a letter), Hong Kong–Macau permits (C; C and a letter) and the
# mainland travel permits of Hong Kong and Macao residents (H, M: 8 or 10 digits).
TRAVEL_DOCUMENT = re.compile(
    r"(?<![0-9A-Za-z])(?:[EGC][A-HJ-NP-Z]?\d{8}|[EC][A-HJ-NP-Z]\d{7}|[HM]\d{8}(?:\d{2})?)"
    r"(?![0-9A-Za-z])"
)
CREDIT_CODE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{18}(?![0-9A-Za-z])")
# Digit groups joined by separators; an X may end an ID number.
NUMBER_RUN = re.compile(
    r"(?<!\d)(?:\(\s?)?\+?\d+(?:[Xx](?![0-9A-Za-z]))?(?:[ .\-()]{1,3}\d+(?:[Xx](?![0-9A-Za-z]))?)*"
)
DIGIT_GROUP = re.compile(r"\d+[Xx]?")
DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\u30fc\u2043")
MAX_DIGITS = 19  # the longest value read (a bank card); longer runs are tried in parts
MIN_DIGITS = 11  # the shortest: a mobile, or a landline with its area code
# A whole number written simply (ASCII digit groups, single spaces or hyphens between them, a
# leading plus, an ID's final X): read as it stands, which is what the search below would make
# of it, without normalising or searching; most personal columns are written so.
SIMPLE_NUMBER = re.compile(r"\+?[0-9]+(?:[ -][0-9]+)*[Xx]?")
SIMPLE_GROUP = re.compile(r"([0-9]+[Xx]?)")
# Only texts with one of these can hold a value: an at sign; eleven digits (the fewest of a
# phone number) with at most three other characters between each two; a letter and seven
# digits (a passport); eighteen letters and digits (a credit code). Most cells have none.
CANDIDATE = re.compile(
    r"[@\uff20\ufe6b]|\d(?:\D{0,3}\d){10}|[A-Za-z\uff21-\uff3a\uff41-\uff5a]\d{7}"
    r"|[0-9A-Za-z]{18}"
)


@dataclass(frozen=True)
class Found:
    """A personal value in a text: its kind, its span in the original text, its canonical form.

    The canonical form is what a pseudonym is keyed on: one person's number written two ways
    (spaced, full-width, with +86, or a 15-digit ID and its 18-digit successor) is one value.
    """

    kind: Sensitivity
    start: int
    end: int
    canonical: str


@dataclass(frozen=True)
class Normalised:
    """A text in NFKC with plain separators, and for each character its index in the original."""

    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of a normalised one."""
        return self.origin[start], self.origin[end - 1] + 1


def normalise(text: str) -> Normalised:
    """NFKC per character (full-width to ASCII), dashes to `-`, spaces to ` `, origins kept."""
    if text.isascii():
        return Normalised(text, tuple(range(len(text))))
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char in DASHES:
            plain = "-"
        elif char.isspace():
            plain = " "
        else:
            plain = unicodedata.normalize("NFKC", char)
        for part in plain:
            chars.append(part)
            origin.append(index)
    return Normalised("".join(chars), tuple(origin))


# The formats' definitions, on canonical values


def id_check_character(first17: str) -> str:
    """The 18th character of a mainland resident ID number (ISO 7064 MOD 11-2)."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARACTERS[total % 11]


def _born(year: int, month: int, day: int) -> bool:
    try:
        return 1800 <= date(year, month, day).year <= date.today().year
    except ValueError:
        return False


def _id18(digits: str) -> str | None:
    """The ID itself when it is a valid 18-character resident ID."""
    text = digits.upper()
    if len(text) != 18 or not text[:17].isdigit() or int(text[:2]) not in ID_PROVINCES:
        return None
    if not _born(int(text[6:10]), int(text[10:12]), int(text[12:14])):
        return None
    return text if id_check_character(text[:17]) == text[17] else None


def _id15(digits: str) -> str | None:
    """The 18-character successor of a valid 15-digit ID (issued before 1999: born 19yy)."""
    if len(digits) != 15 or not digits.isdigit() or int(digits[:2]) not in ID_PROVINCES:
        return None
    if not _born(1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12])):
        return None
    first17 = digits[:6] + "19" + digits[6:]
    return first17 + id_check_character(first17)


def _national(digits: str) -> str | None:
    """The number after its country code 86 (written 86, +86 or 0086), or None without one."""
    for prefix in ("0086", "86"):
        if digits.startswith(prefix):
            return digits[len(prefix) :]
    return None


def _mobile(digits: str, plus: bool) -> str | None:
    national = _national(digits)
    if national is None:
        return None if plus or not MOBILE.fullmatch(digits) else digits
    return national if MOBILE.fullmatch(national) else None


def _landline(digits: str, plus: bool) -> str | None:
    national = _national(digits)
    if national is not None:
        national = "0" + national
    elif plus:
        return None
    else:
        national = digits
    return national if LANDLINE.fullmatch(national) else None


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _card(digits: str) -> str | None:
    if not 16 <= len(digits) <= 19 or not digits.isdigit():
        return None
    if not CARD_ISSUER.match(digits) or not _luhn_valid(digits):
        return None
    return digits


def _credit_code(code: str) -> bool:
    """A unified social credit code with a letter in it: 18 digits are read as numbers (an
    order number passes the check character one time in 31), and organisations' codes are
    not personal information, so a code made of digits only is not worth that risk."""
    return (
        len(code) == 18
        and not code.isdigit()
        and _id18(code) is None
        and credit_code_problem(code) is None
    )


# Reading numbers out of text


def _separator_class(separator: str) -> str:
    """What a separator between digit groups is, for the one-style-per-value rule."""
    for mark in ".- ":
        if mark in separator:
            return mark
    return ""  # brackets only, e.g. (0791)86123456


def _consistent(separators: Sequence[str]) -> bool:
    """One style of separator inside a value, though the first (after a country or area code)
    may differ; dots, which also mark decimals, only when there are two or more."""
    classes = [_separator_class(s) for s in separators]
    if len({c for c in classes[1:] if c}) > 1:
        return False
    return "." not in classes or classes.count(".") >= 2


def _number(
    groups: Sequence[str], separators: Sequence[str], plus: bool
) -> tuple[Sensitivity, str] | None:
    """The kind and canonical form of a run of digit groups, or None."""
    if separators and not _consistent(separators):
        return None
    digits = "".join(groups)
    if digits[:-1].upper().count("X") or ("X" in digits.upper() and len(digits) != 18):
        return None
    if not plus:
        found = _id18(digits) or _id15(digits)
        if found:
            return Sensitivity.ID_NUMBER, found
    mobile = _mobile(digits, plus)
    if mobile:
        return Sensitivity.MOBILE, mobile
    landline = _landline(digits, plus)
    if landline:
        return Sensitivity.LANDLINE, landline
    if not plus and all(len(group) == 4 for group in groups[:-1]):
        card = _card(digits)
        if card:
            return Sensitivity.BANK_CARD, card
    return None


def _numbers(
    text: str, taken: Sequence[tuple[int, int]]
) -> list[tuple[Sensitivity, int, int, str]]:
    """Every personal number in a normalised text, outside the spans already taken."""
    found = []
    for run in NUMBER_RUN.finditer(text):
        if any(start < run.end() and run.start() < end for start, end in taken):
            continue
        groups = list(DIGIT_GROUP.finditer(text, run.start(), run.end()))
        index = 0
        while index < len(groups):
            match = _longest(text, run, groups, index)
            if match is None:
                index += 1
                continue
            last, kind, canonical = match
            start = run.start() if index == 0 else groups[index].start()
            found.append((kind, start, groups[last].end(), canonical))
            index = last + 1
    return found


def _longest(
    text: str, run: re.Match[str], groups: Sequence[re.Match[str]], first: int
) -> tuple[int, Sensitivity, str] | None:
    """The longest value starting at group `first`: (its last group, kind, canonical form)."""
    plus = first == 0 and "+" in text[run.start() : groups[0].start()]
    ends = []
    digits = 0
    for last in range(first, len(groups)):
        digits += len(groups[last].group())
        if digits > MAX_DIGITS:
            break
        ends.append(last)
    for last in reversed(ends):
        if sum(len(g.group()) for g in groups[first : last + 1]) < MIN_DIGITS:
            break
        chosen = groups[first : last + 1]
        separators = [text[a.end() : b.start()] for a, b in zip(chosen, chosen[1:], strict=False)]
        read = _number([g.group() for g in chosen], separators, plus)
        if read is not None:
            return last, *read
    return None


def find_personal(value: str) -> list[Found]:
    """Every personal or sensitive value inside a text, by its span in the text as given."""
    if not CANDIDATE.search(value):
        return []
    norm = normalise(value)
    text = norm.text
    found: list[tuple[Sensitivity, int, int, str]] = []
    for match in EMAIL_IN_TEXT.finditer(text):
        found.append((Sensitivity.EMAIL, *match.span(), match.group().lower()))
    for match in CREDIT_CODE_IN_TEXT.finditer(text):
        code = match.group().upper()
        if _credit_code(code):
            found.append((Sensitivity.CREDIT_CODE, *match.span(), code))
    for match in TRAVEL_DOCUMENT.finditer(text):
        found.append((Sensitivity.TRAVEL_DOCUMENT, *match.span(), match.group()))
    found.extend(_numbers(text, [(start, end) for _, start, end, _ in found]))
    return sorted(
        (Found(kind, *norm.span(start, end), canonical) for kind, start, end, canonical in found),
        key=lambda item: item.start,
    )


# Whole values


def detect(value: object) -> Sensitivity | None:
    """The kind of personal or sensitive value this whole cell is, or None."""
    text = as_text(value)
    if text is None or not 6 <= len(text) <= 254:
        return None
    whole = whole_value(text)
    return None if whole is None else whole.kind


def whole_value(text: str) -> Found | None:
    """The one value that makes up the whole (stripped) text, if any."""
    text = text.strip()
    if not CANDIDATE.search(text) and len(text) < 18:
        return None  # the cheap test first: profiling asks this of every cell
    if SIMPLE_NUMBER.fullmatch(text) and not text.endswith(("X", "x")):  # X: maybe a credit code
        return _simple_number(text)
    code = normalise_credit_code(normalise(text).text)
    if _credit_code(code):
        return Found(Sensitivity.CREDIT_CODE, 0, len(text), code)
    found = find_personal(text)
    if len(found) == 1 and found[0].start == 0 and found[0].end == len(text):
        if found[0].kind is not Sensitivity.EMAIL or is_email(text):
            return found[0]
    return None


def _simple_number(text: str) -> Found | None:
    """The value a simply written number is as a whole, or None."""
    parts = SIMPLE_GROUP.split(text)  # [sign, group, separator, group, ..., ""]
    groups, separators = parts[1::2], parts[2:-1:2]
    digits = sum(len(group) for group in groups)
    if not MIN_DIGITS <= digits <= MAX_DIGITS:
        return None
    read = _number(groups, separators, parts[0] == "+")
    return None if read is None else Found(read[0], 0, len(text), read[1])


def _is(kind: Sensitivity) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        whole = whole_value(value)
        return whole is not None and whole.kind is kind

    check.__doc__ = f"Whether the whole value is a {kind.value.replace('_', ' ')}."
    return check


is_id_number = _is(Sensitivity.ID_NUMBER)
is_mobile = _is(Sensitivity.MOBILE)
is_landline = _is(Sensitivity.LANDLINE)
is_bank_card = _is(Sensitivity.BANK_CARD)
is_travel_document = _is(Sensitivity.TRAVEL_DOCUMENT)


def is_email(value: str) -> bool:
    """An address of the usual shape: a dot-atom local part and a domain with a letter TLD."""
    return EMAIL.fullmatch(normalise(value.strip()).text) is not None


def is_credit_code(value: str) -> bool:
    """A unified social credit code with the right GB 32100 check character."""
    return credit_code_problem(normalise_credit_code(normalise(value).text)) is None


def as_text(value: object) -> str | None:
    """Text a detector can read: strings stripped, whole numbers as digits (spreadsheets)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e20:
        return str(int(value))
    return None
