"""A product's quality as one score between 0 and 1, and how that score moves a value.

Weights (they sum to 1; GB/T 36344-2018's dimensions, as the catalog computes them):
    accuracy 0.25 — wrong values mislead, so they cost a buyer most;
    completeness 0.20 — gaps must be filled or modelled around;
    consistency 0.15 and conformance 0.15 — mistyped or malformed values cost cleaning work;
    timeliness 0.15 — stale data answers yesterday's question;
    accessibility 0.10 — a harder format costs effort once, not on every use.
A dimension not given (None or absent) is left out and the weights of the others are scaled up
to sum to 1 again; the explanation lists what was left out. At least one must be given.

The vendor's DCMM level (GB/T 36073-2018) scales the score as a trust factor, because a vendor
whose data management is assessed and mature is more likely to deliver what it declares:
    not assessed 0.90, level 1 0.92, 2 0.95, 3 1.00, 4 1.03, 5 1.05; the result is capped at 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from types import MappingProxyType
from typing import Any

from pricing.errors import ValuationError
from pricing.explain import METHOD_VERSION, Factor, explain, jsonable
from pricing.money import CONTEXT, ONE, share

QUALITY_WEIGHTS: Mapping[str, Decimal] = MappingProxyType(
    {
        "accuracy": Decimal("0.25"),
        "completeness": Decimal("0.20"),
        "consistency": Decimal("0.15"),
        "conformance": Decimal("0.15"),
        "timeliness": Decimal("0.15"),
        "accessibility": Decimal("0.10"),
    }
)
QUALITY_DIMENSIONS = tuple(QUALITY_WEIGHTS)
DCMM_TRUST: Mapping[int | None, Decimal] = MappingProxyType(
    {
        None: Decimal("0.90"),
        1: Decimal("0.92"),
        2: Decimal("0.95"),
        3: Decimal("1.00"),
        4: Decimal("1.03"),
        5: Decimal("1.05"),
    }
)
# Data of no measurable quality still keeps half its value: it exists and can be cleaned, at a
# cost of the order of collecting it. Perfect data keeps all of it.
QUALITY_FLOOR = Decimal("0.5")
SCORE_PLACES = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class QualityScore:
    """The six dimensions as given, the vendor's DCMM level, and the trusted score from them."""

    scores: Mapping[str, Decimal | None]
    dcmm_level: int | None
    weighted: Decimal
    trust: Decimal
    value: Decimal
    explanation: tuple[Factor, ...]
    method_version: str = METHOD_VERSION

    def to_dict(self) -> dict[str, Any]:
        """The score, its inputs and its explanation as JSON values."""
        result: dict[str, Any] = jsonable(self)
        return result


def score_quality(scores: Mapping[str, object], dcmm_level: int | None = None) -> QualityScore:
    """One quality score in [0, 1] from the dimensions given, weighted and scaled by DCMM trust."""
    unknown = sorted(set(scores) - set(QUALITY_WEIGHTS))
    if unknown:
        raise ValuationError(
            unknown[0],
            "%(name)s is not a quality dimension (they are %(choices)s)",
            name=unknown[0],
            choices=", ".join(QUALITY_DIMENSIONS),
        )
    if dcmm_level is not None and (type(dcmm_level) is not int or dcmm_level not in DCMM_TRUST):
        raise ValuationError(
            "dcmm_level", "DCMM level must be 1 to 5 or none, not %(value)r", value=dcmm_level
        )
    given: dict[str, Decimal | None] = {}
    for name in QUALITY_DIMENSIONS:
        raw = scores.get(name)
        given[name] = None if raw is None else share(raw, name)
    trust = DCMM_TRUST[dcmm_level]
    present = {name: value for name, value in given.items() if value is not None}
    if not present:
        raise ValuationError("quality", "at least one quality dimension must be given")
    with localcontext(CONTEXT):
        total_weight = sum((QUALITY_WEIGHTS[name] for name in present), Decimal(0))
        weighted_sum = sum((QUALITY_WEIGHTS[name] * v for name, v in present.items()), Decimal(0))
        weighted = weighted_sum / total_weight
        value = min(ONE, weighted * trust).quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)
    explanation: list[Factor] = []
    for name in QUALITY_DIMENSIONS:
        score = given[name]
        if score is None:
            explanation.append(Factor(name, "—", "not given: left out, others reweighted"))
        else:
            explanation.append(
                explain(
                    name,
                    score,
                    "score given; weight %(weight)s of %(total)s given",
                    weight=QUALITY_WEIGHTS[name],
                    total=total_weight,
                )
            )
    explanation.append(Factor("weighted_score", weighted, "weighted mean of the scores given"))
    if dcmm_level is None:
        explanation.append(Factor("dcmm_trust", trust, "vendor's DCMM level not assessed"))
    else:
        explanation.append(
            explain("dcmm_trust", trust, "vendor's DCMM level %(level)s", level=dcmm_level)
        )
    explanation.append(Factor("quality", value, "weighted score × DCMM trust, capped at 1"))
    return QualityScore(
        scores=MappingProxyType(given),
        dcmm_level=dcmm_level,
        weighted=weighted,
        trust=trust,
        value=value,
        explanation=tuple(explanation),
    )


def quality_adjustment(quality: Decimal) -> Decimal:
    """The share of value a quality score keeps: 0.5 + 0.5 × q, from half at 0 to all at 1."""
    return QUALITY_FLOOR + CONTEXT.multiply(ONE - QUALITY_FLOOR, quality)
