"""The market approach: what comparable data products fetched, adjusted to this one.

Comparables are the exchange's completed trades and its listed prices; a listed price is weaker
evidence (an ask, not a deal) and weighs `listed_weight` (0.5) against a trade's 1. The k most
similar (see pricing.comparables) with similarity at least `min_similarity`, dated within
`max_age_days` up to the valuation date, are each adjusted to the subject:
    P' = price × K_quality × K_supply_demand × K_date × K_volume × K_licence
    K_quality       = (0.5 + 0.5 q_subject) / (0.5 + 0.5 q_comparable), the quality adjustment
    K_supply_demand = demand index of the subject's board / that of the comparable's board
                      (an index the exchange keeps per board, e.g. bids per listing; 1 if none)
    K_date          = (1 + drift)^(days since the comparable / 365), drift the yearly change in
                      the price level of data (0 by default: no trend assumed)
    K_volume        = (subject rows / comparable rows)^0.3, kept within [1/4, 4]: bigger data
                      costs more, but far less than in proportion
    K_licence       = 1 / the comparable's licence multiplier (pricing.licence), which brings
                      its price back to the table's reference terms (a copy: an API or
                      computation licence's access and quota too), like the other approaches
and combined with weights w = similarity × evidence:
    value = Σ w P' / Σ w,   spread = √(Σ w (P' − value)² / Σ w)  (weighted standard deviation)
Fewer than three comparables qualifying is a refusal (TooFewComparables), never a guess.
The dimensionless K factors and similarities are computed in floating point and fixed to six
decimal places; every price stays a Decimal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, localcontext
from functools import cache
from types import MappingProxyType
from typing import Any

from pricing.comparables import Comparable, ComparableIndex, MarketSubject, Match
from pricing.errors import TooFewComparables, ValuationError
from pricing.explain import METHOD_VERSION, N_, Factor, explain, jsonable
from pricing.licence import LicenceTable
from pricing.money import CONTEXT, ONE, ZERO, bounded, cents, priced, ratio, whole
from pricing.quality import quality_adjustment

MIN_COMPARABLES = 3
MAX_K = 50
VOLUME_ELASTICITY = 0.3
VOLUME_LIMITS = (0.25, 4.0)
MAX_DEMAND_INDEX = Decimal(100)


@dataclass(frozen=True, slots=True)
class MarketParameters:
    """How many comparables, how alike and how recent, and the market's own indices."""

    k: int = 5
    min_similarity: Decimal = Decimal("0.5")
    max_age_days: int = 1095
    listed_weight: Decimal = Decimal("0.5")
    drift: Decimal = ZERO
    demand_index: Mapping[str, Decimal] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        whole(self.k, "k", MIN_COMPARABLES, MAX_K)
        set_(self, "min_similarity", bounded(self.min_similarity, "min_similarity", ZERO, ONE))
        whole(self.max_age_days, "max_age_days", 1, 3650)
        set_(self, "listed_weight", bounded(self.listed_weight, "listed_weight", ZERO, ONE))
        if self.listed_weight == 0:
            raise ValuationError("listed_weight", "listed prices must weigh something")
        set_(self, "drift", bounded(self.drift, "drift", Decimal("-0.5"), ONE))
        indices = {}
        for board, value in self.demand_index.items():
            index = bounded(value, "demand_index", ZERO, MAX_DEMAND_INDEX)
            if index == 0:
                raise ValuationError("demand_index", "a demand index must be above zero")
            indices[board] = index
        set_(self, "demand_index", MappingProxyType(indices))


@dataclass(frozen=True, slots=True)
class AdjustedComparable:
    """One comparable used: its similarity, weight, each K factor and its adjusted price."""

    comparable: Comparable
    similarity: Decimal
    evidence: Decimal
    weight: Decimal
    k_quality: Decimal
    k_supply_demand: Decimal
    k_date: Decimal
    k_volume: Decimal
    k_licence: Decimal
    adjusted_price: Decimal


@dataclass(frozen=True, slots=True)
class MarketValuation:
    """A market-approach value and spread, the subject, and the comparables it rests on.

    The comparables used suffice to reproduce it: they are the k most similar of any set that
    contains them.
    """

    subject: MarketSubject
    as_of: date
    parameters: MarketParameters
    table: LicenceTable
    considered: int
    comparables: tuple[AdjustedComparable, ...]
    value: Decimal
    spread: Decimal
    explanation: tuple[Factor, ...]
    method_version: str = METHOD_VERSION

    def to_dict(self) -> dict[str, Any]:
        """The valuation, its inputs and the comparables used as JSON values."""
        result: dict[str, Any] = jsonable(self)
        return result


