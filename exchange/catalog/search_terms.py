"""Segment Chinese and English text into the tokens the full-text index stores and queries.

Neither SQLite nor PostgreSQL segments Chinese out of the box, so the exchange does it here, the
way Lucene's CJK analyser does: every CJK character and every pair of neighbours is a token, so
"碳酸锂" is found by its bigrams 碳酸 + 酸锂 and "铜" by its unigram. English words are lowercased
with a light plural stem. Both backends then index the space-separated tokens verbatim.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(f"[{_CJK}]+|[a-z0-9]+")
_IS_CJK = re.compile(f"[{_CJK}]")
MAX_QUERY_TERMS = 12


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _stem(word: str) -> str:
    """Fold simple English plurals so 'prices' finds 'price' and 'batteries' finds 'battery'."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_tokens(*texts: str | Iterable[str]) -> str:
    """The space-separated tokens to store for the given texts (strings or lists of strings)."""
    tokens: list[str] = []
    for text in texts:
        for part in [text] if isinstance(text, str) else text:
            for run in _RUNS.findall(_normalise(part)):
                if _IS_CJK.match(run):
                    tokens.extend(run)
                    tokens.extend(_bigrams(run))
                else:
                    tokens.append(_stem(run))
    return " ".join(tokens)


def query_terms(query: str) -> list[str]:
    """The tokens every match must contain: bigrams for CJK runs, a lone character by itself."""
    terms: list[str] = []
    for run in _RUNS.findall(_normalise(query)):
        if _IS_CJK.match(run):
            terms.extend([run] if len(run) == 1 else _bigrams(run))
        else:
            terms.append(_stem(run))
    return list(dict.fromkeys(terms))[:MAX_QUERY_TERMS]
