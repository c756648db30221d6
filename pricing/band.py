"""The price band: the approaches combined into a floor, a reference and a ceiling.

    reference₀ = Σ w_a V_a over the approaches given, weights rescaled to sum to 1
                 (default market 0.5, income 0.3, cost 0.2: what buyers paid is the best
                 evidence, forecasts of income the next, the cost of rebuilding the weakest)
    s_methods  = √(Σ w_a (V_a − reference₀)²)   how far the approaches disagree
    s_market   = w_market × the market approach's spread   its comparables' disagreement
    h          = max(√(s_methods² + s_market²), 0.10 × reference₀)
    floor₀ = max(reference₀ − h, reference₀ / 2),   ceiling₀ = reference₀ + h
Each of floor, reference and ceiling is then multiplied by the licence multiplier (the
approaches price the table's reference terms) and rounded to the fen, so that
0 < floor ≤ reference ≤ ceiling always holds; a band that rounds to nothing is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from pricing.cost import CostValuation
from pricing.errors import ValuationError
from pricing.explain import METHOD_VERSION, Factor, explain, jsonable
from pricing.income import IncomeValuation
from pricing.licence import LicenceAdjustment
from pricing.market import MarketValuation
from pricing.money import CONTEXT, ONE, ZERO, bounded, priced

MIN_HALF_WIDTH = Decimal("0.10")
FLOOR_SHARE = Decimal("0.5")
MAX_WEIGHT = Decimal(100)


class Approach(StrEnum):
    COST = "cost"
    INCOME = "income"
    MARKET = "market"


DEFAULT_WEIGHTS: Mapping[Approach, Decimal] = MappingProxyType(
    {
        Approach.MARKET: Decimal("0.5"),
        Approach.INCOME: Decimal("0.3"),
        Approach.COST: Decimal("0.2"),
    }
)


@dataclass(frozen=True, slots=True)
class PriceBand:
    """Floor, reference and ceiling for a licence, each approach's value and weight, and why."""

    floor: Decimal
    reference: Decimal
    ceiling: Decimal
    weights: Mapping[Approach, Decimal]
    values: Mapping[Approach, Decimal]
    licence_multiplier: Decimal
    cost: CostValuation | None
    income: IncomeValuation | None
    market: MarketValuation | None
    licence: LicenceAdjustment | None
    explanation: tuple[Factor, ...]
    method_version: str = METHOD_VERSION

    def to_dict(self) -> dict[str, Any]:
        """The band, every valuation it combines and its explanation as JSON values."""
        result: dict[str, Any] = jsonable(self)
        return result


def price_band(
    *,
    cost: CostValuation | None = None,
    income: IncomeValuation | None = None,
    market: MarketValuation | None = None,
    licence: LicenceAdjustment | None = None,
    weights: Mapping[Approach, Decimal] | None = None,
) -> PriceBand:
    """The band from whichever approaches were possible, priced for the licence's terms."""
    given = {
        approach: valuation.value
        for approach, valuation in (
            (Approach.COST, cost),
            (Approach.INCOME, income),
            (Approach.MARKET, market),
        )
        if valuation is not None
    }
    if not given:
        raise ValuationError("approaches", "at least one of cost, income or market is needed")
    shares = _weights(given, DEFAULT_WEIGHTS if weights is None else weights)
    multiplier = ONE if licence is None else licence.multiplier
    with localcontext(CONTEXT):
        reference = sum((shares[a] * value for a, value in given.items()), ZERO)
        methods = sum((shares[a] * (value - reference) ** 2 for a, value in given.items()), ZERO)
        spread = ZERO if market is None else shares[Approach.MARKET] * market.spread
        disagreement = methods.sqrt()
        half = max((methods + spread**2).sqrt(), MIN_HALF_WIDTH * reference)
        floor = max(reference - half, FLOOR_SHARE * reference)
        ceiling = reference + half
        floor, reference, ceiling = (x * multiplier for x in (floor, reference, ceiling))
    band = (priced(floor, "floor"), priced(reference, "reference"), priced(ceiling, "ceiling"))
    explanation = (
        *(
            explain(
                f"{a.value}_value",
                value,
                "%(approach)s approach, weight %(weight)s",
                approach=a.value,
                weight=shares[a],
            )
            for a, value in given.items()
        ),
        Factor(
            "methods_spread",
            disagreement,
            "√(Σ w (V − reference)²): the approaches' disagreement",
        ),
        Factor("market_spread", spread, "market weight × the comparables' spread"),
        Factor("half_width", half, "max(√(methods² + market²), reference / 10)"),
        Factor("licence_multiplier", multiplier, "the licence's terms (1 for reference terms)"),
        Factor("floor", band[0], "max(reference − h, reference / 2) × licence, to the fen"),
        Factor("reference", band[1], "Σ w × V × licence, to the fen"),
        Factor("ceiling", band[2], "(reference + h) × licence, to the fen"),
    )
    return PriceBand(
        *band,
        shares,
        MappingProxyType(given),
        multiplier,
        cost,
        income,
        market,
        licence,
        explanation,
    )


def _weights(
    given: Mapping[Approach, Decimal], weights: Mapping[Approach, Decimal]
) -> Mapping[Approach, Decimal]:
    """The weights of the approaches given, rescaled to sum to 1."""
    chosen = {}
    for approach in given:
        if approach not in weights:
            raise ValuationError(
                "weights", "no weight given for the %(approach)s approach", approach=approach.value
            )
        chosen[approach] = bounded(weights[approach], f"weights.{approach.value}", ZERO, MAX_WEIGHT)
    total = sum(chosen.values(), ZERO)
    if total == 0:
        raise ValuationError("weights", "the approaches given all weigh nothing")
    with localcontext(CONTEXT):
        return MappingProxyType({a: w / total for a, w in chosen.items()})