def market_approach(
    subject: MarketSubject,
    comparables: Sequence[Comparable] | ComparableIndex,
    *,
    table: LicenceTable,
    as_of: date,
    parameters: MarketParameters | None = None,
) -> MarketValuation:
    """The weighted price of the k most similar comparables, adjusted to the subject."""
    parameters = parameters or _default_parameters()
    if isinstance(as_of, datetime) or not isinstance(as_of, date):
        raise ValuationError("as_of", "the valuation date must be a date")
    if isinstance(comparables, ComparableIndex):
        if comparables.table is not table and comparables.table != table:
            raise ValuationError("comparables", "the index was built with another licence table")
        index = comparables
    else:
        index = ComparableIndex(comparables, table)
    matches = index.nearest(
        subject, parameters.k, float(parameters.min_similarity), as_of, parameters.max_age_days
    )
    if len(matches) < MIN_COMPARABLES:
        raise TooFewComparables(len(matches), MIN_COMPARABLES)
    with localcontext(CONTEXT):
        quality = quality_adjustment(subject.quality)
        rows = math.log10(subject.rows)
        used = tuple(_adjust(subject, quality, rows, m, as_of, parameters) for m in matches)
        total_weight = sum((c.weight for c in used), ZERO)
        exact = sum((c.weight * c.adjusted_price for c in used), ZERO) / total_weight
        variance = sum((c.weight * (c.adjusted_price - exact) ** 2 for c in used), ZERO)
        spread = cents((variance / total_weight).sqrt())
    value = priced(exact, "comparables")
    explanation = (
        explain(
            "comparables",
            len(used),
            "the %(used)s most similar of %(size)s (similarity ≥ %(similarity)s, within %(days)s "
            "days)",
            used=len(used),
            size=index.size,
            similarity=parameters.min_similarity,
            days=parameters.max_age_days,
        ),
        *(_factor(number, c) for number, c in enumerate(used, 1)),
        Factor("value", value, "Σ w × P' / Σ w, w = similarity × evidence, to the fen"),
        Factor("spread", spread, "weighted standard deviation of the adjusted prices"),
    )
    return MarketValuation(
        subject, as_of, parameters, table, index.size, used, value, spread, explanation
    )


@cache
def _default_parameters() -> MarketParameters:
    return MarketParameters()


def _adjust(
    subject: MarketSubject,
    quality: Decimal,
    log_rows: float,
    match: Match,
    as_of: date,
    parameters: MarketParameters,
) -> AdjustedComparable:
    """One comparable's K factors and adjusted price (see the module's formulas)."""
    entry = match.entry
    comparable = entry.comparable
    demand = parameters.demand_index
    k_quality = quality / quality_adjustment(comparable.quality)
    k_supply_demand = (
        ONE
        if subject.board == comparable.board
        else demand.get(subject.board, ONE) / demand.get(comparable.board, ONE)
    )
    days = (as_of - comparable.on).days
    k_date = ONE if not parameters.drift else ratio((1 + float(parameters.drift)) ** (days / 365))
    volume = 10 ** (VOLUME_ELASTICITY * (log_rows - entry.log_rows))
    k_volume = ratio(min(max(volume, VOLUME_LIMITS[0]), VOLUME_LIMITS[1]))
    k_licence = ONE / entry.licence_multiplier
    adjusted = comparable.price * k_quality * k_supply_demand * k_date * k_volume * k_licence
    similarity = ratio(match.similarity)
    evidence = ONE if comparable.is_trade else parameters.listed_weight
    return AdjustedComparable(
        comparable,
        similarity,
        evidence,
        similarity * evidence,
        k_quality,
        k_supply_demand,
        k_date,
        k_volume,
        k_licence,
        adjusted,
    )


def _factor(number: int, used: AdjustedComparable) -> Factor:
    comparable = used.comparable
    why = (
        N_(
            "%(ref)s: trade of %(price)s on %(on)s, adjusted ×%(ratio)s, "
            "similarity %(similarity)s, weight %(weight)s"
        )
        if comparable.is_trade
        else N_(
            "%(ref)s: listed price of %(price)s on %(on)s, adjusted ×%(ratio)s, "
            "similarity %(similarity)s, weight %(weight)s"
        )
    )
    return explain(
        f"comparable {number}",
        cents(used.adjusted_price),
        why,
        ref=comparable.ref or f"#{number}",
        price=comparable.price,
        on=comparable.on.isoformat(),
        ratio=f"{used.adjusted_price / comparable.price:.4f}",
        similarity=used.similarity,
        weight=used.weight,
    )
