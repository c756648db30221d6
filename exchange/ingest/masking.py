"""Find personal and sensitive values and mask them in the shapes people in China expect.

Detectors are strict (check digits, Luhn, real birth dates), so a column of order numbers is
not taken for bank cards; maskers keep enough of a value to recognise its kind and nothing more.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date

from exchange.domain.catalog import Sensitivity
from exchange.domain.credit_code import credit_code_problem, normalise_credit_code
from exchange.ingest.readers import Cell

# GB 11643-1999: the province part of the area code, then ISO 7064 MOD 11-2 over 17 digits.
ID_PROVINCES = frozenset(
    [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46]
    + [50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83]
)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARACTERS = "10X98765432"
ID_LAYOUT = re.compile(r"\d{17}[\dX]")
MOBILE = re.compile(r"(?:\+?86)?1[3-9]\d{9}")
MOBILE_SEPARATORS = re.compile(r"[ -]")
EMAIL = re.compile(
    r"(?=.{3,254}$)(?=[^@]{1,64}@)"
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
DIGITS = frozenset("0123456789")
DIGIT_RUN = re.compile(r"(?:\d[ -]?){11}")
CARD = re.compile(r"[1-9]\d{12,18}")  # issuer numbers never start with 0

# Where each kind may sit inside free text; the detector then decides.
EMBEDDED = (
    (Sensitivity.ID_NUMBER, re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")),
    (Sensitivity.CREDIT_CODE, re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{18}(?![0-9A-Za-z])")),
    (
        Sensitivity.MOBILE,
        # Any grouping is_mobile accepts: separators may fall between any two digits.
        re.compile(
            r"(?<![0-9A-Za-z+])(?:\+?8[ -]?6[ -]?)?1[ -]?[3-9](?:[ -]?\d){9}(?![0-9A-Za-z])"
        ),
    ),
    (Sensitivity.BANK_CARD, re.compile(r"(?<![0-9A-Za-z])\d(?: ?\d){12,18}(?![0-9A-Za-z])")),
    (Sensitivity.EMAIL, re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")),
)


def id_check_character(first17: str) -> str:
    """The 18th character of a mainland resident ID number (ISO 7064 MOD 11-2)."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARACTERS[total % 11]


def is_id_number(value: str) -> bool:
    """An 18-character mainland resident ID: area, real birth date, sequence, right check char."""
    text = value.strip().upper()
    if not ID_LAYOUT.fullmatch(text) or int(text[:2]) not in ID_PROVINCES:
        return False
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    return born.year >= 1800 and id_check_character(text[:17]) == text[17]


def is_mobile(value: str) -> bool:
    """A mainland mobile number, 1[3-9] and nine digits, maybe after +86 or 86, spaced or not."""
    return MOBILE.fullmatch(MOBILE_SEPARATORS.sub("", value.strip())) is not None


def is_email(value: str) -> bool:
    """An address of the usual shape: a dot-atom local part and a domain with a letter TLD."""
    return EMAIL.fullmatch(value.strip()) is not None


def is_bank_card(value: str) -> bool:
    """A card number of 13 to 19 digits, maybe grouped by spaces, passing the Luhn check."""
    digits = value.strip().replace(" ", "")
    return CARD.fullmatch(digits) is not None and _luhn_valid(digits)


def is_credit_code(value: str) -> bool:
    """A unified social credit code with the right GB 32100 check character."""
    return credit_code_problem(normalise_credit_code(value)) is None


DETECTORS: tuple[tuple[Sensitivity, Callable[[str], bool]], ...] = (
    # ID numbers before credit codes and cards: a valid ID may pass their checks by chance.
    (Sensitivity.ID_NUMBER, is_id_number),
    (Sensitivity.CREDIT_CODE, is_credit_code),
    (Sensitivity.MOBILE, is_mobile),
    (Sensitivity.BANK_CARD, is_bank_card),
    (Sensitivity.EMAIL, is_email),
)


def detect(value: object) -> Sensitivity | None:
    """The kind of personal or sensitive value this whole cell is, or None."""
    text = _as_text(value)
    if text is None or not 6 <= len(text) <= 254:
        return None
    # A cheap test first, since profiling asks of every cell: only 18-character values (IDs,
    # credit codes), addresses and runs of 11 or more digits (mobiles, cards) can match.
    if len(text) != 18 and "@" not in text and not DIGIT_RUN.search(text):
        return None
    for kind, matches in DETECTORS:
        if matches(text):
            return kind
    return None


