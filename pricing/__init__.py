"""Valuation of data products: pure, Decimal in, frozen dataclasses out, no I/O.

Cost, income and market approaches (pricing.cost, .income, .market) value a product under the
licence table's reference terms; pricing.licence prices other terms (pricing.access: a copy, API
calls or queries, and their quota) through a table passed in
(pricing.licence_file reads one, or the documented default licence_terms.toml); pricing.band
combines them into a floor, reference and ceiling; pricing.bargaining suggests counters and
measures deviations. Every refusal is a ValuationError naming its input.
"""

from __future__ import annotations

from pricing.access import QuotaStep, unit_price
from pricing.band import DEFAULT_WEIGHTS, Approach, PriceBand, price_band
from pricing.bargaining import CounterSuggestion, deviation, suggest_counter
from pricing.comparables import Comparable, ComparableIndex, MarketSubject, similarity_of
from pricing.cost import CostInputs, CostValuation, cost_approach
from pricing.errors import TooFewComparables, ValuationError
from pricing.explain import METHOD_VERSION, Factor
from pricing.income import (
    DiscountRate,
    IncomeInputs,
    IncomeMethod,
    IncomeValuation,
    income_approach,
)
from pricing.licence import LicenceAdjustment, LicenceTable, licence_adjustment, licence_table
from pricing.licence_file import read_licence_table
from pricing.market import (
    AdjustedComparable,
    MarketParameters,
    MarketValuation,
    market_approach,
)
from pricing.quality import (
    DCMM_TRUST,
    QUALITY_DIMENSIONS,
    QUALITY_WEIGHTS,
    QualityScore,
    quality_adjustment,
    score_quality,
)
from pricing.terms import (
    Access,
    Grade,
    LicenceKind,
    LicenceTerms,
    ProductType,
    Territory,
    UseScope,
)

__all__ = [
    "DCMM_TRUST",
    "DEFAULT_WEIGHTS",
    "METHOD_VERSION",
    "QUALITY_DIMENSIONS",
    "QUALITY_WEIGHTS",
    "Access",
    "AdjustedComparable",
    "Approach",
    "Comparable",
    "ComparableIndex",
    "CostInputs",
    "CostValuation",
    "CounterSuggestion",
    "DiscountRate",
    "Factor",
    "Grade",
    "IncomeInputs",
    "IncomeMethod",
    "IncomeValuation",
    "LicenceAdjustment",
    "LicenceKind",
    "LicenceTable",
    "LicenceTerms",
    "MarketParameters",
    "MarketSubject",
    "MarketValuation",
    "PriceBand",
    "ProductType",
    "QualityScore",
    "QuotaStep",
    "Territory",
    "TooFewComparables",
    "UseScope",
    "ValuationError",
    "cost_approach",
    "deviation",
    "income_approach",
    "licence_adjustment",
    "licence_table",
    "market_approach",
    "price_band",
    "quality_adjustment",
    "read_licence_table",
    "score_quality",
    "similarity_of",
    "suggest_counter",
    "unit_price",
]
