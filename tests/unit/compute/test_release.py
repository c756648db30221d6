"""The release: small groups suppressed, at most the licence's rows, and under a privacy
budget noise of the calibrated size, checked statistically (OpenDP's noise has no seed)."""

from __future__ import annotations

import math
import statistics
from dataclasses import replace

import pytest

from exchange.compute.checker import check
from exchange.compute.domain import DELTA, ComputePolicy, key_threshold
from exchange.compute.release import TooManyRows, release
from exchange.compute.rewrite import DP_ROW_CAP, SCAN_FACTOR
from tests.unit.compute.policies import PRIVATE, THRESHOLD

RUNS = 500
BY_REGION = "SELECT region, count(*) FROM data GROUP BY region"


def noisy(policy: ComputePolicy, text: str, row: tuple[object, ...], column: int) -> list[float]:
    """One output of the same raw row released RUNS times."""
    query = check(text, policy)
    values = []
    for _ in range(RUNS):
        released = release(query, [row], policy)
        assert released.rows, "a large group was suppressed"
        values.append(float(released.rows[0][column]))  # type: ignore[arg-type]
    return values


def within(observed: float, expected: float, factor: float = 1.5) -> bool:
    return expected / factor <= observed <= expected * factor


def test_groups_under_k_are_suppressed_and_counted() -> None:
    query = check(BY_REGION, THRESHOLD)
    released = release(query, [("a", 10, 10), ("b", 4, 4), ("c", 5, 5)], THRESHOLD)
    assert released.columns == ("region", "count")
    assert released.rows == (("a", 10), ("c", 5))
    assert (released.suppressed, released.epsilon_spent) == (1, 0.0)


def test_the_hidden_group_size_decides_not_the_count_shown() -> None:
    query = check("SELECT region, count(salary) FROM data GROUP BY region", THRESHOLD)
    released = release(query, [("a", 1, 9), ("b", 9, 1)], THRESHOLD)
    assert released.rows == (("a", 1),)
    assert released.suppressed == 1


def test_more_rows_than_the_licence_releases_is_refused_whole() -> None:
    policy = replace(THRESHOLD, max_rows=2)
    with pytest.raises(TooManyRows) as refused:
        release(check(BY_REGION, policy), [("a", 9, 9), ("b", 9, 9), ("c", 9, 9)], policy)
    assert (refused.value.status, refused.value.code) == (422, "too-many-rows")
    assert refused.value.params == {"max_rows": 2}


def test_suppressed_groups_do_not_count_against_the_rows() -> None:
    policy = replace(THRESHOLD, max_rows=2)
    rows = [("a", 9, 9), ("b", 1, 1), ("c", 9, 9), ("d", 2, 2)]
    released = release(check(BY_REGION, policy), rows, policy)
    assert released.rows == (("a", 9), ("c", 9))
    assert released.suppressed == 2


def test_the_buyers_limit_and_offset_apply_to_the_groups_kept() -> None:
    query = check(BY_REGION + " ORDER BY 1 LIMIT 2 OFFSET 1", THRESHOLD)
    rows = [("a", 9, 9), ("b", 1, 1), ("c", 9, 9), ("d", 9, 9), ("e", 9, 9)]
    assert release(query, rows, THRESHOLD).rows == (("c", 9), ("d", 9))


def test_a_run_cut_at_the_row_cap_is_refused_unless_the_limit_was_met() -> None:
    policy = replace(THRESHOLD, max_rows=1)
    query = check(BY_REGION, policy)
    assert query.row_cap is not None
    rows = [(str(i), 9, 9) for i in range(query.row_cap + 1)]
    with pytest.raises(TooManyRows):
        release(query, rows, policy)
    limited = check(BY_REGION + " LIMIT 1", policy)
    assert release(limited, rows, policy).rows == (("0", 9),)


def test_rows_of_the_wrong_width_are_a_programming_error() -> None:
    with pytest.raises(ValueError):
        release(check(BY_REGION, THRESHOLD), [("a", 9)], THRESHOLD)


def test_a_noisy_count_has_the_laplace_spread_of_its_epsilon() -> None:
    policy = replace(PRIVATE, epsilon_per_query=0.5)
    counts = noisy(policy, "SELECT count(*) FROM data", (1000, 1000), 0)
    expected = math.sqrt(2) / 0.5  # COUNT(*) is also the group size: one measurement
    assert within(statistics.pstdev(counts), expected)
    assert abs(statistics.fmean(counts) - 1000) < 5 * expected / math.sqrt(RUNS)
    assert all(count == int(count) for count in counts)


def test_the_epsilon_is_split_over_a_rows_measurements() -> None:
    policy = replace(PRIVATE, epsilon_per_query=0.5)
    text = "SELECT count(*), sum(salary) FROM data"
    counts = noisy(policy, text, (1000, 5_000_000, 1000), 0)
    sums = noisy(policy, text, (1000, 5_000_000, 1000), 1)
    assert within(statistics.pstdev(counts), math.sqrt(2) / 0.25)
    assert within(statistics.pstdev(sums), math.sqrt(2) * 200_000 / 0.25)


