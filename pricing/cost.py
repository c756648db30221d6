"""The cost approach: what it would cost to build the data again, earned on and depreciated.

    C = planning + collection + storage_processing + labour + indirect + opportunity + taxes
    value = C × (1 + R) × δ
    δ = quality adjustment × (1 − obsolescence)
    quality adjustment = 0.5 + 0.5 × q             (q the quality score, 0..1)
    obsolescence = 1 − remaining life / total life (economic life, in months)
R is a reasonable return on cost, 0..1 (0% to 100%). Costs are the vendor's, attributable to the
product as priced under the licence table's reference terms. A zero total cost, a negative cost
component or no remaining life is refused: each would price the data at nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

from pricing.errors import ValuationError
from pricing.explain import METHOD_VERSION, N_, Factor, explain, jsonable
from pricing.money import CONTEXT, ONE, ZERO, amount, bounded, priced, share, whole
from pricing.quality import quality_adjustment

COMPONENTS = (
    ("planning", N_("vendor's declared planning cost")),
    ("collection", N_("vendor's declared collection cost")),
    ("storage_processing", N_("vendor's declared storage and processing cost")),
    ("labour", N_("vendor's declared labour cost")),
    ("indirect", N_("vendor's declared indirect cost")),
    ("opportunity", N_("vendor's declared opportunity cost")),
    ("taxes", N_("vendor's declared taxes")),
)
MAX_LIFE_MONTHS = 1200


@dataclass(frozen=True, slots=True)
class CostInputs:
    """Everything the cost approach needs; checked on construction (ints become Decimals)."""

    planning: Decimal
    collection: Decimal
    storage_processing: Decimal
    labour: Decimal
    indirect: Decimal
    opportunity: Decimal
    taxes: Decimal
    return_rate: Decimal
    quality: Decimal
    total_life_months: int
    remaining_life_months: int

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        for name, _ in COMPONENTS:
            set_(self, name, amount(getattr(self, name), name))
        set_(self, "return_rate", bounded(self.return_rate, "return_rate", ZERO, ONE))
        set_(self, "quality", share(self.quality, "quality"))
        whole(self.total_life_months, "total_life_months", 1, MAX_LIFE_MONTHS)
        whole(self.remaining_life_months, "remaining_life_months", 1, self.total_life_months)
        with localcontext(CONTEXT):
            if _total(self) <= 0:
                raise ValuationError("total_cost", "the costs add up to nothing: give at least one")


@dataclass(frozen=True, slots=True)
class CostValuation:
    """A cost-approach value with its inputs and every step that led to it."""

    inputs: CostInputs
    total_cost: Decimal
    quality_adjustment: Decimal
    obsolescence: Decimal
    delta: Decimal
    value: Decimal
    explanation: tuple[Factor, ...]
    method_version: str = METHOD_VERSION

    def to_dict(self) -> dict[str, Any]:
        """The valuation, its inputs and its explanation as JSON values."""
        result: dict[str, Any] = jsonable(self)
        return result


def cost_approach(inputs: CostInputs) -> CostValuation:
    """Replacement cost, plus a return on it, scaled by quality and remaining economic life."""
    with localcontext(CONTEXT):
        total = _total(inputs)
        adjustment = quality_adjustment(inputs.quality)
        obsolescence = ONE - Decimal(inputs.remaining_life_months) / inputs.total_life_months
        delta = adjustment * (ONE - obsolescence)
        exact = total * (ONE + inputs.return_rate) * delta
    value = priced(exact, "total_cost")
    explanation = (
        Factor("planning", inputs.planning, COMPONENTS[0][1]),
        Factor("collection", inputs.collection, COMPONENTS[1][1]),
        Factor("storage_processing", inputs.storage_processing, COMPONENTS[2][1]),
        Factor("labour", inputs.labour, COMPONENTS[3][1]),
        Factor("indirect", inputs.indirect, COMPONENTS[4][1]),
        Factor("opportunity", inputs.opportunity, COMPONENTS[5][1]),
        Factor("taxes", inputs.taxes, COMPONENTS[6][1]),
        Factor("replacement_cost", total, "C: the sum of the seven costs"),
        Factor("return_rate", inputs.return_rate, "R: reasonable return on cost, given"),
        Factor("quality", inputs.quality, "quality score q, given"),
        Factor("quality_adjustment", adjustment, "0.5 + 0.5 × q"),
        explain(
            "obsolescence",
            obsolescence,
            "1 − %(remaining)s/%(total)s months of life left",
            remaining=inputs.remaining_life_months,
            total=inputs.total_life_months,
        ),
        Factor("delta", delta, "δ = quality adjustment × (1 − obsolescence)"),
        Factor("value", value, "C × (1 + R) × δ, to the fen"),
    )
    return CostValuation(inputs, total, adjustment, obsolescence, delta, value, explanation)


def _total(inputs: CostInputs) -> Decimal:
    """C, the replacement cost: the seven components added up."""
    return (
        inputs.planning
        + inputs.collection
        + inputs.storage_processing
        + inputs.labour
        + inputs.indirect
        + inputs.opportunity
        + inputs.taxes
    )
