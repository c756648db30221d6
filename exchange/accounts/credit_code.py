"""Unified social credit code (统一社会信用代码) checks, GB 32100-2015."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


def check_character(first17: str) -> str:
    """The 18th character that GB 32100-2015 computes from the first seventeen."""
    total = sum(
        ALPHABET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True)
    )
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why a code is not a valid unified social credit code, or None when it is."""
    if len(code) != LENGTH:
        return "length"
    if any(char not in ALPHABET for char in code):
        return "characters"
    if not code[2:8].isdigit():
        return "division"
    if check_character(code[:17]) != code[17]:
        return "check"
    return None


def normalise_credit_code(code: str) -> str:
    """Upper-case and strip spaces, as people type codes from licences."""
    return "".join(code.split()).upper()
