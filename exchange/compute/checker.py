"""Checks a buyer's SQL against a computation licence and rewrites it to run.

A query passes when it is one flat SELECT over `data` (joined once with the buyer's `mine` where
the licence allows), reads every column as the policy declares, calls only the allow-listed
functions, and outputs only group keys and aggregates. Subqueries, CTEs and set operations are
refused: an inner query answers for groups the release never sees (one person's salary tested
in a WHERE), so nothing but the outer groups may be computed.

The rewrite is generated from the checked tree, never from the buyer's text: every column is
named by its table (`"data"."x"` or `"mine"."x"`, the buyer's table aliases dropped), every
output gets a quoted name, the buyer's LIMIT and OFFSET move to the CheckedQuery (the release
applies them after suppressing small groups) and the SQL reads at most row_cap + 1 groups.
Under a DP budget SUM(x) sums x clamped to the policy's [lower, upper] (a CASE), and AVG(x)
outputs NULL in its place while two hidden columns carry its clamped sum and its count
(domain.avg_parts).
The last hidden column is always GROUP_SIZE: COUNT(*), or with a join the number of distinct
`data` rows (rowid), so that repeating the buyer's rows cannot make a small group look big.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError

from exchange.compute.domain import (
    BUYER_TABLE,
    DATA_TABLE,
    DP_AGGREGATES,
    GROUP_SIZE,
    REFUSAL_DETAILS,
    Aggregate,
    CheckedQuery,
    ColumnRule,
    ColumnUse,
    ComputePolicy,
    OutputColumn,
    OutputRole,
    Refusal,
    avg_parts,
)
from exchange.kernel.errors import ExchangeError
from exchange.kernel.i18n import N_

MAX_QUERY_CHARS = 10_000
SCAN_FACTOR = 10  # groups read per group the policy may release, before suppression
DIALECT = "duckdb"
NESTING = "nested too deeply"
MAX_DEPTH = 100  # levels of a query's tree: far beyond any real aggregate query
MAX_LIMIT = 100_000  # a LIMIT or OFFSET beyond any release's rows: the scan would be for nothing

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
ORDER_ARGS = frozenset({"this", "desc", "nulls_first"})
JOIN_SIDES = frozenset({"", "LEFT", "RIGHT", "FULL"})
JOIN_KINDS = frozenset({"", "INNER", "OUTER"})
SELECT_WORDS = frozenset({"SELECT", "FROM", "WITH", "("})

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


class QueryRefused(ExchangeError):
    """A query the licence does not allow; `rule` says which rule, the detail what broke it."""

    status = 422
    code = "query-refused"
    title = N_("The query is refused")

    def __init__(self, rule: Refusal, name: str) -> None:
        super().__init__(REFUSAL_DETAILS[rule], name=name[:200], rule=rule.value)
        self.rule = rule
        self.name = name


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
        return _Rewrite(select, scope).run(text)
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


class _Rewrite:
    """The walk over one SELECT's clauses, in the order its refusals are reported."""

    def __init__(self, select: exp.Select, scope: Scope) -> None:
        self.select = select
        self.scope = scope
        self.policy = scope.policy

    def run(self, text: str) -> CheckedQuery:
        select, scope = self.select, self.scope
        items = list(select.expressions)
        if not items:
            raise QueryRefused(Refusal.UNPARSABLE, "no output")
        originals = [_unalias(item).copy() for item in items]
        aliases = {item.alias.lower(): i for i, item in enumerate(items) if item.alias}
        keys = self._group_keys(originals, aliases)
        order = self._order_items(items, aliases)
        outputs = [_unalias(item) for item in items]
        for output in outputs:
            if isinstance(output, exp.Star):
                raise QueryRefused(Refusal.ROW_LEVEL_OUTPUT, "*")
            scope.walk(output, Where("SELECT", aggregates=True))
        for key in keys:
            scope.walk(key, Where("GROUP BY", aggregates=False))
        # a constant groups nothing, and DuckDB would read a bare integer as an ordinal
        keys = [key for key in keys if key.find(exp.Column)]
        if DATA_TABLE not in scope.tables.values():
            raise QueryRefused(Refusal.UNKNOWN_TABLE, f"no {DATA_TABLE} table")
        where = select.args.get("where")
        if where is not None:
            scope.walk(where.this, Where("WHERE", aggregates=False))
        for join in select.args.get("joins") or []:
            scope.walk(join.args["on"], Where("JOIN ON", aggregates=False))
        self._having(keys)
        if not keys and not any(item.find(*AGGREGATES) for item in outputs):
            raise QueryRefused(Refusal.ROW_LEVEL_OUTPUT, _label(outputs[0]))
        roles = [self._role(output, keys) for output in outputs]
        self._check_order(order, keys, roles)
        if keys:
            select.set("group", exp.Group(expressions=keys))
        limit, offset = _number(select, "limit"), _number(select, "offset") or 0
        names = _output_names(items, originals)
        columns, hidden = self._columns(outputs, names, roles)
        row_cap = SCAN_FACTOR * (self.policy.max_rows + offset)
        select.set("expressions", columns + hidden)
        select.set("offset", None)
        select.set("limit", exp.Limit(expression=exp.Literal.number(row_cap + 1)))
        return CheckedQuery(
            text=text,
            sql=select.sql(dialect=DIALECT, identify=True, comments=False),
            outputs=tuple(
                OutputColumn(name, role, aggregate=agg, source=src)
                for name, (role, agg, src) in zip(names, roles, strict=True)
            ),
            hidden=tuple(column.alias for column in hidden),
            group_by=tuple(_key_label(key) for key in keys),
            joins_buyer_table=BUYER_TABLE in scope.tables.values(),
            limit=limit,
            offset=offset,
            row_cap=row_cap,
        )

    def _group_keys(
        self, originals: list[exp.Expr], aliases: dict[str, int]
    ) -> list[exp.Expr]:
        """GROUP BY items, an ordinal or an output's alias replaced by the output's expression."""
        group = self.select.args.get("group")
        keys: list[exp.Expr] = []
        for item in group.expressions if isinstance(group, exp.Group) else []:
            position = _ordinal(item)
            if position is not None:
                if not 1 <= position <= len(originals):
                    raise QueryRefused(Refusal.UNPARSABLE, f"GROUP BY {position}")
                item = originals[position - 1].copy()
            elif self._names_alias(item, aliases):
                item = originals[aliases[item.name.lower()]].copy()
            keys.append(item)
        return keys

    def _names_alias(self, item: exp.Expr, aliases: dict[str, int]) -> bool:
        """A bare name that is no column but an output's alias (DuckDB prefers columns)."""
        if not isinstance(item, exp.Column) or item.table or item.name.lower() not in aliases:
            return False
        return not self.scope.names_column(item.name)

    def _order_items(
        self, items: list[exp.Expr], aliases: dict[str, int]
    ) -> list[exp.Ordered]:
        """ORDER BY items, an output's alias replaced by its ordinal."""
        order = self.select.args.get("order")
        ordered = list(order.expressions) if isinstance(order, exp.Order) else []
        for item in ordered:
            extra = [k for k, v in item.args.items() if v and k not in ORDER_ARGS]
            if extra:
                raise QueryRefused(Refusal.UNPARSABLE, f"ORDER BY … {extra[0].upper()}")
            target = item.this
            if isinstance(target, exp.Column) and not target.table:
                position = aliases.get(target.name.lower())
                if position is not None:
                    item.set("this", exp.Literal.number(position + 1))
        return ordered

    def _having(self, keys: list[exp.Expr]) -> None:
        having = self.select.args.get("having")
        if having is None:
            return
        if self.scope.dp:
            raise QueryRefused(Refusal.NOT_UNDER_DP, "HAVING")
        self.scope.walk(having.this, Where("HAVING", aggregates=True))
        if not determined(having.this, keys):
            raise QueryRefused(Refusal.ROW_LEVEL_OUTPUT, _label(having.this))

    def _role(
        self, output: exp.Expr, keys: list[exp.Expr]
    ) -> tuple[OutputRole, Aggregate | None, str | None]:
        if not determined(output, keys):
            raise QueryRefused(Refusal.ROW_LEVEL_OUTPUT, _label(output))
        if not output.find(*AGGREGATES):
            source = output.name if isinstance(output, exp.Column) and _is_data(output) else None
            return OutputRole.KEY, None, source
        inner = output.unnest()
        aggregate = AGGREGATES.get(type(inner))
        if aggregate is None:
            if self.scope.dp:
                raise QueryRefused(Refusal.NOT_UNDER_DP, _label(output))
            return OutputRole.AGGREGATE, None, None
        argument = inner.this
        if isinstance(argument, exp.Distinct):
            argument = argument.expressions[0]
        source = argument.name if isinstance(argument, exp.Column) and _is_data(argument) else None
        return OutputRole.AGGREGATE, aggregate, source

    def _check_order(
        self,
        order: list[exp.Ordered],
        keys: list[exp.Expr],
        roles: list[tuple[OutputRole, Aggregate | None, str | None]],
    ) -> None:
        """ORDER BY an output's ordinal, a group key or an aggregate (under DP keys only)."""
        for item in order:
            position = _ordinal(item.this)
            if position is not None:
                if not 1 <= position <= len(roles):
                    raise QueryRefused(Refusal.UNPARSABLE, f"ORDER BY {position}")
                if self.scope.dp and roles[position - 1][0] is OutputRole.AGGREGATE:
                    raise QueryRefused(Refusal.NOT_UNDER_DP, f"ORDER BY {position}")
                continue
            self.scope.walk(item.this, Where("ORDER BY", aggregates=True))
            if not determined(item.this, keys):
                raise QueryRefused(Refusal.ROW_LEVEL_OUTPUT, _label(item.this))
            if self.scope.dp and item.this.find(*AGGREGATES):
                raise QueryRefused(Refusal.NOT_UNDER_DP, f"ORDER BY {_label(item.this)}")

    def _columns(
        self,
        outputs: list[exp.Expr],
        names: list[str],
        roles: list[tuple[OutputRole, Aggregate | None, str | None]],
    ) -> tuple[list[exp.Expr], list[exp.Expr]]:
        """The output columns, named, then the hidden ones; sums clamped under DP."""
        columns: list[exp.Expr] = []
        hidden: list[exp.Expr] = []
        for position, (output, name, (_, aggregate, _)) in enumerate(
            zip(outputs, names, roles, strict=True)
        ):
            if self.scope.dp and aggregate in (Aggregate.SUM, Aggregate.AVG):
                inner = output.unnest()
                clamped = exp.Sum(this=self._clamp(inner.this))
                if aggregate is Aggregate.AVG:
                    total, count = avg_parts(position)
                    hidden.append(exp.alias_(clamped, total, quoted=True))
                    hidden.append(exp.alias_(exp.Count(this=inner.this.copy()), count, quoted=True))
                    output = exp.cast(exp.null(), exp.DataType.Type.DOUBLE)
                else:
                    output = clamped
            columns.append(exp.alias_(output, name, quoted=True))
        size: exp.Expr = exp.Count(this=exp.Star())
        if BUYER_TABLE in self.scope.tables.values():
            rowid = exp.column("rowid", DATA_TABLE)
            size = exp.Count(this=exp.Distinct(expressions=[rowid]))
        hidden.append(exp.alias_(size, GROUP_SIZE, quoted=True))
        return columns, hidden

    def _clamp(self, column: exp.Expr) -> exp.Expr:
        """The column clamped to its declared bounds; NULL stays NULL (DuckDB's GREATEST
        would turn it into the lower bound)."""
        rule = self.policy.rule(column.name)
        assert rule is not None and rule.lower is not None and rule.upper is not None
        low, high = exp.Literal.number(rule.lower), exp.Literal.number(rule.upper)
        return exp.Case(
            ifs=[
                exp.If(this=exp.LT(this=column.copy(), expression=low.copy()), true=low),
                exp.If(this=exp.GT(this=column.copy(), expression=high.copy()), true=high),
            ],
            default=column.copy(),
        )


