"""The allow-lists and the walk that checks each expression of a query against its licence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlglot import exp

from exchange.compute.domain import (
    BUYER_TABLE,
    DATA_TABLE,
    DP_AGGREGATES,
    REFUSAL_DETAILS,
    Aggregate,
    ColumnRule,
    ColumnUse,
    ComputePolicy,
    Refusal,
)
from exchange.kernel.errors import ExchangeError
from exchange.kernel.i18n import N_

DIALECT = "duckdb"

AGGREGATES: dict[type[exp.Expr], Aggregate] = {
    exp.Count: Aggregate.COUNT,
    exp.Sum: Aggregate.SUM,
    exp.Avg: Aggregate.AVG,
    exp.Min: Aggregate.MIN,
    exp.Max: Aggregate.MAX,
}
# The scalar allow-list, by exact node type: operators, CASE, and a few plain functions.
SCALARS: frozenset[type[exp.Expr]] = frozenset[type[exp.Expr]](
    {exp.Add, exp.Sub, exp.Mul, exp.Div, exp.IntDiv, exp.Mod, exp.Neg, exp.Paren}
    | {exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Is, exp.And, exp.Or, exp.Not}
    | {exp.In, exp.Between, exp.Like, exp.ILike, exp.Literal, exp.Boolean, exp.Null}
    | {exp.Round, exp.Abs, exp.Coalesce, exp.Case, exp.If, exp.Lower, exp.Upper, exp.Trim}
    | {exp.Year, exp.Month, exp.Day}
)
CASTS: frozenset[type[exp.Expr]] = frozenset({exp.Cast, exp.TryCast})
CAST_TYPES = frozenset(
    exp.DataType.Type[name]
    for name in (
        "TINYINT SMALLINT INT BIGINT INT128 FLOAT DOUBLE DECIMAL VARCHAR TEXT CHAR"
        " BOOLEAN DATE TIMESTAMP TIMESTAMPNTZ"
    ).split()
)
UNITS = frozenset({"year", "quarter", "month", "week", "day", "hour", "minute", "second"})


# Defined here, the lowest of the checker's modules, so that the walk raises it without an import
# cycle; exchange.compute.checker re-exports it.
class QueryRefused(ExchangeError):
    """A query the licence does not allow; `rule` says which rule, the detail what broke it."""

    status = 422
    code = "query-refused"
    title = N_("The query is refused")

    def __init__(self, rule: Refusal, name: str) -> None:
        super().__init__(REFUSAL_DETAILS[rule], name=name[:200], rule=rule.value)
        self.rule = rule
        self.name = name


def function_name(node: exp.Expr) -> str:
    """The name a refusal shows for a node: the function as typed, or the construct's."""
    if isinstance(node, exp.Anonymous):
        return str(node.name)
    if isinstance(node, exp.Func):
        return type(node).sql_name().lower()
    return node.key.upper()


def determined(node: exp.Expr, keys: Sequence[exp.Expr]) -> bool:
    """One value per group: a group key, an aggregate, or built only from those and constants."""
    if type(node) in AGGREGATES or any(node == key for key in keys):
        return True
    if isinstance(node, exp.Column):
        return False
    return all(determined(child, keys) for child in node.iter_expressions())


def label(node: exp.Expr) -> str:
    """The node as SQL, cut to the length a refusal shows."""
    return node.sql(DIALECT)[:200]


@dataclass(frozen=True)
class Where:
    """Where in the query an expression sits: which clause, and whether inside an aggregate."""

    clause: str
    aggregates: bool
    inside: bool = False


