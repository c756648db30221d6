"""Computation licences, pure: the vendor's query policy, a query as checked against it, and
what a run may release (groups of at least k rows, at most the policy's rows, with noise when
the licence has a differential-privacy budget)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from exchange.kernel.i18n import N_

DATA_TABLE = "data"  # the licensed version's rows, as the buyer's SQL names them
BUYER_TABLE = "mine"  # the buyer's own uploaded table, where the policy allows a join
GROUP_SIZE = "__group_size"  # the hidden count the checker adds to every query


class ColumnUse(StrEnum):
    """How a licensed column may appear in a buyer's query; undeclared columns are hidden."""

    GROUP = "group"  # grouped by, filtered on, and shown as a group's key
    AGGREGATE = "aggregate"  # read only inside an allowed aggregate function
    HIDDEN = "hidden"  # never read


COLUMN_USE_LABELS = {
    ColumnUse.GROUP: N_("Group by and filter"),
    ColumnUse.AGGREGATE: N_("Aggregate only"),
    ColumnUse.HIDDEN: N_("Never used"),
}


class Aggregate(StrEnum):
    """The aggregate functions a query may call; under a DP budget only COUNT, SUM and AVG."""

    COUNT = "count"
    SUM = "sum"
    AVG = "avg"
    MIN = "min"
    MAX = "max"


DP_AGGREGATES = frozenset({Aggregate.COUNT, Aggregate.SUM, Aggregate.AVG})


class Protection(StrEnum):
    """What a computation licence protects against, said on the product page."""

    THRESHOLD = "threshold"  # groups under k suppressed: differencing queries can still isolate
    DIFFERENTIAL_PRIVACY = "differential_privacy"  # calibrated noise and a spent budget


@dataclass(frozen=True)
class ColumnRule:
    """One licensed column: its use and, for an aggregated number under DP, its clamp bounds."""

    name: str
    use: ColumnUse
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True)
class ComputePolicy:
    """The vendor's terms for queries over one product, as a contract freezes them."""

    columns: tuple[ColumnRule, ...]
    min_group_size: int  # k: no output row stands for fewer rows
    max_rows: int  # output rows a query may return
    epsilon_budget: float | None = None  # per contract; None: thresholds only
    epsilon_per_query: float | None = None  # spent by each query under a budget
    needs_approval: bool = False  # the vendor approves each query before it runs
    allow_join: bool = False  # a join with the buyer's own uploaded table
    version: int = 1

    @property
    def protection(self) -> Protection:
        """Differential privacy when the licence has a budget, thresholds alone otherwise."""
        return Protection.DIFFERENTIAL_PRIVACY if self.epsilon_budget else Protection.THRESHOLD

    def use_of(self, column: str) -> ColumnUse:
        """The use declared for a column; hidden when the policy does not name it."""
        for rule in self.columns:
            if rule.name == column:
                return rule.use
        return ColumnUse.HIDDEN

    def rule(self, column: str) -> ColumnRule | None:
        """The column's rule, if the policy declares one."""
        return next((rule for rule in self.columns if rule.name == column), None)


class OutputRole(StrEnum):
    KEY = "key"  # a group-by value, released as is
    AGGREGATE = "aggregate"  # an aggregate, noised under a DP budget


@dataclass(frozen=True)
class OutputColumn:
    """One column of a query's released result, and how the release treats it."""

    name: str
    role: OutputRole
    aggregate: Aggregate | None = None
    source: str | None = None  # the data column aggregated; None for COUNT(*)


@dataclass(frozen=True)
class CheckedQuery:
    """A query the policy allows, rewritten to run: `sql` returns the output columns in order,
    then any hidden columns (`hidden`, always ending with GROUP_SIZE) the release needs."""

    text: str  # the buyer's query as submitted
    sql: str  # what runs, in DuckDB's dialect
    outputs: tuple[OutputColumn, ...]
    hidden: tuple[str, ...]
    group_by: tuple[str, ...]
    joins_buyer_table: bool = False
    # The buyer's LIMIT and OFFSET, taken out of `sql`: groups under k are dropped after the
    # run, so the release applies them to the groups it keeps.
    limit: int | None = None
    offset: int = 0
    # `sql` reads at most row_cap + 1 groups; a run that returns more than row_cap was cut
    # short, and the release refuses it unless the buyer's LIMIT was already met.
    row_cap: int | None = None