def test_a_sum_alone_pays_for_the_group_size_too() -> None:
    sums = noisy(PRIVATE, "SELECT sum(salary) FROM data", (5_000_000, 1000), 0)
    assert within(statistics.pstdev(sums), math.sqrt(2) * 200_000 / 0.5)


def test_a_noisy_average_stays_in_the_bounds_and_near_the_truth_for_a_big_group() -> None:
    text = "SELECT avg(salary) FROM data"
    small = noisy(replace(PRIVATE, epsilon_per_query=0.1), text, (None, 150_000, 3, 1000), 0)
    assert all(0 <= value <= 200_000 for value in small)
    assert statistics.pstdev(small) > 10_000  # three rows: the noise swamps the mean
    big = noisy(PRIVATE, text, (None, 5_000_000_000, 100_000, 100_000), 0)
    assert abs(statistics.fmean(big) - 50_000) < 1_000


def test_under_dp_suppression_follows_the_noisy_count() -> None:
    policy = replace(PRIVATE, epsilon_per_query=0.2)
    query = check(BY_REGION, policy)
    # A grouped row needs its noisy size to reach 1 + ⌈ln(10⁷) / 0.2⌉ = 82 (k is 5).
    threshold = key_threshold(0.2, policy.min_group_size)
    assert threshold == 82
    shown = [release(query, [("a", 82, 82)], policy).rows for _ in range(RUNS)]
    kept = [rows[0][1] for rows in shown if rows]
    assert 0 < len(kept) < RUNS
    assert all(count >= threshold for count in kept)  # type: ignore[operator]
    assert release(check(BY_REGION, THRESHOLD), [("a", 4, 4)], THRESHOLD).rows == ()


def test_under_dp_a_group_of_one_record_does_not_show() -> None:
    # Its row exists only because the record does: with k alone (5) its noisy size of 1 would
    # pass about one time in four at this epsilon, giving the record's key away.
    policy = replace(PRIVATE, epsilon_per_query=0.2)
    query = check(BY_REGION, policy)
    assert not any(release(query, [("婺源", 1, 1)], policy).rows for _ in range(4 * RUNS))


def test_the_key_threshold_keeps_a_one_record_group_under_delta() -> None:
    for epsilon in (0.05, 0.2, 1.0, 5.0):
        threshold = key_threshold(epsilon, 2)
        # the discrete Laplace tail the threshold is set by: P(noise ≥ threshold − 1)
        assert math.exp(-(threshold - 1) * epsilon) <= DELTA
        assert math.exp(-(threshold - 2) * epsilon) > DELTA  # and no higher than needed
    assert key_threshold(5.0, 1000) == 1000  # a larger k stands


def test_a_query_without_groups_is_held_to_k_alone() -> None:
    # One row whatever the data: its existence gives nothing away, so no key threshold.
    policy = replace(PRIVATE, epsilon_per_query=0.2)
    query = check("SELECT count(*) FROM data", policy)
    shown = [release(query, [(8, 8)], policy).rows for _ in range(RUNS)]
    assert sum(1 for rows in shown if rows) > RUNS // 2


def test_noisy_counts_are_whole_and_never_negative() -> None:
    policy = replace(PRIVATE, min_group_size=0, epsilon_per_query=0.1)
    query = check("SELECT count(*) FROM data WHERE city = 'nowhere'", policy)
    counts = [release(query, [(0, 0)], policy).rows[0][0] for _ in range(200)]
    assert all(isinstance(count, int) and count >= 0 for count in counts)
    assert 0 in counts and max(counts) > 0  # type: ignore[type-var]


def test_a_dp_release_spends_the_epsilon_per_query() -> None:
    released = release(check(BY_REGION, PRIVATE), [("a", 1000, 1000)], PRIVATE)
    assert released.epsilon_spent == PRIVATE.epsilon_per_query


def test_under_dp_a_group_of_one_record_does_not_show_without_its_key_either() -> None:
    # The key left out of the output, the group's row still exists only because the record does.
    policy = replace(PRIVATE, epsilon_per_query=0.5)
    query = check("SELECT count(*) FROM data GROUP BY region", policy)
    assert not any(release(query, [(1, 1)], policy).rows for _ in range(4 * RUNS))


def test_under_dp_the_groups_read_do_not_follow_the_buyers_offset() -> None:
    private = check(BY_REGION + " LIMIT 1 OFFSET 50", PRIVATE)
    assert private.row_cap == DP_ROW_CAP
    exact = check(BY_REGION + " LIMIT 1 OFFSET 50", THRESHOLD)
    assert exact.row_cap == SCAN_FACTOR * (THRESHOLD.max_rows + 50)