class Scope:
    """The tables a query reads and the columns it may use; walks expressions against them."""

    def __init__(self, policy: ComputePolicy, buyer_columns: Sequence[str]) -> None:
        self.policy = policy
        self.dp = policy.epsilon_budget is not None
        self.rules = {r.name.lower(): r for r in policy.columns if r.use is not ColumnUse.HIDDEN}
        self.buyer = {c.lower(): c for c in buyer_columns} if policy.allow_join else {}
        self.tables: dict[str, str] = {}  # qualifier as written -> DATA_TABLE or BUYER_TABLE

    def names_column(self, name: str) -> bool:
        """Whether a bare name is a column DuckDB would bind before an output alias."""
        key = name.lower()
        return key in self.rules or (BUYER_TABLE in self.tables.values() and key in self.buyer)

    def walk(self, node: exp.Expr, where: Where) -> None:
        """Refuse what the allow-list lacks; name every column by its table as it goes."""
        if isinstance(node, exp.Column):
            self._column(node, where)
        elif isinstance(node, exp.Star):
            raise QueryRefused(Refusal.ROW_LEVEL_OUTPUT, "*")
        elif isinstance(node, exp.Window):
            raise QueryRefused(Refusal.ROW_LEVEL_OUTPUT, "OVER")
        elif type(node) in AGGREGATES:
            self._aggregate(node, AGGREGATES[type(node)], where)
        elif isinstance(node, exp.Extract | exp.TimestampTrunc | exp.DateTrunc):
            self._truncation(node, where)
        elif type(node) in CASTS:
            extra = [k for k, v in node.args.items() if v and k not in ("this", "to", "_type")]
            target = node.args.get("to")
            if extra or not isinstance(target, exp.DataType) or not _basic_type(target):
                raise QueryRefused(Refusal.FUNCTION_NOT_ALLOWED, label(node))
            self.walk(node.this, where)
        elif type(node) in SCALARS:
            for child in node.iter_expressions():
                self.walk(child, where)
        else:
            raise QueryRefused(Refusal.FUNCTION_NOT_ALLOWED, function_name(node))

    def _truncation(self, node: exp.Expr, where: Where) -> None:
        """EXTRACT and date_trunc with a plain unit (a string elsewhere could be a column)."""
        unit: object = node.this if isinstance(node, exp.Extract) else node.args.get("unit")
        if not isinstance(unit, exp.Var | exp.Literal) or unit.name.lower() not in UNITS:
            raise QueryRefused(Refusal.FUNCTION_NOT_ALLOWED, function_name(node))
        for child in node.iter_expressions():
            if child is not unit:
                self.walk(child, where)

    def _column(self, column: exp.Column, where: Where) -> None:
        table, name, rule = self._resolve(column)
        if rule is not None and rule.use is ColumnUse.AGGREGATE and not where.inside:
            raise QueryRefused(Refusal.COLUMN_OUTSIDE_AGGREGATE, name)
        column.set("table", exp.to_identifier(table))
        column.set("this", exp.to_identifier(name))

    def _resolve(self, column: exp.Column) -> tuple[str, str, ColumnRule | None]:
        """The column's table and name as declared: qualified by an alias the query gave, or
        bare, `data`'s when the policy declares it, else the buyer's."""
        if column.args.get("db") or column.args.get("catalog"):
            raise QueryRefused(Refusal.UNKNOWN_TABLE, column.sql(DIALECT))
        if isinstance(column.this, exp.Star):
            raise QueryRefused(Refusal.ROW_LEVEL_OUTPUT, column.sql(DIALECT))
        key = column.name.lower()
        if column.table:
            table = self.tables.get(column.table.lower())
            if table is None:
                raise QueryRefused(Refusal.UNKNOWN_TABLE, column.table)
        elif key in self.buyer and key not in self.rules and BUYER_TABLE in self.tables.values():
            table = BUYER_TABLE
        else:
            table = DATA_TABLE
        if table == BUYER_TABLE:
            if key not in self.buyer:
                raise QueryRefused(Refusal.COLUMN_NOT_LICENSED, f"{BUYER_TABLE}.{column.name}")
            return table, self.buyer[key], None
        rule = self.rules.get(key)
        if rule is None:
            raise QueryRefused(Refusal.COLUMN_NOT_LICENSED, column.name)
        return table, rule.name, rule

    def _aggregate(self, node: exp.Expr, aggregate: Aggregate, where: Where) -> None:
        if not where.aggregates:
            name = f"{aggregate.upper()} in {where.clause}"
            raise QueryRefused(Refusal.FUNCTION_NOT_ALLOWED, name)
        argument = node.this
        if argument is None or any(c is not argument for c in node.iter_expressions()):
            raise QueryRefused(Refusal.FUNCTION_NOT_ALLOWED, label(node))
        if isinstance(argument, exp.Star):
            if aggregate is not Aggregate.COUNT or any(argument.args.values()):
                raise QueryRefused(Refusal.FUNCTION_NOT_ALLOWED, label(node))
            return
        if isinstance(argument, exp.Distinct):
            extra = [k for k, v in argument.args.items() if v and k != "expressions"]
            if aggregate is not Aggregate.COUNT or len(argument.expressions) != 1 or extra:
                raise QueryRefused(Refusal.FUNCTION_NOT_ALLOWED, label(node))
            if self.dp:
                raise QueryRefused(Refusal.NOT_UNDER_DP, "COUNT(DISTINCT)")
            # DISTINCT treats its argument as a key: aggregate-only columns may not be counted
            self.walk(argument.expressions[0], Where("COUNT(DISTINCT)", aggregates=False))
            return
        if self.dp and (aggregate not in DP_AGGREGATES or not isinstance(argument, exp.Column)):
            raise QueryRefused(Refusal.NOT_UNDER_DP, label(node))
        # An aggregate reads one column as it is: SUM(CASE WHEN name = 'Li' THEN salary END)
        # would read one person's value out of a group of any size.
        if not isinstance(argument, exp.Column):
            raise QueryRefused(Refusal.FUNCTION_NOT_ALLOWED, label(node))
        self.walk(argument, Where(where.clause, aggregates=False, inside=True))
        if aggregate in (Aggregate.MIN, Aggregate.MAX):
            # The least or greatest value is one record's own: only a group key's may be shown.
            rule = self.rules.get(argument.name.lower())
            if argument.table != BUYER_TABLE and (rule is None or rule.use is not ColumnUse.GROUP):
                raise QueryRefused(Refusal.FUNCTION_NOT_ALLOWED, label(node))
        if self.dp and aggregate in (Aggregate.SUM, Aggregate.AVG):
            rule = self.rules.get(argument.name.lower())
            if rule is None or rule.lower is None or rule.upper is None:
                raise QueryRefused(Refusal.NOT_UNDER_DP, f"{aggregate.upper()}({argument.name})")


def _basic_type(target: exp.DataType) -> bool:
    params = target.expressions
    plain = all(
        isinstance(p, exp.DataTypeParam) and isinstance(p.this, exp.Literal) for p in params
    )
    return target.this in CAST_TYPES and plain and not target.args.get("nested")
