"""Mask personal and sensitive values in the shapes people in China expect, or pseudonymise them.

Finding the values is `identifiers`' work; maskers keep enough of a value to recognise its kind
and nothing more, and a pseudonym is a keyed token of the value's canonical form.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from base64 import b32encode
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from exchange.catalog.domain import DeliveryForm, Sensitivity
from exchange.catalog.ingest.identifiers import (
    Found,
    as_text,
    detect,
    find_personal,
    id_check_character,
    is_bank_card,
    is_credit_code,
    is_email,
    is_id_number,
    is_landline,
    is_mobile,
    is_travel_document,
    normalise,
    whole_value,
)
from exchange.catalog.ingest.readers import Cell

__all__ = [
    "ColumnForm",
    "Found",
    "detect",
    "find_personal",
    "id_check_character",
    "is_bank_card",
    "is_credit_code",
    "is_email",
    "is_id_number",
    "is_landline",
    "is_mobile",
    "is_travel_document",
    "mask_cell",
    "mask_row",
    "mask_text",
    "mask_value",
    "normalise",
    "pseudonym",
    "pseudonymise_text",
    "pseudonymise_value",
]

NUMBER_SHAPE = re.compile(r"\d[\dXx .\-]*|[0-9A-Za-z]{18}")
# Kinds whose masker keeps a fixed share of any number of the column (not mobiles: their masker
# keeps all but four digits, which is safe only for a real eleven-digit number).
SHAPED = frozenset({Sensitivity.ID_NUMBER, Sensitivity.BANK_CARD, Sensitivity.CREDIT_CODE})
TOKEN_PREFIXES = {
    Sensitivity.ID_NUMBER: "ID",
    Sensitivity.MOBILE: "MOB",
    Sensitivity.LANDLINE: "TEL",
    Sensitivity.EMAIL: "EML",
    Sensitivity.BANK_CARD: "CARD",
    Sensitivity.TRAVEL_DOCUMENT: "DOC",
    Sensitivity.CREDIT_CODE: "USCC",
    Sensitivity.DECLARED: "PI",
}


@dataclass(frozen=True)
class ColumnForm:
    """One personal column: what it holds and the form it is delivered in."""

    column: str
    kind: Sensitivity
    form: DeliveryForm


# Masking


def mask_value(value: object, sensitivity: Sensitivity) -> str:
    """The value masked for its kind; a value not of that shape is masked all the same."""
    text = as_text(value)
    text = str(value).strip() if text is None else text
    if sensitivity is Sensitivity.DECLARED:
        return mask_declared(text)
    whole = whole_value(text)
    if whole is not None and whole.kind is sensitivity:
        return MASKERS[sensitivity](text)
    if sensitivity in SHAPED and NUMBER_SHAPE.fullmatch(normalise(text).text):
        return MASKERS[sensitivity](text)  # a number of the column's shape failing its check
    return _keep_ends(text, 3, 4)


def mask_text(text: str) -> str:
    """Free text with every personal value inside it masked."""
    return _replace(text, lambda found, written: MASKERS[found.kind](written))


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


def _replace(text: str, replacement: Callable[[Found, str], str]) -> str:
    """The text with each value found replaced by what `replacement` makes of it."""
    found = find_personal(text)
    if not found:
        return text
    parts: list[str] = []
    position = 0
    for item in found:
        if item.start < position:
            continue  # overlapping finds: the first one is replaced
        parts.append(text[position : item.start])
        parts.append(replacement(item, text[item.start : item.end]))
        position = item.end
    parts.append(text[position:])
    return "".join(parts)


# Pseudonyms


def pseudonym(canonical: str, kind: Sensitivity, key: bytes) -> str:
    """A keyed token for a value: the same for the same key and value, unlinkable without it."""
    digest = hmac.new(key, f"{kind.value}\x1f{canonical}".encode(), hashlib.sha256).digest()
    return f"{TOKEN_PREFIXES[kind]}-{b32encode(digest[:10]).decode().lower()}"


def pseudonymise_value(value: object, sensitivity: Sensitivity, key: bytes) -> str:
    """The whole cell as one token: its canonical form when it is of its kind, else its text."""
    text = as_text(value)
    text = str(value).strip() if text is None else text
    whole = whole_value(text) if sensitivity is not Sensitivity.DECLARED else None
    if whole is not None and whole.kind is sensitivity:
        return pseudonym(whole.canonical, sensitivity, key)
    return pseudonym(" ".join(normalise(text).text.split()), sensitivity, key)


def pseudonymise_text(text: str, key: bytes) -> str:
    """Free text with every personal value inside it replaced by its token."""
    return _replace(text, lambda found, _: pseudonym(found.canonical, found.kind, key))


def _keep_ends(text: str, head: int, tail: int) -> str:
    """Stars over all but the first `head` and last `tail` characters; all stars if too short."""
    if len(text) <= head + tail:
        return "*" * len(text)
    return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail :]


def _is_character(char: str) -> bool:
    """Whether a written character is part of the value (a digit or letter, full-width too)."""
    return unicodedata.normalize("NFKC", char).isalnum()


def _mask_characters(text: str, keep: Callable[[int, int], bool]) -> str:
    """Stars over the characters `keep(index, count)` refuses; separators and prefixes stay."""
    count = sum(_is_character(char) for char in text)
    masked: list[str] = []
    index = 0
    for char in text:
        if _is_character(char):
            masked.append(char if keep(index, count) else "*")
            index += 1
        else:
            masked.append(char)
    return "".join(masked)


def mask_id_number(text: str) -> str:
    """3601… → 360***********123X: the first 3 and last 4 characters (15-digit: last 3)."""
    tail = 3 if sum(_is_character(c) for c in text) == 15 else 4
    return _mask_characters(text, lambda index, count: index < 3 or index >= count - tail)


def mask_mobile(text: str) -> str:
    """138****5678: the middle four of the eleven digits, keeping any +86 and spacing."""
    # The national number is the last eleven digits; its digits 4 to 7 are masked.
    return _mask_characters(text, lambda index, count: not count - 8 <= index < count - 4)


def mask_landline(text: str) -> str:
    """0791-****3456: the area code and the last four digits."""
    return _mask_characters(text, lambda index, count: index < 3 or index >= count - 4)


def mask_email(text: str) -> str:
    """z***@example.com: the first letter of the mailbox and the whole domain."""
    local, at, domain = text.rpartition("@")
    if not at:
        local, at, domain = text.rpartition("\uff20")
    if not at or not local:
        return _keep_ends(text, 1, 0)
    masked = local[0] + "***"
    return ("***" if masked == local else masked) + at + domain


def mask_bank_card(text: str) -> str:
    """**** **** **** 1234: only the last four digits, keeping the grouping."""
    return _mask_characters(text, lambda index, count: index >= count - 4)


def mask_travel_document(text: str) -> str:
    """E*****678: the letter that says which document, and the last three digits."""
    return _mask_characters(text, lambda index, count: index == 0 or index >= count - 3)


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
    Sensitivity.LANDLINE: mask_landline,
    Sensitivity.EMAIL: mask_email,
    Sensitivity.BANK_CARD: mask_bank_card,
    Sensitivity.TRAVEL_DOCUMENT: mask_travel_document,
    Sensitivity.CREDIT_CODE: mask_credit_code,
    Sensitivity.DECLARED: mask_declared,
}
