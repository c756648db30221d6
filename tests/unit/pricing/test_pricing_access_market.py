"""Comparables under other kinds of access: less similar, and priced back to a copy's terms."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing import (
    Access,
    Comparable,
    ComparableIndex,
    LicenceTerms,
    MarketParameters,
    MarketSubject,
    ValuationError,
    market_approach,
    read_licence_table,
    similarity_of,
)

TABLE = read_licence_table()
AS_OF = date(2026, 1, 1)
COPY = LicenceTerms()
API = LicenceTerms(access="api", quota=10_000)  # × 0.60
COMPUTATION = LicenceTerms(access="computation", quota=100)  # × 0.40


def subject(access: str = "copy", **changes: object) -> MarketSubject:
    base: dict[str, object] = {
        "board": "copper",
        "product_type": "dataset",
        "grade": "general",
        "rows": 10_000,
        "licence_kind": "non_exclusive",
        "quality": Decimal("0.8"),
        "access": access,
    }
    return MarketSubject(**(base | changes))


def comparable(ref: str, price: object, licence: LicenceTerms, **changes: object) -> Comparable:
    base: dict[str, object] = {
        "board": "copper",
        "product_type": "dataset",
        "grade": "general",
        "rows": 10_000,
        "licence": licence,
        "quality": Decimal("0.8"),
        "on": date(2025, 12, 1),
        "price": price,
        "is_trade": True,
        "ref": ref,
    }
    return Comparable(**(base | changes))


def test_a_subject_is_a_copy_unless_it_says_otherwise():
    assert MarketSubject("copper", "dataset", "general", 10, "exclusive", 1).access is Access.COPY


def test_a_subject_with_unknown_access_is_refused():
    with pytest.raises(ValuationError) as refused:
        subject("stream")
    assert refused.value.field == "access"


@pytest.mark.parametrize(
    ("wanted", "licence", "similarity"),
    [
        ("copy", COPY, 1.0),
        ("copy", COMPUTATION, 0.75),
        ("copy", API, 0.75),
        ("computation", COPY, 0.75),
        ("computation", API, 0.75),
        ("computation", LicenceTerms(access="computation", quota=5_000), 1.0),
    ],
)
def test_another_kind_of_access_costs_a_quarter_of_the_similarity(wanted, licence, similarity):
    assert similarity_of(subject(wanted), comparable("C", 1, licence)) == similarity


def test_another_access_weighs_between_another_product_type_and_another_board():
    other_board = similarity_of(subject(), comparable("B", 1, COPY, board="steel"))
    other_access = similarity_of(subject(), comparable("A", 1, COMPUTATION))
    other_type = similarity_of(subject(), comparable("T", 1, COPY, product_type="api"))
    assert other_board < other_access < other_type


def test_a_copy_is_valued_from_copies_before_computation_licences():
    market = [
        comparable("Q1", Decimal(4_000), COMPUTATION),
        comparable("Q2", Decimal(4_000), COMPUTATION),
        comparable("Q3", Decimal(4_000), COMPUTATION),
        comparable("C1", Decimal(9_000), COPY, rows=20_000),
        comparable("C2", Decimal(9_000), COPY, rows=20_000),
        comparable("C3", Decimal(9_000), COPY, rows=20_000),
    ]
    valuation = market_approach(
        subject(), market, table=TABLE, as_of=AS_OF, parameters=MarketParameters(k=3)
    )
    assert [c.comparable.ref for c in valuation.comparables] == ["C1", "C2", "C3"]


def test_licences_of_other_access_are_priced_back_to_a_copy():
    # ¥4,000 for 100 queries ÷ 0.40 and ¥6,000 for 10,000 calls ÷ 0.60 are both ¥10,000 copies;
    # ¥5,500 for 55,000 calls is ÷ (0.60 × 2.00) = ¥4,583.33.
    market = [
        comparable("Q", Decimal(4_000), COMPUTATION),
        comparable("A", Decimal(6_000), API),
        comparable("C", Decimal(10_000), COPY),
        comparable("B", Decimal(5_500), LicenceTerms(access="api", quota=55_000)),
    ]
    valuation = market_approach(
        subject("computation"), market, table=TABLE, as_of=AS_OF, parameters=MarketParameters(k=4)
    )
    used = {c.comparable.ref: c for c in valuation.comparables}
    assert used["Q"].k_licence == Decimal("2.5")
    assert used["Q"].adjusted_price == 10_000
    assert used["A"].adjusted_price == 10_000
    assert round(used["B"].adjusted_price, 2) == Decimal("4583.33")
    assert used["Q"].similarity == 1
    assert used["C"].similarity == Decimal("0.75")


ACCESS_TERMS = (COPY, LicenceTerms(kind="exclusive"), API, COMPUTATION)
records = st.builds(
    Comparable,
    board=st.sampled_from(("copper", "steel")),
    product_type=st.sampled_from(("dataset", "api")),
    grade=st.sampled_from(("general", "important")),
    rows=st.sampled_from((10, 1_000, 10_000, 10**6)),
    licence=st.sampled_from(ACCESS_TERMS),
    quality=st.just(Decimal("0.5")),
    on=st.just(date(2025, 6, 1)),
    price=st.just(Decimal(100)),
    is_trade=st.booleans(),
)
subjects = st.builds(
    MarketSubject,
    board=st.sampled_from(("copper", "steel")),
    product_type=st.sampled_from(("dataset", "api")),
    grade=st.sampled_from(("general", "important")),
    rows=st.integers(1, 10**7),
    licence_kind=st.sampled_from(("non_exclusive", "exclusive")),
    quality=st.just(Decimal("0.5")),
    access=st.sampled_from(tuple(Access)),
)


@settings(max_examples=150, deadline=None, database=None)
@given(subjects, st.lists(records, max_size=40), st.integers(3, 8), st.sampled_from((0.0, 0.5)))
def test_the_index_finds_the_most_similar_whatever_their_access(subject, market, k, least):
    found = ComparableIndex(market, TABLE).nearest(subject, k, least, AS_OF, 1095)
    ranked = sorted(
        (
            -similarity_of(subject, c),
            abs(math.log10(c.rows) - math.log10(subject.rows)),
            not c.is_trade,
            position,
        )
        for position, c in enumerate(market)
        if similarity_of(subject, c) >= least
    )
    assert [match.entry.position for match in found] == [rank[3] for rank in ranked[:k]]