def _unalias(item: exp.Expr) -> exp.Expr:
    return item.this if isinstance(item, exp.Alias) else item


def _is_data(column: exp.Column) -> bool:
    return column.table == DATA_TABLE


def _ordinal(item: exp.Expr) -> int | None:
    if isinstance(item, exp.Literal) and not item.is_string and item.this.isdigit():
        return int(item.this)
    return None


def _number(select: exp.Select, clause: str) -> int | None:
    """The buyer's LIMIT or OFFSET as a number; anything but a plain count is refused."""
    node = select.args.get(clause)
    if node is None:
        return None
    value = node.args.get("expression") if isinstance(node, exp.Limit | exp.Offset) else None
    position = _ordinal(value) if isinstance(value, exp.Expr) else None
    extra = [k for k, v in node.args.items() if v and k != "expression"]
    if position is None or extra or position > MAX_LIMIT:
        raise QueryRefused(Refusal.UNPARSABLE, node.sql(DIALECT))
    return position


def _key_label(key: exp.Expr) -> str:
    return key.name if isinstance(key, exp.Column) else key.sql(DIALECT)


def _label(node: exp.Expr) -> str:
    return node.sql(DIALECT)[:200]


def _output_names(items: list[exp.Expr], originals: list[exp.Expr]) -> list[str]:
    """Each output's alias or a clean generated name, unique, never a hidden column's."""
    names: list[str] = []
    taken: set[str] = set()
    for position, (item, original) in enumerate(zip(items, originals, strict=True)):
        base = (item.alias or _generated_name(original) or "").lstrip("_")
        base = base or f"column_{position + 1}"
        name, suffix = base, 2
        while name.lower() in taken:
            name, suffix = f"{base}_{suffix}", suffix + 1
        taken.add(name.lower())
        names.append(name)
    return names


