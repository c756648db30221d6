"""Checks a buyer's SQL against a computation licence and hands it to the rewrite.

A query passes when it is one flat SELECT over `data` (joined once with the buyer's `mine` where
the licence allows), reads every column as the policy declares, calls only the allow-listed
functions, and outputs only group keys and aggregates. Subqueries, CTEs and set operations are
refused: an inner query answers for groups the release never sees (one person's salary tested
in a WHERE), so nothing but the outer groups may be computed. The walk over expressions and the
allow-lists live in exchange.compute.scope, the rewrite in exchange.compute.rewrite.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError

from exchange.compute.domain import (
    BUYER_TABLE,
    DATA_TABLE,
    CheckedQuery,
    ComputePolicy,
    Refusal,
)
from exchange.compute.rewrite import rewrite
from exchange.compute.scope import DIALECT, QueryRefused, Scope, function_name

__all__ = ["MAX_QUERY_CHARS", "QueryRefused", "check"]

MAX_QUERY_CHARS = 10_000
NESTING = "nested too deeply"
MAX_DEPTH = 100  # levels of a query's tree: far beyond any real aggregate query

# Clauses of a SELECT the checker understands; any other, set, is refused with its rule.
CLAUSES = frozenset(
    {"expressions", "from_", "joins", "where", "group", "having", "order", "limit", "offset"}
    | {"distinct"}
)
CLAUSE_RULES = {
    "qualify": Refusal.ROW_LEVEL_OUTPUT,
    "windows": Refusal.ROW_LEVEL_OUTPUT,
    "laterals": Refusal.UNKNOWN_TABLE,
    "pivots": Refusal.UNKNOWN_TABLE,
}
JOIN_SIDES = frozenset({"", "LEFT", "RIGHT", "FULL"})
JOIN_KINDS = frozenset({"", "INNER", "OUTER"})
SELECT_WORDS = frozenset({"SELECT", "FROM", "WITH", "("})


def check(text: str, policy: ComputePolicy, *, buyer_columns: Sequence[str] = ()) -> CheckedQuery:
    """The query rewritten to run under the policy, or QueryRefused naming the rule it breaks."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryRefused(Refusal.TOO_LONG, f"{len(text):,}")
    try:
        select = _parse(text)
        if _depth(select) > MAX_DEPTH:
            raise QueryRefused(Refusal.UNPARSABLE, NESTING)
        _check_tables(select, policy, buyer_columns)
        _check_clauses(select)
        scope = Scope(policy, buyer_columns)
        _register_tables(select, scope)
        return rewrite(select, scope, text)
    except RecursionError:  # a long chain of operators walks deeper than Python recurses
        raise QueryRefused(Refusal.UNPARSABLE, NESTING) from None