class Refusal(StrEnum):
    """The rule a refused query broke; each has a message naming it."""

    UNPARSABLE = "unparsable"
    NOT_ONE_SELECT = "not_one_select"
    UNKNOWN_TABLE = "unknown_table"
    JOIN_NOT_ALLOWED = "join_not_allowed"
    COLUMN_NOT_LICENSED = "column_not_licensed"
    COLUMN_OUTSIDE_AGGREGATE = "column_outside_aggregate"
    ROW_LEVEL_OUTPUT = "row_level_output"
    FUNCTION_NOT_ALLOWED = "function_not_allowed"
    NOT_UNDER_DP = "not_under_dp"
    TOO_LONG = "too_long"


REFUSAL_MESSAGES = {
    Refusal.UNPARSABLE: N_("The query is not valid SQL."),
    Refusal.NOT_ONE_SELECT: N_("Only one SELECT statement may be run."),
    Refusal.UNKNOWN_TABLE: N_("The query reads a table other than the licensed data."),
    Refusal.JOIN_NOT_ALLOWED: N_("This licence does not allow joins."),
    Refusal.COLUMN_NOT_LICENSED: N_("The query reads a column the licence does not allow."),
    Refusal.COLUMN_OUTSIDE_AGGREGATE: N_(
        "An aggregate-only column is used outside an aggregate function."
    ),
    Refusal.ROW_LEVEL_OUTPUT: N_("The query would output single rows; it must aggregate."),
    Refusal.FUNCTION_NOT_ALLOWED: N_("The query calls a function the licence does not allow."),
    Refusal.NOT_UNDER_DP: N_(
        "Under a privacy budget only COUNT, SUM and AVG of bounded columns may be used."
    ),
    Refusal.TOO_LONG: N_("The query is too long."),
}


# The same refusals with the offending SQL element (a column, function, table or clause) as
# %(name)s, for the error's detail; REFUSAL_MESSAGES stays the short form.
REFUSAL_DETAILS = {
    Refusal.UNPARSABLE: N_("The query is not valid SQL: %(name)s"),
    Refusal.NOT_ONE_SELECT: N_("Only one SELECT statement may be run, not %(name)s."),
    Refusal.UNKNOWN_TABLE: N_("The query reads a table other than the licensed data: %(name)s."),
    Refusal.JOIN_NOT_ALLOWED: N_("This licence does not allow this join: %(name)s."),
    Refusal.COLUMN_NOT_LICENSED: N_("The licence does not allow reading the column %(name)s."),
    Refusal.COLUMN_OUTSIDE_AGGREGATE: N_(
        "The aggregate-only column %(name)s is used outside an aggregate function."
    ),
    Refusal.ROW_LEVEL_OUTPUT: N_(
        "The query would output single rows (%(name)s); it must aggregate."
    ),
    Refusal.FUNCTION_NOT_ALLOWED: N_("The licence does not allow the function %(name)s."),
    Refusal.NOT_UNDER_DP: N_(
        "Under a privacy budget only COUNT, SUM and AVG of bounded columns may be used, "
        "not %(name)s."
    ),
    Refusal.TOO_LONG: N_("The query is too long: %(name)s characters."),
}


def avg_parts(position: int) -> tuple[str, str]:
    """The hidden columns that carry an AVG output's clamped sum and count under a DP budget."""
    return f"__avg_sum_{position}", f"__avg_count_{position}"


@dataclass(frozen=True)
class Released:
    """What a run gives the buyer: the columns, the rows kept, how many groups were
    suppressed for being smaller than k, and the privacy budget the run spent."""

    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    suppressed: int
    epsilon_spent: float


class QueryStatus(StrEnum):
    """Where a submitted query stands."""

    REFUSED = "refused"  # broke a rule of the policy; nothing ran
    PENDING = "pending"  # waits for the vendor's approval
    RUNNING = "running"  # approved or needing none: its share is taken and it runs now
    REJECTED = "rejected"  # the vendor declined it; nothing ran
    FAILED = "failed"  # ran out of time, memory or rows; nothing released, nothing spent
    DONE = "done"  # ran; its released result is kept


QUERY_STATUS_LABELS = {
    QueryStatus.REFUSED: N_("Refused under the policy"),
    QueryStatus.PENDING: N_("Awaiting the vendor's approval"),
    QueryStatus.RUNNING: N_("Running"),
    QueryStatus.REJECTED: N_("Declined by the vendor"),
    QueryStatus.FAILED: N_("Failed"),
    QueryStatus.DONE: N_("Done"),
}


# The chance a group of one record may show under DP: below one in the records of any product.
DELTA = 1e-7


def key_threshold(size_epsilon: float, min_group_size: int) -> int:
    """The noisy size a grouped row needs under DP: k, or more where k alone would let a group
    of one record show with probability above DELTA (its discrete Laplace noise, of scale
    1/size_epsilon, passes t with probability at most e^(-t·size_epsilon))."""
    return max(min_group_size, 1 + math.ceil(math.log(1 / DELTA) / size_epsilon))
