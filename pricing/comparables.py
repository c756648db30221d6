"""Which comparables are most like a product: a documented similarity and an index to search by it.

    similarity = 0.30 × [same board] + 0.20 × [same product type] + 0.15 × [same grade]
               + 0.15 × [same licence kind] + 0.20 × size score − 0.25 × [other access]
    size score = max(0, 1 − |log10(rows / subject's rows)| / 3)
Board weighs most because prices differ most between industries; the size score is 1 at the
same number of rows and 0 three orders of magnitude apart. A comparable sold under another kind
of access (a computation licence for a copy, say) is brought to the reference terms by the
licence table's access multiplier like any other term, but that multiplier is a judgement, not
a market price, so such a comparable is a poor one: its penalty lies between a different
product type (0.20) and a different board (0.30, whose prices only the demand index adjusts).
It is used where comparables with the subject's own access are too few, and weighs less beside
them. As a penalty it leaves copies compared with copies exactly as before. The quota, like the
term and the seats, is only priced through the licence multiplier, not compared. Size is
compared in rows, not bytes: bytes depend on the file format and its compression, rows only on
the data. Equally similar comparables are ranked by nearer size, then trades before listed
prices, then the order they were given in.
The index groups comparables by (board, type, grade, licence kind, access), each sorted by size,
and walks outwards from the subject's size in the most similar groups first, so a search costs
about k steps per group it opens rather than one step per comparable.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import product
from typing import NamedTuple

from pricing.errors import ValuationError
from pricing.licence import LicenceTable, licence_multiplier
from pricing.money import amount, share, whole
from pricing.terms import Access, Grade, LicenceKind, LicenceTerms, ProductType, choice

# Weights of the four categorical matches in thousandths (exact sums), and of the size score.
CATEGORY_WEIGHTS = (300, 200, 150, 150)  # board, product type, grade, licence kind
ACCESS_PENALTY = 250  # thousandths taken off for another kind of access
SIZE_WEIGHT = 0.2
SIZE_DECADES = 3.0
MAX_ROWS = 10**15


@dataclass(frozen=True, slots=True)
class Comparable:
    """A completed trade (is_trade) or a listed price of a product, on a day, under a licence.

    `ref` is the exchange's own reference to the trade or listing, shown beside the valuation.
    """

    board: str
    product_type: ProductType
    grade: Grade
    rows: int
    licence: LicenceTerms
    quality: Decimal
    on: date
    price: Decimal
    is_trade: bool
    ref: str = ""

    def __post_init__(self) -> None:
        _check_product(self)
        object.__setattr__(self, "price", amount(self.price, "price", positive=True))
        if isinstance(self.on, datetime) or not isinstance(self.on, date):
            raise ValuationError("on", "a comparable's date must be a date")
        if not isinstance(self.licence, LicenceTerms):
            raise ValuationError("licence", "a comparable's licence must be LicenceTerms")
        if not isinstance(self.is_trade, bool):
            raise ValuationError("is_trade", "is_trade must be yes or no")


@dataclass(frozen=True, slots=True)
class MarketSubject:
    """The product the market approach values, described as its comparables are."""

    board: str
    product_type: ProductType
    grade: Grade
    rows: int
    licence_kind: LicenceKind
    quality: Decimal
    access: Access = Access.COPY

    def __post_init__(self) -> None:
        _check_product(self)
        object.__setattr__(
            self, "licence_kind", choice(LicenceKind, self.licence_kind, "licence_kind")
        )
        object.__setattr__(self, "access", choice(Access, self.access, "access"))


class Entry(NamedTuple):
    """A comparable as the index holds it, with what ranking and pricing need precomputed."""

    log_rows: float
    listed: bool
    position: int
    comparable: Comparable
    licence_multiplier: Decimal


class Match(NamedTuple):
    """A comparable chosen for a subject, and how similar it is."""

    similarity: float
    distance: float
    entry: Entry


class ComparableIndex:
    """Comparables grouped by (board, type, grade, licence kind, access), by size in each."""

    def __init__(self, comparables: Iterable[Comparable], table: LicenceTable) -> None:
        self.table = table
        groups: dict[tuple[str, ...], list[Entry]] = {}
        for position, comparable in enumerate(comparables):
            key = (
                comparable.board,
                comparable.product_type,
                comparable.grade,
                comparable.licence.kind,
                comparable.licence.access,
            )
            entry = Entry(
                math.log10(comparable.rows),
                not comparable.is_trade,
                position,
                comparable,
                licence_multiplier(comparable.licence, table),
            )
            groups.setdefault(key, []).append(entry)
        self.size = sum(len(entries) for entries in groups.values())
        self._groups = {key: sorted(entries) for key, entries in groups.items()}
        self._logs = {key: [e.log_rows for e in entries] for key, entries in self._groups.items()}
        self._values = tuple(sorted({key[i] for key in groups}) for i in range(5))
        self._patterns = sorted(
            ((_category(hits), hits) for hits in product((True, False), repeat=5)),
            key=lambda pattern: -pattern[0],
        )

    def nearest(
        self, subject: MarketSubject, k: int, min_similarity: float, as_of: date, max_age_days: int
    ) -> list[Match]:
        """The k most similar comparables dated within max_age_days up to as_of, best first."""
        wanted = (
            subject.board,
            subject.product_type,
            subject.grade,
            subject.licence_kind,
            subject.access,
        )
        target = math.log10(subject.rows)
        oldest = as_of - timedelta(days=max_age_days)
        best: list[tuple[float, float, bool, int, Entry]] = []
        for category, hits in self._patterns:
            if category + SIZE_WEIGHT < min_similarity:
                break
            if len(best) >= k and category + SIZE_WEIGHT < -best[-1][0]:
                break
            choices = [
                [value] if hit else [v for v in values if v != value]
                for value, values, hit in zip(wanted, self._values, hits, strict=True)
            ]
            found = False
            for key in product(*choices):
                group = self._groups.get(key)
                if group is not None:
                    found = True
                    logs = self._logs[key]
                    best.extend(
                        _walk(group, logs, target, category, k, min_similarity, oldest, as_of)
                    )
            if found:
                best = sorted(best)[:k]
        return [Match(-rank[0], rank[1], rank[4]) for rank in best]


def similarity_of(subject: MarketSubject, comparable: Comparable) -> float:
    """The similarity above for one pair, computed directly (the index's search agrees)."""
    hits = (
        subject.board == comparable.board,
        subject.product_type == comparable.product_type,
        subject.grade == comparable.grade,
        subject.licence_kind == comparable.licence.kind,
        subject.access == comparable.licence.access,
    )
    category = _category(hits)
    distance = abs(math.log10(comparable.rows) - math.log10(subject.rows))
    return category + SIZE_WEIGHT * max(0.0, 1.0 - distance / SIZE_DECADES)


def _category(hits: tuple[bool, ...]) -> float:
    """The categorical part of the similarity for (board, type, grade, kind, access) matches."""
    *categories, same_access = hits
    total = sum(w for w, hit in zip(CATEGORY_WEIGHTS, categories, strict=True) if hit)
    return (total - (0 if same_access else ACCESS_PENALTY)) / 1000


def _check_product(record: Comparable | MarketSubject) -> None:
    if not isinstance(record.board, str) or not record.board:
        raise ValuationError("board", "the industry board must be given")
    object.__setattr__(
        record, "product_type", choice(ProductType, record.product_type, "product_type")
    )
    object.__setattr__(record, "grade", choice(Grade, record.grade, "grade"))
    whole(record.rows, "rows", 1, MAX_ROWS)
    object.__setattr__(record, "quality", share(record.quality, "quality"))


def _walk(
    group: list[Entry],
    logs: list[float],
    target: float,
    category: float,
    k: int,
    min_similarity: float,
    oldest: date,
    newest: date,
) -> list[tuple[float, float, bool, int, Entry]]:
    """The k nearest in size within one group (and any tied with the k-th), outwards."""
    found: list[tuple[float, float, bool, int, Entry]] = []
    right = bisect_left(logs, target)
    left = right - 1
    kth = math.inf
    while True:
        below = target - logs[left] if left >= 0 else math.inf
        above = logs[right] - target if right < len(logs) else math.inf
        if below <= above:
            distance, index, left = below, left, left - 1
        else:
            distance, index, right = above, right, right + 1
        if distance == math.inf or distance > kth:
            break
        similarity = category + SIZE_WEIGHT * max(0.0, 1.0 - distance / SIZE_DECADES)
        if similarity < min_similarity:
            break
        entry = group[index]
        if not oldest <= entry.comparable.on <= newest:
            continue
        found.append((-similarity, distance, entry.listed, entry.position, entry))
        if len(found) == k:
            kth = distance
    return found
