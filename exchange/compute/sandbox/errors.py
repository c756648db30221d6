"""What a sandboxed run can fail with, said safely: no SQL engine message, path or value leaks."""

from __future__ import annotations

from exchange.kernel.errors import ExchangeError
from exchange.kernel.i18n import N_


class QueryFailed(ExchangeError):
    """The query did not run to a result; the detail says why in words fit for the buyer."""

    status = 422
    code = "query-failed"
    title = N_("The query could not be run")


class QueryTimedOut(QueryFailed):
    code = "query-timed-out"
    title = N_("The query took too long and was stopped")


class QueryOutOfMemory(QueryFailed):
    code = "query-out-of-memory"
    title = N_("The query needed more memory than a run may use")


class QueryTooLarge(QueryFailed):
    """The SQL produced more rows than the release could ever keep: it barely aggregates."""

    code = "query-too-large"
    title = N_("The query returns too many groups")


class ResultTooLarge(QueryFailed):
    code = "result-too-large"
    title = N_("The query's result is larger than a run may return")


# What the child reports, by kind, and what the parent raises for it.
FAILURES: dict[str, type[QueryFailed]] = {
    "failed": QueryFailed,
    "timed-out": QueryTimedOut,
    "out-of-memory": QueryOutOfMemory,
    "too-many-rows": QueryTooLarge,
    "result-too-large": ResultTooLarge,
}

# The child's words for a failure that is not the buyer's SQL; each is a safe, fixed message.
DETAILS = {
    "not-one-select": N_("Only one SELECT statement may be run."),
    "sql-error": N_("The query could not be run over the licensed data."),
    "data-unreadable": N_("The licensed data could not be opened for this run."),
    "bad-request": N_("The run was not set up correctly."),
    "release-failed": N_("The result could not be released under the licence."),
    "crashed": N_("The run stopped unexpectedly."),
    "too-many-rows": N_("The query returns more groups than a run may release; aggregate more."),
    "out-of-memory": N_("The query needed more memory than a run may use."),
}
