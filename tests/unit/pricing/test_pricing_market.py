"""The market approach: choosing comparables, adjusting them, and refusing to guess."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing import (
    Comparable,
    ComparableIndex,
    LicenceTerms,
    MarketParameters,
    MarketSubject,
    TooFewComparables,
    ValuationError,
    market_approach,
    read_licence_table,
    similarity_of,
)

TABLE = read_licence_table()
AS_OF = date(2026, 1, 1)
SUBJECT = MarketSubject("copper", "dataset", "general", 10_000, "non_exclusive", Decimal("0.8"))


def comparable(ref: str, price: object, **changes: object) -> Comparable:
    base: dict[str, object] = {
        "board": "copper",
        "product_type": "dataset",
        "grade": "general",
        "rows": 10_000,
        "licence": LicenceTerms(),
        "quality": Decimal("0.8"),
        "on": date(2025, 12, 1),
        "price": price,
        "is_trade": True,
        "ref": ref,
    }
    return Comparable(**(base | changes))


def brute_force(subject: MarketSubject, market: list[Comparable], k: int) -> list[int]:
    """Positions of the k most similar, ranked as documented, by checking every comparable."""
    ranked = sorted(
        (
            -similarity_of(subject, c),
            abs(math.log10(c.rows) - math.log10(subject.rows)),
            not c.is_trade,
            position,
        )
        for position, c in enumerate(market)
        if similarity_of(subject, c) >= 0.5
    )
    return [rank[3] for rank in ranked[:k]]


SMALL_MARKET = [
    comparable("C1", Decimal(10_000)),
    comparable("C2", Decimal(8_000), quality=Decimal("0.6")),
    comparable("C3", Decimal(36_000), licence=LicenceTerms(kind="exclusive"), is_trade=False),
    comparable("C4", Decimal(50_000), board="steel"),
    comparable("C5", Decimal(20_000), rows=100_000),
]


def test_market_approach_worked_example():
    # k = 4 of five. Similarity (board .30, type .20, grade .15, licence kind .15, size .20):
    #   C1 identical: 1.0; C2 differs only in quality: 1.0;
    #   C5 ten times the rows: .80 + .20 × (1 − 1/3) = 0.933333;
    #   C3 exclusive: 1 − .15 = 0.85; C4 another board: 0.70 — the least similar, left out.
    # Adjusted prices P':
    #   C1 10,000 (every K is 1)
    #   C2 8,000 × K_quality (0.5 + 0.5 × 0.8) / (0.5 + 0.5 × 0.6) = 0.9 / 0.8 = 1.125 → 9,000
    #   C5 20,000 × K_volume (10,000 / 100,000)^0.3 = 0.501187 → 10,023.74
    #   C3 36,000 × K_licence 1 / 3.00 (exclusive, back to reference terms) → 12,000
    # Weights w = similarity × evidence (trade 1, listed price 0.5):
    #   1, 1, 0.933333, 0.85 × 0.5 = 0.425; Σw = 3.358333
    # Σ w P' = 10,000 + 9,000 + 9,355.4873 + 5,100 = 33,455.4873
    # value = 33,455.4873 / 3.358333 = 9,961.93
    # deviations from 9,961.9327: 38.07, −961.93, 61.81, 2,038.07
    # spread = √((1449.4 + 925,314.6 + 0.933333 × 3,820.2 + 0.425 × 4,153,707) / 3.358333)
    #        = √802,677.81 = 895.92
    valuation = market_approach(
        SUBJECT, SMALL_MARKET, table=TABLE, as_of=AS_OF, parameters=MarketParameters(k=4)
    )
    used = {c.comparable.ref: c for c in valuation.comparables}
    assert list(used) == ["C1", "C2", "C5", "C3"]
    assert used["C2"].k_quality == Decimal("1.125")
    assert used["C5"].similarity == Decimal("0.933333")
    assert used["C5"].k_volume == Decimal("0.501187")
    assert used["C3"].weight == Decimal("0.425")
    assert round(used["C3"].adjusted_price, 2) == Decimal("12000.00")
    assert valuation.value == Decimal("9961.93")
    assert valuation.spread == Decimal("895.92")
    assert valuation.considered == 5


def test_explanation_lists_each_comparable_used():
    valuation = market_approach(
        SUBJECT, SMALL_MARKET, table=TABLE, as_of=AS_OF, parameters=MarketParameters(k=4)
    )
    sources = [f.source for f in valuation.explanation if f.name.startswith("comparable ")]
    assert sources[3] == (
        "C3: listed price of 36000 on 2025-12-01, adjusted ×0.3333, "
        "similarity 0.850000, weight 0.4250000"
    )


def test_supply_demand_and_date_adjust_the_price():
    # K_supply_demand: copper's index 1.2 over steel's 0.8 = 1.5; K_date: 365 days at a 10%
    # yearly drift = 1.1; so 10,000 × 1.5 × 1.1 = 16,500 for each of three steel trades
    market = [
        comparable(f"S{n}", Decimal(10_000), board="steel", on=AS_OF - timedelta(days=365))
        for n in range(3)
    ]
    parameters = MarketParameters(
        k=3,
        drift=Decimal("0.10"),
        demand_index={"copper": Decimal("1.2"), "steel": Decimal("0.8")},
    )
    valuation = market_approach(SUBJECT, market, table=TABLE, as_of=AS_OF, parameters=parameters)
    assert valuation.value == Decimal("16500.00")
    assert valuation.spread == Decimal("0.00")


def test_fewer_than_three_comparables_is_a_refusal_not_a_guess():
    with pytest.raises(TooFewComparables) as refused:
        market_approach(SUBJECT, SMALL_MARKET[:2], table=TABLE, as_of=AS_OF)
    assert refused.value.field == "comparables"
    assert (refused.value.found, refused.value.needed) == (2, 3)
    assert str(refused.value) == "comparables: only 2 comparable(s) similar enough, 3 needed"


def test_comparables_too_unlike_the_subject_do_not_count():
    # Another board, type and grade, and a thousand times the rows: similarity .15 < .5
    unlike = [
        comparable(
            str(n), Decimal(1_000), board="steel", product_type="api", grade="important", rows=10**7
        )
        for n in range(5)
    ]
    with pytest.raises(TooFewComparables):
        market_approach(SUBJECT, unlike, table=TABLE, as_of=AS_OF)


def test_comparables_from_the_future_or_too_old_do_not_count():
    dated = [
        comparable("future", Decimal(1_000), on=AS_OF + timedelta(days=1)),
        comparable("old", Decimal(1_000), on=AS_OF - timedelta(days=1096)),
        comparable("ok1", Decimal(1_000)),
        comparable("ok2", Decimal(1_000)),
    ]
    with pytest.raises(TooFewComparables) as refused:
        market_approach(SUBJECT, dated, table=TABLE, as_of=AS_OF)
    assert refused.value.found == 2


def test_an_index_built_once_answers_like_the_list():
    index = ComparableIndex(SMALL_MARKET, TABLE)
    parameters = MarketParameters(k=4)
    from_list = market_approach(
        SUBJECT, SMALL_MARKET, table=TABLE, as_of=AS_OF, parameters=parameters
    )
    from_index = market_approach(SUBJECT, index, table=TABLE, as_of=AS_OF, parameters=parameters)
    assert from_index == from_list


def test_an_index_for_another_table_is_refused():
    other = ComparableIndex(SMALL_MARKET, read_licence_table())
    other.table = None
    with pytest.raises(ValuationError) as refused:
        market_approach(SUBJECT, other, table=TABLE, as_of=AS_OF)
    assert refused.value.field == "comparables"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"k": 0}, "k"),
        ({"k": 2}, "k"),
        ({"k": 51}, "k"),
        ({"min_similarity": Decimal("1.5")}, "min_similarity"),
        ({"listed_weight": Decimal(0)}, "listed_weight"),
        ({"drift": Decimal("NaN")}, "drift"),
        ({"demand_index": {"copper": Decimal(0)}}, "demand_index"),
        ({"max_age_days": 0}, "max_age_days"),
    ],
)
def test_bad_market_parameters_are_refused_by_name(changes, field):
    with pytest.raises(ValuationError) as refused:
        MarketParameters(**changes)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price": Decimal(0)}, "price"),
        ({"price": Decimal("-5")}, "price"),
        ({"rows": 0}, "rows"),
        ({"quality": Decimal("1.5")}, "quality"),
        ({"grade": "secret"}, "grade"),
        ({"board": ""}, "board"),
        ({"on": "2025-01-01"}, "on"),
    ],
)
def test_bad_comparables_are_refused_by_name(changes, field):
    with pytest.raises(ValuationError) as refused:
        others = {name: value for name, value in changes.items() if name != "price"}
        comparable("bad", changes.get("price", Decimal(100)), **others)
    assert refused.value.field == field


BOARDS = ("copper", "steel", "lithium")
records = st.builds(
    Comparable,
    board=st.sampled_from(BOARDS),
    product_type=st.sampled_from(("dataset", "api")),
    grade=st.sampled_from(("general", "important")),
    rows=st.sampled_from((10, 100, 1_000, 5_000, 10_000, 10**6)),
    licence=st.sampled_from((LicenceTerms(), LicenceTerms(kind="exclusive"))),
    quality=st.just(Decimal("0.5")),
    on=st.just(date(2025, 6, 1)),
    price=st.just(Decimal(100)),
    is_trade=st.booleans(),
)
subjects = st.builds(
    MarketSubject,
    board=st.sampled_from(BOARDS),
    product_type=st.sampled_from(("dataset", "api")),
    grade=st.sampled_from(("general", "important")),
    rows=st.integers(1, 10**7),
    licence_kind=st.sampled_from(("non_exclusive", "exclusive")),
    quality=st.just(Decimal("0.5")),
)


@settings(max_examples=150, deadline=None, database=None)
@given(subjects, st.lists(records, max_size=40), st.integers(3, 8))
def test_the_index_finds_exactly_the_most_similar(subject, market, k):
    found = ComparableIndex(market, TABLE).nearest(subject, k, 0.5, AS_OF, 1095)
    assert [match.entry.position for match in found] == brute_force(subject, market, k)


def test_a_large_market_gives_the_same_comparables_as_checking_every_one():
    rng = random.Random(4)
    market = [
        comparable(
            str(n),
            Decimal(1_000),
            board=rng.choice(BOARDS),
            product_type=rng.choice(("dataset", "api", "report")),
            rows=rng.randint(10, 10**6),
            is_trade=rng.random() < 0.7,
        )
        for n in range(20_000)
    ]
    index = ComparableIndex(market, TABLE)
    for subject_rows in (10, 9_999, 10**6):
        subject = MarketSubject("steel", "api", "general", subject_rows, "exclusive", Decimal(1))
        found = index.nearest(subject, 5, 0.5, AS_OF, 1095)
        assert [match.entry.position for match in found] == brute_force(subject, market, 5)
