"""The differencing attack, run for real in DuckDB: two queries that differ by one person.
Thresholds alone give the person's salary away exactly; under a DP budget the difference is
noise, and guessing whether the person is in the data does no better than the budget allows."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import replace

from exchange.compute.checker import check
from exchange.compute.domain import CheckedQuery, ComputePolicy
from exchange.compute.release import release
from tests.unit.compute.policies import PRIVATE, THRESHOLD

ALL = "SELECT count(*), sum(salary) FROM data"
OTHERS = "SELECT count(*), sum(salary) FROM data WHERE city <> 'Jingdezhen'"
TARGET_SALARY = 150_000  # the one person in Jingdezhen
TRIALS = 400  # per world
EPSILON = 0.2


def raw_rows(text: str, policy: ComputePolicy, *, with_target: bool) -> list[tuple[object, ...]]:
    """The query as checked, run over 200 colleagues and, in one world, the target."""
    import duckdb

    query = check(text, policy)
    with duckdb.connect() as con:
        con.execute("CREATE TABLE data (region VARCHAR, city VARCHAR, d DATE, salary INTEGER)")
        con.execute(
            "INSERT INTO data SELECT 'north', 'Nanchang', DATE '2024-01-01',"
            " 30000 + (i * 7919) % 50000 FROM range(200) t(i)"
        )
        if with_target:
            con.execute(
                "INSERT INTO data VALUES ('north', 'Jingdezhen', DATE '2024-01-01', ?)",
                [TARGET_SALARY],
            )
        return con.execute(query.sql).fetchall()


def released_sum(
    query: CheckedQuery, rows: Sequence[tuple[object, ...]], policy: ComputePolicy
) -> float:
    result = release(query, rows, policy)
    assert result.rows, "a group of 200 was suppressed"
    return float(result.rows[0][1])  # type: ignore[arg-type]


def differences(policy: ComputePolicy, *, with_target: bool, runs: int) -> list[float]:
    everyone = raw_rows(ALL, policy, with_target=with_target)
    others = raw_rows(OTHERS, policy, with_target=with_target)
    all_query, others_query = check(ALL, policy), check(OTHERS, policy)
    return [
        released_sum(all_query, everyone, policy) - released_sum(others_query, others, policy)
        for _ in range(runs)
    ]


def test_thresholds_alone_give_the_salary_away() -> None:
    assert differences(THRESHOLD, with_target=True, runs=1) == [TARGET_SALARY]


def test_under_dp_the_difference_is_noise_and_guessing_is_near_chance() -> None:
    policy = replace(PRIVATE, epsilon_per_query=EPSILON)
    present = differences(policy, with_target=True, runs=TRIALS)
    absent = differences(policy, with_target=False, runs=TRIALS)
    # the noise dwarfs the one salary: the sum's Laplace scale is 200,000 / (0.2 / 2)
    assert statistics.pstdev(present) > 10 * TARGET_SALARY
    # the best guess from the difference: "present" when it is above half the salary
    half = TARGET_SALARY / 2
    right = sum(d > half for d in present) + sum(d <= half for d in absent)
    accuracy = right / (2 * TRIALS)
    # ε-DP bounds any test's accuracy between neighbouring worlds by e^ε / (1 + e^ε) (≈ 0.55
    # for the one query that differs); the margin is 3.5 standard errors of 800 trials
    bound = math.exp(EPSILON) / (1 + math.exp(EPSILON))
    assert accuracy < bound + 3.5 * math.sqrt(0.25 / (2 * TRIALS))
