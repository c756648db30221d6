"""The price band from the three approaches, and the counter-offers and deviations it anchors."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from pricing import (
    Approach,
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
    deviation,
    income_approach,
    licence_adjustment,
    market_approach,
    price_band,
    read_licence_table,
    suggest_counter,
)

TABLE = read_licence_table()
ZERO = Decimal(0)


def cost_of(amount: Decimal):
    """A cost valuation worth exactly `amount`: R = 0, perfect quality, full life."""
    return cost_approach(
        CostInputs(
            planning=ZERO,
            collection=amount,
            storage_processing=ZERO,
            labour=ZERO,
            indirect=ZERO,
            opportunity=ZERO,
            taxes=ZERO,
            return_rate=ZERO,
            quality=Decimal(1),
            total_life_months=12,
            remaining_life_months=12,
        )
    )


def income_of(earnings: Decimal):
    """A one-year direct-earnings valuation at i = 10%: worth earnings / 1.1."""
    return income_approach(
        IncomeInputs(
            method=IncomeMethod.DIRECT,
            discount=DiscountRate(risk_free=Decimal("0.10")),
            earnings=earnings,
            contract_term_months=12,
        )
    )


def market_of(*prices: Decimal):
    """A market valuation from identical trades at these prices (each similarity 1, weight 1)."""
    subject = MarketSubject("copper", "dataset", "general", 1_000, "non_exclusive", Decimal(1))
    trades = [
        Comparable(
            "copper",
            "dataset",
            "general",
            1_000,
            LicenceTerms(),
            Decimal(1),
            date(2026, 1, 1),
            price,
            True,
        )  # fmt: skip
        for price in prices
    ]
    return market_approach(
        subject,
        trades,
        table=TABLE,
        as_of=date(2026, 1, 1),
        parameters=MarketParameters(k=len(prices)),
    )


@pytest.fixture(scope="module")
def band():
    # cost 10,000 (weight .2), income 13,200 / 1.1 = 12,000 (.3), market 14,000 (.5, spread 0)
    # reference = 2,000 + 3,600 + 7,000 = 12,600
    # methods² = .2 × 2,600² + .3 × 600² + .5 × 1,400² = 1,352,000 + 108,000 + 980,000
    #          = 2,440,000; √ = 1,562.0499
    # h = max(1,562.0499, 10% × 12,600 = 1,260) = 1,562.0499
    # floor = max(12,600 − 1,562.05, 6,300) = 11,037.95; ceiling = 14,162.05
    return price_band(
        cost=cost_of(Decimal(10_000)),
        income=income_of(Decimal(13_200)),
        market=market_of(*[Decimal(14_000)] * 3),
    )


def test_band_worked_example(band):
    assert (band.floor, band.reference, band.ceiling) == (
        Decimal("11037.95"),
        Decimal("12600.00"),
        Decimal("14162.05"),
    )
    assert band.weights == {
        Approach.COST: Decimal("0.2"),
        Approach.INCOME: Decimal("0.3"),
        Approach.MARKET: Decimal("0.5"),
    }
    assert band.values[Approach.INCOME] == Decimal("12000.00")


def test_market_spread_widens_the_band():
    # market 13,000 and 15,000 and 14,000: value 14,000, spread √(2 × 1,000² / 3) = 816.50
    # alone: reference 14,000, h = max(√((1 × 816.50)²), 1,400) = 1,400 — the 10% minimum
    # with cost 10,000 (.2 / .7 ≈ .2857) and market (.5 / .7 ≈ .7143):
    #   reference = 2,857.14 + 10,000 = 12,857.14
    #   methods² = .2857 × 2,857.14² + .7143 × 1,142.86² = 2,332,361 + 932,945 = 3,265,306
    #   market² = (.7143 × 816.50)² = 583.21² = 340,136; h = √3,605,442 = 1,898.80
    market = market_of(Decimal(13_000), Decimal(15_000), Decimal(14_000))
    assert market.spread == Decimal("816.50")
    alone = price_band(market=market)
    assert (alone.floor, alone.ceiling) == (Decimal("12600.00"), Decimal("15400.00"))
    both = price_band(cost=cost_of(Decimal(10_000)), market=market)
    assert both.reference == Decimal("12857.14")
    assert (both.floor, both.ceiling) == (Decimal("10958.34"), Decimal("14755.94"))


def test_a_single_approach_gives_a_ten_percent_band():
    band = price_band(cost=cost_of(Decimal(10_000)))
    assert (band.floor, band.reference, band.ceiling) == (
        Decimal("9000.00"),
        Decimal("10000.00"),
        Decimal("11000.00"),
    )
    assert band.weights == {Approach.COST: Decimal(1)}


def test_the_floor_never_falls_below_half_the_reference():
    # cost 1,000 and market 100,000 at .2 / .5 → rescaled 2/7 and 5/7:
    # reference = 285.71 + 71,428.57 = 71,714.29; the approaches disagree by ≈ 44,700
    band = price_band(cost=cost_of(Decimal(1_000)), market=market_of(*[Decimal(100_000)] * 3))
    assert band.reference == Decimal("71714.29")
    assert band.floor == Decimal("35857.14")  # reference / 2, to the fen


def test_the_licence_multiplies_the_whole_band():
    # exclusive (×3.00) for 6 months (×0.65) = ×1.95 on 9,000 / 10,000 / 11,000
    licence = licence_adjustment(LicenceTerms(kind="exclusive", term_months=6), TABLE)
    band = price_band(cost=cost_of(Decimal(10_000)), licence=licence)
    assert band.licence_multiplier == Decimal("1.9500")
    assert (band.floor, band.reference, band.ceiling) == (
        Decimal("17550.00"),
        Decimal("19500.00"),
        Decimal("21450.00"),
    )


def test_weights_may_be_chosen_and_are_rescaled():
    band = price_band(
        cost=cost_of(Decimal(10_000)),
        income=income_of(Decimal(13_200)),
        weights={Approach.COST: Decimal(1), Approach.INCOME: Decimal(3)},
    )
    # 0.25 × 10,000 + 0.75 × 12,000 = 11,500
    assert band.reference == Decimal("11500.00")


@pytest.mark.parametrize(
    ("weights", "field"),
    [
        ({Approach.COST: Decimal(0)}, "weights"),
        ({Approach.INCOME: Decimal(1)}, "weights"),
        ({Approach.COST: Decimal(-1)}, "weights.cost"),
        ({Approach.COST: Decimal("NaN")}, "weights.cost"),
    ],
)
def test_bad_weights_are_refused(weights, field):
    with pytest.raises(ValuationError) as refused:
        price_band(cost=cost_of(Decimal(10_000)), weights=weights)
    assert refused.value.field == field


def test_a_band_needs_an_approach():
    with pytest.raises(ValuationError) as refused:
        price_band()
    assert refused.value.field == "approaches"


def test_the_band_explains_itself_as_json(band):
    data = json.loads(json.dumps(band.to_dict()))
    assert data["floor"] == "11037.95"
    assert data["weights"] == {"cost": "0.2", "income": "0.3", "market": "0.5"}
    assert Decimal(data["market"]["comparables"][0]["adjusted_price"]) == 14_000
    names = [factor["name"] for factor in data["explanation"]]
    assert names[-3:] == ["floor", "reference", "ceiling"]


# A band of 9,000 / 10,000 / 11,000 for the negotiation and supervision examples.
TEN_THOUSAND = price_band(cost=cost_of(Decimal(10_000)))


@pytest.mark.parametrize(
    ("buyer", "vendor", "power", "counter"),
    [
        # low + (1 − β) × (high − low)
        (8_000, 12_000, "0.5", "10000.00"),  # 8,000 + 0.5 × 4,000
        (8_000, 12_000, "0.75", "9000.00"),  # 8,000 + 0.25 × 4,000
        (8_000, 12_000, "0.25", "11000.00"),  # 8,000 + 0.75 × 4,000
        (8_000, 12_000, "1", "9000.00"),  # 8,000, clamped up to the floor
        (8_000, 12_000, "0", "11000.00"),  # 12,000, clamped down to the ceiling
        (10_500, 9_500, "0.5", "10000.00"),  # positions crossed: 9,500 + 0.5 × 1,000
        (9_333, 9_334, "0.5", "9333.50"),
    ],
)
def test_suggest_counter_splits_the_gap_by_bargaining_power(buyer, vendor, power, counter):
    suggestion = suggest_counter(
        TEN_THOUSAND, Decimal(buyer), Decimal(vendor), buyer_power=Decimal(power)
    )
    assert suggestion.price == Decimal(counter)


def test_a_counter_says_when_the_band_clamped_it():
    suggestion = suggest_counter(
        TEN_THOUSAND, Decimal(8_000), Decimal(12_000), buyer_power=Decimal(1)
    )
    assert suggestion.price == Decimal("9000.00")
    assert suggestion.split == Decimal("8000")
    assert suggestion.clamped
    assert suggestion.explanation[-1].source == "clamped into the band 9000.00–11000.00"


@pytest.mark.parametrize(
    ("buyer", "vendor", "counter"), [(1_000, 2_000, "2000.00"), (20_000, 30_000, "20000.00")]
)
def test_a_counter_never_leaves_the_two_positions_for_a_band_beyond_both(buyer, vendor, counter):
    suggestion = suggest_counter(TEN_THOUSAND, Decimal(buyer), Decimal(vendor))
    assert suggestion.price == Decimal(counter)
    assert suggestion.clamped
    assert suggestion.explanation[-1].source == (
        "the band 9000.00–11000.00 lies outside both positions: the nearer one"
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"buyer_price": Decimal(0)}, "buyer_price"),
        ({"vendor_price": Decimal("NaN")}, "vendor_price"),
        ({"buyer_power": Decimal("1.5")}, "buyer_power"),
    ],
)
def test_bad_positions_are_refused_by_name(changes, field):
    arguments = {"buyer_price": Decimal(9_000), "vendor_price": Decimal(11_000)} | changes
    power = arguments.pop("buyer_power", Decimal("0.5"))
    with pytest.raises(ValuationError) as refused:
        suggest_counter(TEN_THOUSAND, **arguments, buyer_power=power)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("price", "distance"),
    [
        ("10000", "0"),
        ("9000", "0"),
        ("11000", "0"),
        ("12100", "0.1000"),  # (12,100 − 11,000) / 11,000
        ("8100", "-0.1000"),  # (8,100 − 9,000) / 9,000
        ("33000", "2.0000"),  # three times the ceiling
        ("0", "-1.0000"),
        ("9000.01", "0"),
        ("8999.99", "0"),  # −0.0000011: nothing to four places
    ],
)
def test_deviation_is_the_signed_relative_distance_outside_the_band(price, distance):
    assert str(deviation(Decimal(price), TEN_THOUSAND)) == distance


def test_a_negative_price_has_no_deviation():
    with pytest.raises(ValuationError) as refused:
        deviation(Decimal(-1), TEN_THOUSAND)
    assert refused.value.field == "price"
