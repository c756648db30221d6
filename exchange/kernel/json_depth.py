"""How deeply a JSON text nests, measured without parsing it.

Parsers recurse once per level, and a dependency (py_ecc) raises Python's recursion limit so far
that a body nested 100,000 levels deep overflows the C stack and kills the process: every JSON
text from outside is measured here first.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64
STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
OPEN_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*\\?\Z', re.DOTALL)
NOT_BRACKET = re.compile(r"[^\[\]{}]+")
STEPS = {"[": 1, "{": 1, "]": -1, "}": -1}


class TooDeep(ValueError):
    """The text nests deeper than the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"JSON nested deeper than {limit} levels")
        self.limit = limit


def deepest(text: str, depth: int = 0) -> tuple[int, int]:
    """The nesting at the end of `text` when it starts at `depth`, and the deepest it reaches.

    Brackets inside complete strings do not count; an unclosed string's brackets do, which only
    ever overstates the depth of a text that is not valid JSON anyway."""
    reached = depth
    for step in map(STEPS.__getitem__, NOT_BRACKET.sub("", STRING.sub("", text))):
        depth += step
        if depth > reached:
            reached = depth
    return depth, reached


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether `text` nests deeper than `limit` (cheap when it has few brackets at all)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    return deepest(text)[1] > limit


def loads(text: str | bytes, limit: int = MAX_DEPTH) -> Any:
    """json.loads for text from outside: UTF-8 only, and refused (TooDeep) past `limit` levels."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")  # a UnicodeDecodeError is a ValueError too
    if too_deep(text, limit):
        raise TooDeep(limit)
    return json.loads(text)