def _generated_name(node: exp.Expr) -> str | None:
    node = node.unnest()
    if isinstance(node, exp.Column):
        return node.name
    aggregate = AGGREGATES.get(type(node))
    if aggregate is None:
        return None
    argument = node.this
    if isinstance(argument, exp.Star):
        return str(aggregate)
    if isinstance(argument, exp.Distinct) and len(argument.expressions) == 1:
        inner = argument.expressions[0]
        return f"{aggregate}_distinct_{inner.name}" if isinstance(inner, exp.Column) else None
    return f"{aggregate}_{argument.name}" if isinstance(argument, exp.Column) else None


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
                raise QueryRefused(Refusal.FUNCTION_NOT_ALLOWED, _label(node))
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
            raise QueryRefused(Refusal.FUNCTION_NOT_ALLOWED, _label(node))
        if isinstance(argument, exp.Star):
            if aggregate is not Aggregate.COUNT or any(argument.args.values()):
                raise QueryRefused(Refusal.FUNCTION_NOT_ALLOWED, _label(node))
            return
        if isinstance(argument, exp.Distinct):
            extra = [k for k, v in argument.args.items() if v and k != "expressions"]
            if aggregate is not Aggregate.COUNT or len(argument.expressions) != 1 or extra:
                raise QueryRefused(Refusal.FUNCTION_NOT_ALLOWED, _label(node))
            if self.dp:
                raise QueryRefused(Refusal.NOT_UNDER_DP, "COUNT(DISTINCT)")
            # DISTINCT treats its argument as a key: aggregate-only columns may not be counted
            self.walk(argument.expressions[0], Where("COUNT(DISTINCT)", aggregates=False))
            return
        if self.dp and (aggregate not in DP_AGGREGATES or not isinstance(argument, exp.Column)):
            raise QueryRefused(Refusal.NOT_UNDER_DP, _label(node))
        # An aggregate reads one column as it is: SUM(CASE WHEN name = 'Li' THEN salary END)
        # would read one person's value out of a group of any size.
        if not isinstance(argument, exp.Column):
            raise QueryRefused(Refusal.FUNCTION_NOT_ALLOWED, _label(node))
        self.walk(argument, Where(where.clause, aggregates=False, inside=True))
        if aggregate in (Aggregate.MIN, Aggregate.MAX):
            # The least or greatest value is one record's own: only a group key's may be shown.
            rule = self.rules.get(argument.name.lower())
            if argument.table != BUYER_TABLE and (rule is None or rule.use is not ColumnUse.GROUP):
                raise QueryRefused(Refusal.FUNCTION_NOT_ALLOWED, _label(node))
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
