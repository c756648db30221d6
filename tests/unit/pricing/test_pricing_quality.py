"""The quality score: documented weights, missing dimensions, and DCMM level as trust."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exchange.catalog import domain as catalog
from pricing import (
    QUALITY_DIMENSIONS,
    QUALITY_WEIGHTS,
    Grade,
    LicenceKind,
    ProductType,
    Territory,
    UseScope,
    ValuationError,
    quality_adjustment,
    score_quality,
)

SCORES = {
    "accuracy": Decimal("0.9"),
    "completeness": Decimal("0.8"),
    "consistency": Decimal("1.0"),
    "conformance": Decimal("0.6"),
    "timeliness": Decimal("0.5"),
    "accessibility": Decimal("1.0"),
}


def test_weights_cover_the_catalogs_six_dimensions_and_sum_to_one():
    assert set(QUALITY_DIMENSIONS) == set(catalog.QUALITY_DIMENSIONS)
    assert sum(QUALITY_WEIGHTS.values()) == 1


def test_weighted_score_worked_example():
    # 0.25 × 0.9 + 0.20 × 0.8 + 0.15 × 1.0 + 0.15 × 0.6 + 0.15 × 0.5 + 0.10 × 1.0
    # = 0.225 + 0.16 + 0.15 + 0.09 + 0.075 + 0.10 = 0.80; DCMM level 3 trusts at 1.00
    score = score_quality(SCORES, dcmm_level=3)
    assert score.weighted == Decimal("0.8")
    assert score.value == Decimal("0.8000")


def test_missing_dimensions_are_left_out_and_the_rest_reweighted():
    # accuracy and timeliness missing: the rest weigh 0.20 + 0.15 + 0.15 + 0.10 = 0.60
    # (0.16 + 0.15 + 0.09 + 0.10) / 0.60 = 0.50 / 0.60 = 0.8333…; not assessed: × 0.90 = 0.75
    partial = SCORES | {"accuracy": None}
    del partial["timeliness"]
    score = score_quality(partial)
    assert score.value == Decimal("0.7500")
    missing = [f.name for f in score.explanation if f.value == "—"]
    assert missing == ["accuracy", "timeliness"]


@pytest.mark.parametrize(
    ("level", "value"),
    [(None, "0.7200"), (1, "0.7360"), (2, "0.7600"), (3, "0.8000"), (4, "0.8240"), (5, "0.8400")],
)
def test_dcmm_level_scales_the_score_as_trust(level, value):
    # 0.80 × {0.90, 0.92, 0.95, 1.00, 1.03, 1.05}
    assert score_quality(SCORES, dcmm_level=level).value == Decimal(value)


def test_trust_never_lifts_a_score_above_one():
    perfect = dict.fromkeys(QUALITY_DIMENSIONS, Decimal(1))
    assert score_quality(perfect, dcmm_level=5).value == Decimal("1.0000")


def test_scores_may_arrive_as_floats_from_the_catalog():
    assert score_quality({"completeness": 0.1}, 3).value == Decimal("0.1000")


@pytest.mark.parametrize(
    ("scores", "level", "field"),
    [
        ({"completeness": 1.2}, 3, "completeness"),
        ({"completeness": -0.1}, 3, "completeness"),
        ({"completeness": float("nan")}, 3, "completeness"),
        ({"freshness": 0.5}, 3, "freshness"),
        ({}, 3, "quality"),
        ({"accuracy": None}, 3, "quality"),
        ({"accuracy": 0.5}, 6, "dcmm_level"),
        ({"accuracy": 0.5}, 0, "dcmm_level"),
        ({"accuracy": 0.5}, True, "dcmm_level"),
    ],
)
def test_bad_quality_inputs_are_refused_by_name(scores, level, field):
    with pytest.raises(ValuationError) as refused:
        score_quality(scores, dcmm_level=level)
    assert refused.value.field == field


def test_quality_adjustment_keeps_half_the_value_at_zero_and_all_at_one():
    assert quality_adjustment(Decimal(0)) == Decimal("0.5")
    assert quality_adjustment(Decimal("0.6")) == Decimal("0.80")
    assert quality_adjustment(Decimal(1)) == Decimal("1.0")


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (ProductType, catalog.ProductType),
        (Grade, catalog.Grade),
        (LicenceKind, catalog.LicenceKind),
        (UseScope, catalog.UseScope),
        (Territory, catalog.Territory),
    ],
)
def test_pricing_vocabulary_matches_the_catalog(ours, theirs):
    assert [m.value for m in ours] == [m.value for m in theirs]
    assert all(ours(member) == member for member in theirs)
