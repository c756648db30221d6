"""What a run of a checked query may give the buyer: groups of at least k rows, at most the
policy's rows, and under a DP budget every aggregate noised.

Under DP each row (a group; groups are disjoint, so their noise composes in parallel) spends
epsilon_per_query, split evenly over its measurements (sequential composition): one per COUNT
or SUM, two per AVG (its clamped sum and its count, divided after the noise and clamped into
the column's bounds), and one for the group size unless a COUNT(*) output already measures it.
A group is suppressed when its noisy size is under k, so whether it shows is noise too. A
grouped query's keys are data: a group of one record has a row only because that record is
there (its key output or not), so under DP a grouped row also needs its noisy size to reach
domain.key_threshold, above which a one-record group shows with probability at most DELTA
((ε, δ)-DP). Under DP a run reads up to a fixed number of groups (rewrite.DP_ROW_CAP), not a
number the buyer's OFFSET moves: whether more groups exist is exact, and only a query with that
many groups learns it.
Noisy counts are integers of at least 0; NULL sums (no rows) count as 0 before the noise.
"""

from __future__ import annotations

from collections.abc import Sequence

from exchange.compute.domain import (
    GROUP_SIZE,
    Aggregate,
    CheckedQuery,
    ComputePolicy,
    OutputRole,
    Released,
    avg_parts,
    key_threshold,
)
from exchange.compute.noise import noisy_count, noisy_sum
from exchange.kernel.errors import ExchangeError
from exchange.kernel.i18n import N_


def size_epsilon(query: CheckedQuery, epsilon: float) -> float:
    """The share of a row's epsilon its group size is measured with: each COUNT or SUM one
    share, each AVG two, and one more for the size unless a COUNT(*) output measures it."""
    measurements = sum(2 if a is Aggregate.AVG else 1 for a in _aggregates(query))
    return epsilon / (measurements + (0 if _size_output(query) is not None else 1))


class TooManyRows(ExchangeError):
    """More groups than the licence releases: nothing is released, the buyer narrows the query."""

    status = 422
    code = "too-many-rows"
    title = N_("The query returns too many rows")

    def __init__(self, max_rows: int) -> None:
        super().__init__(
            N_(
                "The query returns more than %(max_rows)s rows; filter it, group by fewer "
                "columns or add a LIMIT."
            ),
            max_rows=max_rows,
        )


def release(
    query: CheckedQuery, rows: Sequence[Sequence[object]], policy: ComputePolicy
) -> Released:
    """The rows the buyer may see, from the rows `query.sql` returned (outputs, then hidden)."""
    width = len(query.outputs) + len(query.hidden)
    if any(len(row) != width for row in rows):
        raise ValueError(f"each row needs {width} values: the outputs, then {query.hidden}")
    cut = query.row_cap is not None and len(rows) > query.row_cap
    read = rows[: query.row_cap] if query.row_cap is not None else rows
    if policy.epsilon_budget is None:
        epsilon = 0.0
        size_at = len(query.outputs) + query.hidden.index(GROUP_SIZE)
        measured = [(_integer(row[size_at]), tuple(row[: len(query.outputs)])) for row in read]
    else:
        if policy.epsilon_per_query is None or not policy.epsilon_per_query > 0:
            raise ValueError("a policy with a privacy budget needs a positive epsilon_per_query")
        epsilon = policy.epsilon_per_query
        share = size_epsilon(query, epsilon)
        measured = [_noisy(query, row, policy, share) for row in read]
    threshold = policy.min_group_size
    if epsilon and query.group_by:  # whether its key is shown or not, a group's row is data
        threshold = key_threshold(share, policy.min_group_size)
    kept = [values for size, values in measured if size >= threshold]
    end = None if query.limit is None else query.offset + query.limit
    released = kept[query.offset : end]
    if cut and (query.limit is None or len(released) < query.limit):
        raise TooManyRows(policy.max_rows)  # more groups exist than were read
    if len(released) > policy.max_rows:
        raise TooManyRows(policy.max_rows)
    return Released(
        columns=tuple(output.name for output in query.outputs),
        rows=tuple(released),
        suppressed=len(measured) - len(kept),
        epsilon_spent=epsilon,
    )


def _size_output(query: CheckedQuery) -> int | None:
    """The output that counts the group's rows (a COUNT(*)), if the query has one."""
    return next(
        (
            i
            for i, output in enumerate(query.outputs)
            if output.aggregate is Aggregate.COUNT and output.source is None
        ),
        None,
    )


def _noisy(
    query: CheckedQuery, row: Sequence[object], policy: ComputePolicy, share: float
) -> tuple[int, tuple[object, ...]]:
    """The row's noisy group size and its outputs, each measurement noised with one share."""
    outputs = query.outputs
    hidden = dict(zip(query.hidden, row[len(outputs) :], strict=True))
    size_from = _size_output(query)
    values = list(row[: len(outputs)])
    for i, output in enumerate(outputs):
        if output.role is OutputRole.KEY:
            continue
        if output.aggregate is Aggregate.COUNT:
            values[i] = max(0, noisy_count(_integer(values[i]), share))
            continue
        lower, upper = _bounds(policy, output.source)
        bound = max(abs(lower), abs(upper))
        if output.aggregate is Aggregate.SUM:
            values[i] = noisy_sum(_real(values[i]), bound, share)
        elif output.aggregate is Aggregate.AVG:
            total, count = avg_parts(i)
            noisy_total = noisy_sum(_real(hidden[total]), bound, share)
            noisy_rows = noisy_count(_integer(hidden[count]), share)
            values[i] = min(upper, max(lower, noisy_total / max(noisy_rows, 1)))
        else:
            raise ValueError(f"{output.name} is not an aggregate a DP release can noise")
    if size_from is not None:
        size = _integer(values[size_from])
    else:
        size = max(0, noisy_count(_integer(hidden[GROUP_SIZE]), share))
    return size, tuple(values)


def _aggregates(query: CheckedQuery) -> list[Aggregate]:
    return [o.aggregate for o in query.outputs if o.aggregate is not None]


def _bounds(policy: ComputePolicy, source: str | None) -> tuple[float, float]:
    rule = policy.rule(source) if source else None
    if rule is None or rule.lower is None or rule.upper is None:
        raise ValueError(f"{source} has no declared bounds to clamp and noise it by")
    return float(rule.lower), float(rule.upper)


def _integer(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, int | float | str):
        return int(value)
    return int(str(value))


def _real(value: object) -> float:
    if value is None:
        return 0.0
    if isinstance(value, int | float | str):
        return float(value)
    return float(str(value))  # Decimal, HUGEINT and friends
