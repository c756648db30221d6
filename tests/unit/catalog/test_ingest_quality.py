"""Quality scores from counts: shares, the timeliness slope, the format table, what is declared."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from exchange.catalog.domain import QUALITY_DIMENSIONS, FileFormat
from exchange.catalog.ingest.quality import (
    Tallies,
    accessibility,
    assess,
    completeness,
    conformance,
    consistency,
    timeliness,
)

TODAY = date(2024, 12, 1)


def test_completeness_is_the_share_of_filled_cells():
    assert completeness(cells=3, empty=1) == 0.6667


def test_shares_of_nothing_are_left_to_declare():
    assert completeness(0, 0) is None
    assert consistency(0, 0) is None
    assert conformance(0, 0) is None


def test_consistency_and_conformance_are_shares_of_values():
    assert consistency(non_empty=8, agreeing=7) == 0.875
    assert conformance(patterned=3, well_formed=3) == 1.0


@pytest.mark.parametrize(
    ("age", "score"),
    [(-5, 1.0), (0, 1.0), (30, 1.0), (380, 0.5), (730, 0.0), (2000, 0.0), (31, 0.9986)],
)
def test_timeliness_falls_linearly_from_30_days_to_two_years(age, score):
    assert timeliness(TODAY - timedelta(days=age), TODAY) == score


def test_timeliness_without_dates_is_left_to_declare():
    assert timeliness(None, TODAY) is None


@pytest.mark.parametrize(
    ("fmt", "score"),
    [
        (FileFormat.PARQUET, 1.0),
        (FileFormat.CSV, 0.95),
        (FileFormat.JSON, 0.95),
        (FileFormat.XLSX, 0.85),
    ],
)
def test_accessibility_follows_the_format_table(fmt, score):
    assert accessibility(fmt) == score


def test_assess_scores_every_dimension_and_never_accuracy():
    tallies = Tallies(cells=10, empty=2, agreeing=8, patterned=4, well_formed=3, newest=TODAY)
    quality = assess(tallies, FileFormat.PARQUET, TODAY)
    assert quality.to_dict() == {
        "scores": {
            "completeness": 0.8,
            "accuracy": None,
            "consistency": 1.0,
            "timeliness": 1.0,
            "conformance": 0.75,
            "accessibility": 1.0,
        },
        "computed": [name for name in QUALITY_DIMENSIONS if name != "accuracy"],
        "declared": ["accuracy"],
    }
