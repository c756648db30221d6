"""Properties every valuation keeps, whatever the inputs: order, monotony, scale, sameness."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pricing import (
    QUALITY_DIMENSIONS,
    Comparable,
    CostInputs,
    DiscountRate,
    IncomeInputs,
    IncomeMethod,
    LicenceTerms,
    MarketParameters,
    MarketSubject,
    ValuationError,
    cost_approach,
    income_approach,
    licence_adjustment,
    market_approach,
    price_band,
    read_licence_table,
    score_quality,
)

TABLE = read_licence_table()
AS_OF = date(2026, 1, 1)
COSTS = ("planning", "collection", "storage_processing", "labour", "indirect", "opportunity")
PROPERTY = settings(max_examples=100, deadline=None, database=None)

money = st.decimals(min_value=0, max_value=1_000_000, places=2)
positive_money = st.decimals(min_value=100, max_value=1_000_000, places=2)
sizeable_money = st.decimals(min_value=1_000, max_value=1_000_000, places=2)
shares = st.decimals(min_value=0, max_value=1, places=4)
# Scaling up by λ ≥ 1 also covers scaling down: x is λx scaled by 1/λ.
scales = st.decimals(min_value=1, max_value=1_000, places=2)


@st.composite
def cost_inputs(draw: st.DrawFn) -> CostInputs:
    total_life = draw(st.integers(1, 600))
    return CostInputs(
        **{name: draw(money) for name in COSTS},
        taxes=draw(sizeable_money),
        return_rate=draw(shares),
        quality=draw(shares),
        total_life_months=total_life,
        remaining_life_months=draw(st.integers(1, total_life)),
    )


@st.composite
def income_inputs(draw: st.DrawFn) -> IncomeInputs:
    rates = st.decimals(min_value=0, max_value=Decimal("0.1"), places=3)
    discount = DiscountRate(
        draw(st.decimals(min_value=Decimal("0.001"), max_value=Decimal("0.1"), places=3)),
        *(draw(rates) for _ in range(4)),
    )
    growth = draw(
        st.decimals(min_value=-0.5, max_value=discount.total - Decimal("0.001"), places=3)
    )
    method = draw(st.sampled_from(IncomeMethod))
    if method is IncomeMethod.DIRECT:
        flows = {"earnings": draw(positive_money)}
    elif method is IncomeMethod.ROYALTY:
        royalty = st.decimals(min_value=Decimal("0.01"), max_value=1, places=3)
        flows = {"revenue": draw(positive_money), "royalty_rate": draw(royalty)}
    elif method is IncomeMethod.EXCESS:
        revenue = draw(positive_money)
        charges = draw(st.decimals(min_value=0, max_value=revenue - Decimal(1), places=2))
        flows = {"revenue": revenue, "contributory_charges": charges}
    else:
        without = draw(st.decimals(min_value=-1_000_000, max_value=1_000_000, places=2))
        flows = {"profit_with": without + draw(positive_money), "profit_without": without}
    term = draw(st.integers(12, 240))
    years = draw(st.none() | st.integers(1, term // 12))
    return IncomeInputs(
        method=method,
        discount=discount,
        growth=growth,
        years=years,
        contract_term_months=term,
        **flows,
    )


terms = st.builds(
    LicenceTerms,
    kind=st.sampled_from(("non_exclusive", "exclusive")),
    scope=st.sampled_from(("internal", "research", "commercial")),
    territory=st.sampled_from(("jiangxi", "mainland", "global")),
    term_months=st.integers(1, 60),
    seats=st.integers(1, 1000),
    derivative=st.booleans(),
    redistribution=st.booleans(),
)
comparables = st.lists(
    st.builds(
        Comparable,
        board=st.sampled_from(("copper", "steel")),
        product_type=st.sampled_from(("dataset", "api")),
        grade=st.just("general"),
        rows=st.integers(1, 10**6),
        licence=terms.map(lambda t: replace(t, seats=min(t.seats, 50))),
        quality=shares,
        on=st.integers(0, 1000).map(lambda days: AS_OF - timedelta(days=days)),
        price=sizeable_money,
        is_trade=st.booleans(),
    ),
    min_size=3,
    max_size=12,
)


def subject(quality: Decimal) -> MarketSubject:
    return MarketSubject("copper", "dataset", "general", 5_000, "non_exclusive", quality)


def market(quality: Decimal, records: list[Comparable]):
    # min_similarity 0 so that any three comparables qualify: the properties are about prices
    parameters = MarketParameters(min_similarity=Decimal(0))
    return market_approach(
        subject(quality), records, table=TABLE, as_of=AS_OF, parameters=parameters
    )


def scaled(scale: Decimal, records: list[Comparable]) -> list[Comparable]:
    return [replace(c, price=c.price * scale) for c in records]


def within_rounding(scaled_value: Decimal, value: Decimal, scale: Decimal, fen: str) -> bool:
    """Equal but for rounding to the fen at either scale: |V(λx) − λV(x)| ≤ (1 + λ) × fen."""
    return abs(scaled_value - scale * value) <= (1 + scale) * Decimal(fen)


@PROPERTY
@given(
    st.none() | cost_inputs(),
    st.none() | income_inputs(),
    st.none() | comparables,
    shares,
    st.none() | terms,
)
def test_floor_reference_and_ceiling_stay_in_order(cost, income, records, quality, licence):
    assume(cost or income or records)
    band = price_band(
        cost=cost and cost_approach(cost),
        income=income and income_approach(income),
        market=records and market(quality, records),
        licence=licence and licence_adjustment(licence, TABLE),
    )
    assert 0 < band.floor <= band.reference <= band.ceiling


@PROPERTY
@given(cost_inputs(), shares, shares)
def test_better_quality_never_lowers_a_cost_value(inputs, low, high):
    low, high = sorted((low, high))
    worse = cost_approach(replace(inputs, quality=low))
    better = cost_approach(replace(inputs, quality=high))
    assert worse.value <= better.value


@PROPERTY
@given(comparables, shares, shares)
def test_better_quality_never_lowers_a_market_value(records, low, high):
    low, high = sorted((low, high))
    assert market(low, records).value <= market(high, records).value


@PROPERTY
@given(cost_inputs(), comparables, shares, shares)
def test_better_quality_never_lowers_the_reference_price(inputs, records, low, high):
    low, high = sorted((low, high))
    worse = price_band(
        cost=cost_approach(replace(inputs, quality=low)), market=market(low, records)
    )
    better = price_band(
        cost=cost_approach(replace(inputs, quality=high)), market=market(high, records)
    )
    assert worse.reference <= better.reference


@PROPERTY
@given(
    st.fixed_dictionaries({}, optional=dict.fromkeys(QUALITY_DIMENSIONS, shares)),
    st.sampled_from(QUALITY_DIMENSIONS),
    shares,
    st.none() | st.integers(1, 5),
)
def test_a_better_dimension_never_lowers_the_quality_score(scores, dimension, better, level):
    scores[dimension] = scores.get(dimension, Decimal(0))
    assume(better >= scores[dimension])
    before = score_quality(scores, level).value
    after = score_quality(scores | {dimension: better}, level).value
    assert 0 <= before <= after <= 1


@PROPERTY
@given(cost_inputs(), scales)
def test_scaling_every_cost_scales_the_cost_value(inputs, scale):
    assume(cost_approach(inputs).value >= 1)
    bigger = replace(inputs, **{name: getattr(inputs, name) * scale for name in (*COSTS, "taxes")})
    value = cost_approach(inputs).value
    assert within_rounding(cost_approach(bigger).value, value, scale, "0.005")


@PROPERTY
@given(income_inputs(), scales)
def test_scaling_every_income_scales_the_income_value(inputs, scale):
    money_fields = ("earnings", "revenue", "contributory_charges", "profit_with", "profit_without")
    bigger = replace(
        inputs,
        **{name: getattr(inputs, name) * scale for name in money_fields if getattr(inputs, name)},
    )
    value = income_approach(inputs).value
    assert within_rounding(income_approach(bigger).value, value, scale, "0.005")


@PROPERTY
@given(comparables, shares, scales)
def test_scaling_every_price_scales_the_market_value(records, quality, scale):
    value = market(quality, records).value
    bigger = market(quality, scaled(scale, records))
    assert within_rounding(bigger.value, value, scale, "0.005")


@PROPERTY
@given(cost_inputs(), comparables, shares, scales)
def test_scaling_every_money_input_scales_the_band(inputs, records, quality, scale):
    bigger_costs = replace(
        inputs, **{name: getattr(inputs, name) * scale for name in (*COSTS, "taxes")}
    )
    band = price_band(cost=cost_approach(inputs), market=market(quality, records))
    bigger = price_band(
        cost=cost_approach(bigger_costs), market=market(quality, scaled(scale, records))
    )
    # the approaches' values are rounded before they are combined, and the band again after
    for edge in ("floor", "reference", "ceiling"):
        assert within_rounding(getattr(bigger, edge), getattr(band, edge), scale, "0.02")


@PROPERTY
@given(cost_inputs(), income_inputs(), comparables, shares, terms)
def test_unchanged_inputs_give_identical_results(cost, income, records, quality, licence):
    def band():
        return price_band(
            cost=cost_approach(cost),
            income=income_approach(income),
            market=market(quality, records),
            licence=licence_adjustment(licence, TABLE),
        )

    first, second = band(), band()
    assert first == second
    assert first.to_dict() == second.to_dict()


BAD_MONEY = (Decimal(-1), Decimal("NaN"), Decimal("-Infinity"), Decimal("1E+16"), 12.5, "ten")
BAD_SHARES = (Decimal("-0.01"), Decimal("1.01"), Decimal("NaN"), Decimal("Infinity"), "x")


@PROPERTY
@given(
    cost_inputs(),
    st.sampled_from((*COSTS, "taxes", "return_rate", "quality")),
    st.data(),
)
def test_bad_cost_inputs_always_raise_naming_the_field(inputs, field, data):
    bad = data.draw(
        st.sampled_from(BAD_MONEY if field not in ("return_rate", "quality") else BAD_SHARES)
    )
    with pytest.raises(ValuationError) as refused:
        replace(inputs, **{field: bad})
    assert refused.value.field == field


@PROPERTY
@given(
    st.sampled_from(("risk_free", "management", "circulation", "security", "regulatory")),
    st.sampled_from(BAD_SHARES),
)
def test_bad_discount_rates_always_raise_naming_the_field(field, bad):
    with pytest.raises(ValuationError) as refused:
        DiscountRate(**{"risk_free": Decimal("0.03"), field: bad})
    assert refused.value.field == field


@PROPERTY
@given(income_inputs(), st.decimals(min_value=0, max_value=1, places=3))
def test_growth_at_or_above_the_discount_rate_always_raises(inputs, excess):
    with pytest.raises(ValuationError) as refused:
        replace(inputs, growth=min(Decimal(1), inputs.discount.total + excess))
    assert refused.value.field == "growth"


@PROPERTY
@given(income_inputs(), st.integers(1, 100))
def test_a_horizon_beyond_the_datas_life_always_raises(inputs, extra):
    assert inputs.contract_term_months is not None
    with pytest.raises(ValuationError) as refused:
        replace(inputs, years=inputs.contract_term_months // 12 + extra)
    assert refused.value.field == "years"


@PROPERTY
@given(st.integers(-5, 2) | st.integers(51, 1000))
def test_k_outside_three_to_fifty_always_raises(k):
    with pytest.raises(ValuationError) as refused:
        MarketParameters(k=k)
    assert refused.value.field == "k"
