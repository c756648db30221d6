"""The income approach: each way of counting income, the discount build-up, and the horizon."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pricing import DiscountRate, IncomeInputs, IncomeMethod, ValuationError, income_approach

# i = 0.025 + 0.03 + 0.02 + 0.015 + 0.01 = 0.10
TEN_PERCENT = DiscountRate(
    risk_free=Decimal("0.025"),
    management=Decimal("0.03"),
    circulation=Decimal("0.02"),
    security=Decimal("0.015"),
    regulatory=Decimal("0.01"),
)


def direct(**changes: object) -> IncomeInputs:
    base: dict[str, object] = {
        "method": IncomeMethod.DIRECT,
        "discount": TEN_PERCENT,
        "earnings": Decimal("100000"),
        "contract_term_months": 36,
    }
    return IncomeInputs(**(base | changes))


def test_discount_rate_is_built_up_from_the_risk_free_rate_and_four_premiums():
    assert TEN_PERCENT.total == Decimal("0.100")


def test_direct_earnings_over_three_years():
    # F = 100,000 each year, i = 0.10, n = 3 (the contract's 36 months):
    # 100,000 / 1.1 = 90,909.0909; / 1.21 = 82,644.6281; / 1.331 = 75,131.4801
    # V = 248,685.1991 → 248,685.20
    valuation = income_approach(direct())
    assert valuation.years == 3
    assert valuation.value == Decimal("248685.20")
    assert [round(pv, 4) for pv in valuation.present_values] == [
        Decimal("90909.0909"),
        Decimal("82644.6281"),
        Decimal("75131.4801"),
    ]


def test_royalty_share_with_growth():
    # F_1 = R × K = 2,000,000 × 0.05 = 100,000; g = 0.05 so F_2 = 105,000; n = 2 asked
    # V = 100,000 / 1.1 + 105,000 / 1.21 = 90,909.0909 + 86,776.8595 = 177,685.9504 → 177,685.95
    valuation = income_approach(
        IncomeInputs(
            method=IncomeMethod.ROYALTY,
            discount=TEN_PERCENT,
            revenue=Decimal("2000000"),
            royalty_rate=Decimal("0.05"),
            growth=Decimal("0.05"),
            years=2,
            contract_term_months=36,
        )
    )
    assert valuation.incomes == (Decimal("100000.00"), Decimal("105000.0000"))
    assert valuation.value == Decimal("177685.95")


def test_excess_earnings_after_contributory_charges():
    # F = 500,000 − 380,000 = 120,000; i = 0.05 + 0.15 = 0.20; n = 2 (timeliness 24 months)
    # V = 120,000 / 1.2 + 120,000 / 1.44 = 100,000 + 83,333.3333 = 183,333.33
    valuation = income_approach(
        IncomeInputs(
            method=IncomeMethod.EXCESS,
            discount=DiscountRate(risk_free=Decimal("0.05"), management=Decimal("0.15")),
            revenue=Decimal("500000"),
            contributory_charges=Decimal("380000"),
            timeliness_months=24,
        )
    )
    assert valuation.first_income == Decimal("120000")
    assert valuation.value == Decimal("183333.33")


def test_incremental_profit_may_start_from_a_loss():
    # F = 10,000 − (−40,000) = 50,000; i = 0.05 + 4 × 0.05 = 0.25;
    # the data lives 18 months (timeliness), so n = 1: V = 50,000 / 1.25 = 40,000.00
    valuation = income_approach(
        IncomeInputs(
            method=IncomeMethod.INCREMENTAL,
            discount=DiscountRate(*(Decimal("0.05"),) * 5),
            profit_with=Decimal("10000"),
            profit_without=Decimal("-40000"),
            timeliness_months=18,
            contract_term_months=60,
        )
    )
    assert valuation.years == 1
    assert valuation.value == Decimal("40000.00")
    horizon = next(f for f in valuation.explanation if f.name == "years")
    assert horizon.source == "n: the most whole years within 18 months (the data's timeliness)"


def test_the_shortest_bound_sets_the_horizon():
    # contract 60, next edition in 24, useful for 120 months: n = 24 // 12 = 2
    valuation = income_approach(
        direct(contract_term_months=60, update_cycle_months=24, timeliness_months=120)
    )
    assert valuation.years == 2
    assert "the update cycle" in next(f.source for f in valuation.explanation if f.name == "years")


def test_explanation_shows_the_discount_build_up():
    explanation = {f.name: f.value for f in income_approach(direct()).explanation}
    assert explanation["management"] == Decimal("0.03")
    assert explanation["discount_rate"] == Decimal("0.100")
    assert explanation["first_income"] == Decimal("100000")


def test_a_horizon_longer_than_the_data_can_live_is_refused():
    with pytest.raises(ValuationError) as refused:
        direct(years=4)
    assert refused.value.field == "years"
    assert refused.value.params == {"years": 4, "months": 36, "reason": "the contract term"}


def test_a_life_shorter_than_a_year_is_refused():
    with pytest.raises(ValuationError) as refused:
        direct(timeliness_months=6)
    assert refused.value.field == "years"


def test_a_horizon_needs_a_bound():
    with pytest.raises(ValuationError) as refused:
        direct(contract_term_months=None, years=3)
    assert refused.value.field == "years"


@pytest.mark.parametrize("growth", [Decimal("0.10"), Decimal("0.2")])
def test_growth_at_or_above_the_discount_rate_is_refused(growth):
    with pytest.raises(ValuationError) as refused:
        direct(growth=growth)
    assert refused.value.field == "growth"


def test_a_discount_rate_above_one_hundred_percent_is_refused():
    with pytest.raises(ValuationError) as refused:
        DiscountRate(risk_free=Decimal("0.5"), management=Decimal("0.6"))
    assert refused.value.field == "discount_rate"
    assert "100%" in str(refused.value)


def test_a_zero_discount_rate_is_refused():
    with pytest.raises(ValuationError) as refused:
        DiscountRate(risk_free=Decimal(0))
    assert refused.value.field == "discount_rate"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"earnings": None}, "earnings"),
        ({"earnings": Decimal(0)}, "income"),
        ({"earnings": Decimal(-5)}, "earnings"),
        ({"earnings": Decimal("NaN")}, "earnings"),
        ({"revenue": Decimal(5)}, "revenue"),
        ({"method": "barter"}, "method"),
        ({"growth": Decimal("-1.5")}, "growth"),
        ({"years": 0}, "years"),
        ({"contract_term_months": 0}, "contract_term_months"),
    ],
)
def test_bad_income_inputs_are_refused_by_name(changes, field):
    with pytest.raises(ValuationError) as refused:
        direct(**changes)
    assert refused.value.field == field


def test_excess_charges_above_revenue_bring_no_income():
    with pytest.raises(ValuationError) as refused:
        IncomeInputs(
            method=IncomeMethod.EXCESS,
            discount=TEN_PERCENT,
            revenue=Decimal(100),
            contributory_charges=Decimal(150),
            contract_term_months=12,
        )
    assert refused.value.field == "income"


@pytest.mark.parametrize("field", ["risk_free", "security"])
@pytest.mark.parametrize("value", [Decimal("-0.01"), Decimal("1.01"), Decimal("Infinity")])
def test_each_premium_is_checked_by_name(field, value):
    with pytest.raises(ValuationError) as refused:
        DiscountRate(**{"risk_free": Decimal("0.02"), field: value})
    assert refused.value.field == field