def _depth(root: exp.Expr) -> int:
    """How deep the tree is, walked without recursion: the same limit whatever Python's own
    recursion limit is in this process (a test runner may raise it)."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        for value in node.args.values():
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, exp.Expr):
                    stack.append((child, depth + 1))
    return deepest


def _parse(text: str) -> exp.Select:
    try:
        statements = [s for s in sqlglot.parse(text, read=DIALECT) if s is not None]
    except ParseError as error:
        first = error.errors[0] if error.errors else {}
        at = f" (line {first.get('line')}, column {first.get('col')})" if first else ""
        raise _unparsable(text, str(first.get("description", "")) + at) from None
    except RecursionError:
        raise _unparsable(text, NESTING) from None
    except SqlglotError as error:
        raise _unparsable(text, type(error).__name__) from None
    if len(statements) != 1:
        raise QueryRefused(Refusal.NOT_ONE_SELECT, f"{len(statements)} statements")
    statement = statements[0]
    if not isinstance(statement, exp.Select):
        name = statement.this if isinstance(statement, exp.Command) else statement.key
        raise QueryRefused(Refusal.NOT_ONE_SELECT, str(name).upper())
    return statement


def _unparsable(text: str, problem: str) -> QueryRefused:
    """A statement sqlglot cannot read (EXPORT DATABASE …) is still not a SELECT."""
    first = re.match(r"\s*(\w+|\()", text)
    word = first.group(1).upper() if first else ""
    if word and word not in SELECT_WORDS:
        return QueryRefused(Refusal.NOT_ONE_SELECT, word)
    return QueryRefused(Refusal.UNPARSABLE, problem)


def _check_tables(select: exp.Select, policy: ComputePolicy, buyer: Sequence[str]) -> None:
    """Every table named anywhere, subqueries and CTEs included, is `data` or an allowed `mine`."""
    ctes = {cte.alias_or_name.lower() for cte in select.find_all(exp.CTE)}
    for table in select.find_all(exp.Table):
        name = _table_name(table)
        if name == DATA_TABLE or name in ctes:
            continue  # a CTE's name is refused below, as a nested query
        if name == BUYER_TABLE and not (policy.allow_join and buyer):
            raise QueryRefused(Refusal.JOIN_NOT_ALLOWED, BUYER_TABLE)
        if name != BUYER_TABLE:
            raise QueryRefused(Refusal.UNKNOWN_TABLE, table.sql(DIALECT))
    for node in select.find_all(exp.Query, exp.CTE, exp.Values):
        if node is not select:
            raise QueryRefused(Refusal.NOT_ONE_SELECT, "a nested query")


def _table_name(table: exp.Table) -> str:
    if not isinstance(table.this, exp.Identifier):
        raise QueryRefused(Refusal.UNKNOWN_TABLE, function_name(table.this))
    extra = [key for key, value in table.args.items() if value and key not in ("this", "alias")]
    if extra:
        raise QueryRefused(Refusal.UNKNOWN_TABLE, table.sql(DIALECT))
    return table.name.lower()


def _check_clauses(select: exp.Select) -> None:
    for key, value in select.args.items():
        if value and key not in CLAUSES:
            rule = CLAUSE_RULES.get(key, Refusal.NOT_ONE_SELECT)
            raise QueryRefused(rule, key.rstrip("_").upper())
    distinct = select.args.get("distinct")
    if isinstance(distinct, exp.Distinct) and distinct.args.get("on"):
        raise QueryRefused(Refusal.ROW_LEVEL_OUTPUT, "DISTINCT ON")
    group = select.args.get("group")
    if isinstance(group, exp.Group):
        for key, value in group.args.items():
            if value and key != "expressions":
                raise QueryRefused(Refusal.FUNCTION_NOT_ALLOWED, f"GROUP BY {key.upper()}")


def _register_tables(select: exp.Select, scope: Scope) -> None:
    """Name each table's qualifier, check the joins, and drop the buyer's table aliases."""
    from_ = select.args.get("from_")
    if from_ is None:
        return  # refused once the outputs are checked: a query must read the data
    _register(from_.this, scope)
    for join in select.args.get("joins") or []:
        if not scope.policy.allow_join:
            raise QueryRefused(Refusal.JOIN_NOT_ALLOWED, join.this.sql(DIALECT))
        if scope.dp:
            raise QueryRefused(Refusal.NOT_UNDER_DP, "JOIN")
        _check_join(join)
        _register(join.this, scope)


def _check_join(join: exp.Join) -> None:
    side = str(join.args.get("side") or "").upper()
    kind = str(join.args.get("kind") or "").upper()
    method = str(join.args.get("method") or "").upper()
    if side not in JOIN_SIDES or kind not in JOIN_KINDS or method:
        raise QueryRefused(Refusal.JOIN_NOT_ALLOWED, " ".join(filter(None, [method, side, kind])))
    if join.args.get("using"):
        raise QueryRefused(Refusal.JOIN_NOT_ALLOWED, "USING")
    if join.args.get("on") is None:
        raise QueryRefused(Refusal.JOIN_NOT_ALLOWED, "a join without ON")
    extra = [k for k, v in join.args.items() if v and k not in ("this", "on", "side", "kind")]
    if extra:
        raise QueryRefused(Refusal.JOIN_NOT_ALLOWED, extra[0].upper())


def _register(source: exp.Expr, scope: Scope) -> None:
    if not isinstance(source, exp.Table):
        raise QueryRefused(Refusal.UNKNOWN_TABLE, function_name(source))
    name = _table_name(source)
    if name in scope.tables.values():
        raise QueryRefused(Refusal.JOIN_NOT_ALLOWED, f"{name} with itself")
    alias = source.args.get("alias")
    qualifier = name
    if isinstance(alias, exp.TableAlias):
        if alias.args.get("columns"):
            raise QueryRefused(Refusal.UNKNOWN_TABLE, f"{name} AS {alias.sql(DIALECT)}")
        qualifier = alias.name.lower()
    if qualifier in scope.tables:
        raise QueryRefused(Refusal.UNKNOWN_TABLE, qualifier)
    scope.tables[qualifier] = name
    source.set("alias", None)
    source.set("this", exp.to_identifier(name))
