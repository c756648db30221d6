"""The cost approach: a worked example, its explanation, and the inputs it refuses."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

import pytest

from pricing import CostInputs, ValuationError, cost_approach


def inputs(**changes: object) -> CostInputs:
    base: dict[str, object] = {
        "planning": Decimal("10000"),
        "collection": Decimal("50000"),
        "storage_processing": Decimal("20000"),
        "labour": Decimal("80000"),
        "indirect": Decimal("10000"),
        "opportunity": Decimal("5000"),
        "taxes": Decimal("5000"),
        "return_rate": Decimal("0.20"),
        "quality": Decimal("0.80"),
        "total_life_months": 60,
        "remaining_life_months": 45,
    }
    return CostInputs(**(base | changes))


def test_cost_approach_worked_example():
    # C = 10,000 + 50,000 + 20,000 + 80,000 + 10,000 + 5,000 + 5,000 = 180,000
    # C × (1 + R) = 180,000 × 1.20 = 216,000
    # quality adjustment = 0.5 + 0.5 × 0.80 = 0.90
    # obsolescence = 1 − 45/60 = 0.25, so 1 − obsolescence = 0.75
    # δ = 0.90 × 0.75 = 0.675
    # value = 216,000 × 0.675 = 145,800.00
    valuation = cost_approach(inputs())
    assert valuation.total_cost == Decimal("180000")
    assert valuation.quality_adjustment == Decimal("0.90")
    assert valuation.obsolescence == Decimal("0.25")
    assert valuation.delta == Decimal("0.675")
    assert valuation.value == Decimal("145800.00")


def test_full_life_and_perfect_quality_keep_the_whole_cost_plus_return():
    # C = 180,000; δ = (0.5 + 0.5 × 1) × (1 − (1 − 60/60)) = 1; value = 180,000 × 1.1
    valuation = cost_approach(
        inputs(quality=Decimal(1), remaining_life_months=60, return_rate=Decimal("0.1"))
    )
    assert valuation.value == Decimal("198000.00")


def test_value_is_rounded_half_up_to_the_fen():
    # C = 0.01 + 0.005 = 0.015, R = 0, δ = 1 → 0.015 → 0.02 (half up)
    zero = Decimal(0)
    valuation = cost_approach(
        inputs(
            planning=Decimal("0.01"),
            collection=Decimal("0.005"),
            storage_processing=zero,
            labour=zero,
            indirect=zero,
            opportunity=zero,
            taxes=zero,
            return_rate=zero,
            quality=Decimal(1),
            remaining_life_months=60,
        )
    )
    assert valuation.value == Decimal("0.02")


def test_explanation_names_every_factor_and_its_source():
    explanation = {factor.name: factor for factor in cost_approach(inputs()).explanation}
    assert explanation["collection"].value == Decimal("50000")
    assert explanation["collection"].source == "vendor's declared collection cost"
    assert explanation["obsolescence"].source == "1 − 45/60 months of life left"
    assert explanation["value"].value == Decimal("145800.00")


def test_to_dict_is_json_with_money_as_strings():
    data = json.loads(json.dumps(cost_approach(inputs()).to_dict()))
    assert data["value"] == "145800.00"
    assert data["inputs"]["labour"] == "80000"
    assert data["method_version"] == "ganshu-pricing/1"
    assert data["explanation"][0] == {
        "name": "planning",
        "value": "10000",
        "source": "vendor's declared planning cost",
        "why": "vendor's declared planning cost",
        "params": {},
    }
    # The template and its parameters travel apart, so the exchange can translate the template.
    obsolescence = next(f for f in data["explanation"] if f["name"] == "obsolescence")
    assert obsolescence["source"] == "1 − 45/60 months of life left"
    assert obsolescence["why"] == "1 − %(remaining)s/%(total)s months of life left"
    assert obsolescence["params"] == {"remaining": 45, "total": 60}


def test_whole_numbers_are_taken_as_decimals():
    assert inputs(labour=80000) == inputs()


def test_a_zero_total_cost_is_refused():
    zero = Decimal(0)
    costs = dict.fromkeys(
        ("planning", "collection", "storage_processing", "labour", "indirect", "opportunity"),
        zero,
    )
    with pytest.raises(ValuationError) as refused:
        inputs(**costs, taxes=zero)
    assert refused.value.field == "total_cost"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("labour", Decimal("-1")),
        ("labour", Decimal("NaN")),
        ("labour", Decimal("Infinity")),
        ("labour", 1000.5),
        ("labour", "lots"),
        ("labour", True),
        ("labour", Decimal("1E+20")),
        ("return_rate", Decimal("1.5")),
        ("return_rate", Decimal("-0.1")),
        ("quality", Decimal("1.01")),
        ("quality", -0.2),
        ("total_life_months", 0),
        ("remaining_life_months", 0),
        ("remaining_life_months", 61),
        ("remaining_life_months", 12.0),
    ],
)
def test_absurd_inputs_are_refused_by_name(field, value):
    with pytest.raises(ValuationError) as refused:
        inputs(**{field: value})
    assert refused.value.field == field
    assert field in str(refused.value)


def test_a_refusal_keeps_its_message_template_apart_for_translation():
    with pytest.raises(ValuationError) as refused:
        inputs(return_rate=Decimal(2))
    assert refused.value.message == "%(name)s must be between %(low)s and %(high)s, not %(value)s"
    assert refused.value.params["value"] == Decimal(2)


def test_results_are_frozen():
    valuation = cost_approach(inputs())
    with pytest.raises(AttributeError):
        valuation.value = Decimal(1)
    assert replace(valuation.inputs, labour=Decimal(1)).labour == Decimal(1)