def mask_value(value: object, sensitivity: Sensitivity) -> str:
    """The value masked for its kind; a value not of that shape is masked all the same."""
    text = _as_text(value)
    return MASKERS[sensitivity](str(value).strip() if text is None else text)


def mask_text(text: str) -> str:
    """Free text with every personal value inside it masked."""
    kind = detect(text)
    if kind is not None:
        return mask_value(text, kind)
    for kind, pattern in EMBEDDED:
        text = pattern.sub(_match_masker(kind), text)
    return text


def mask_cell(cell: Cell, sensitivity: Sensitivity | None) -> Cell:
    """One cell of a sample: masked for its column's kind, else wherever a detector matches."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return cell
    if sensitivity is not None:
        return mask_value(cell, sensitivity)
    if isinstance(cell, str):
        return mask_text(cell)
    kind = detect(cell)
    return cell if kind is None else mask_value(cell, kind)


def mask_row(row: Sequence[Cell], sensitivities: Sequence[Sensitivity | None]) -> tuple[Cell, ...]:
    """A sample row with every column's sensitivity and any stray personal value masked."""
    return tuple(mask_cell(cell, kind) for cell, kind in zip(row, sensitivities, strict=True))


def _match_masker(kind: Sensitivity) -> Callable[[re.Match[str]], str]:
    """A re.sub replacement masking a candidate only when the detector confirms its kind."""

    def replace(match: re.Match[str]) -> str:
        found = match.group(0)
        return mask_value(found, kind) if detect(found) is kind else found

    return replace


def _as_text(value: object) -> str | None:
    """Text a detector can read: strings stripped, whole numbers as digits (spreadsheets)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _keep_ends(text: str, head: int, tail: int) -> str:
    """Stars over all but the first `head` and last `tail` characters; all stars if too short."""
    if len(text) <= head + tail:
        return "*" * len(text)
    return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail :]


def _mask_digits(text: str, keep: Callable[[int, int], bool]) -> str:
    """Stars over the digits `keep(index, count)` refuses; separators and prefixes stay."""
    count = sum(char in DIGITS for char in text)
    masked: list[str] = []
    index = 0
    for char in text:
        if char in DIGITS:
            masked.append(char if keep(index, count) else "*")
            index += 1
        else:
            masked.append(char)
    return "".join(masked)


def mask_id_number(text: str) -> str:
    """3601… → 360***********123X: the first 3 and last 4 characters, length kept."""
    return _keep_ends(text, 3, 4)


def mask_mobile(text: str) -> str:
    """138****5678: the middle four of the eleven digits, keeping any +86 and spacing."""
    if not is_mobile(text):
        return _keep_ends(text, 3, 4)
    # The national number is the last eleven digits; its digits 4 to 7 are masked.
    return _mask_digits(text, lambda index, count: not count - 8 <= index < count - 4)


def mask_email(text: str) -> str:
    """z***@example.com: the first letter of the mailbox and the whole domain."""
    local, at, domain = text.rpartition("@")
    if not at or not local:
        return _keep_ends(text, 1, 0)
    masked = local[0] + "***"
    return ("***" if masked == local else masked) + "@" + domain


def mask_bank_card(text: str) -> str:
    """**** **** **** 1234: only the last four digits, keeping the grouping."""
    return _mask_digits(text, lambda index, count: index >= count - 4)


def mask_credit_code(text: str) -> str:
    """91**************43: the first 2 (authority, kind) and last 2 characters."""
    return _keep_ends(text, 2, 2)


def mask_declared(text: str) -> str:
    """张** for a short Chinese name (the surname stays); *** for anything else."""
    if 2 <= len(text) <= 4 and all("\u4e00" <= char <= "\u9fff" for char in text):
        return text[0] + "*" * (len(text) - 1)
    return "***"


MASKERS: dict[Sensitivity, Callable[[str], str]] = {
    Sensitivity.ID_NUMBER: mask_id_number,
    Sensitivity.MOBILE: mask_mobile,
    Sensitivity.EMAIL: mask_email,
    Sensitivity.BANK_CARD: mask_bank_card,
    Sensitivity.CREDIT_CODE: mask_credit_code,
    Sensitivity.DECLARED: mask_declared,
}
