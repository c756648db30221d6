"""Rewrites a checked SELECT into the SQL the sandbox runs and what the release needs to know.

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

from sqlglot import exp

from exchange.compute.domain import (
    BUYER_TABLE,
    DATA_TABLE,
    GROUP_SIZE,
    Aggregate,
    CheckedQuery,
    OutputColumn,
    OutputRole,
    Refusal,
    avg_parts,
)
from exchange.compute.scope import (
    AGGREGATES,
    DIALECT,
    QueryRefused,
    Scope,
    Where,
    determined,
    label,
)

SCAN_FACTOR = 10  # groups read per group the policy may release, before suppression
# Under a privacy budget the groups read do not follow the buyer's OFFSET: whether a run was cut
# short is exact, so it must not be tunable to hinge on one small group (see release).
DP_ROW_CAP = 100_000
MAX_LIMIT = 100_000  # a LIMIT or OFFSET beyond any release's rows: the scan would be for nothing
ORDER_ARGS = frozenset({"this", "desc", "nulls_first"})


def rewrite(select: exp.Select, scope: Scope, text: str) -> CheckedQuery:
    """The SELECT, its tables registered in the scope, checked and rewritten to run."""
    return _Rewrite(select, scope).run(text)


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
            raise QueryRefused(Refusal.ROW_LEVEL_OUTPUT, label(outputs[0]))
        roles = [self._role(output, keys) for output in outputs]
        self._check_order(order, keys, roles)
        if keys:
            select.set("group", exp.Group(expressions=keys))
        limit, offset = _number(select, "limit"), _number(select, "offset") or 0
        names = _output_names(items, originals)
        columns, hidden = self._columns(outputs, names, roles)
        row_cap = SCAN_FACTOR * (self.policy.max_rows + offset)
        if self.policy.epsilon_budget:
            row_cap = DP_ROW_CAP
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
            raise QueryRefused(Refusal.ROW_LEVEL_OUTPUT, label(having.this))

    def _role(
        self, output: exp.Expr, keys: list[exp.Expr]
    ) -> tuple[OutputRole, Aggregate | None, str | None]:
        if not determined(output, keys):
            raise QueryRefused(Refusal.ROW_LEVEL_OUTPUT, label(output))
        if not output.find(*AGGREGATES):
            source = output.name if isinstance(output, exp.Column) and _is_data(output) else None
            return OutputRole.KEY, None, source
        inner = output.unnest()
        aggregate = AGGREGATES.get(type(inner))
        if aggregate is None:
            if self.scope.dp:
                raise QueryRefused(Refusal.NOT_UNDER_DP, label(output))
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
                raise QueryRefused(Refusal.ROW_LEVEL_OUTPUT, label(item.this))
            if self.scope.dp and item.this.find(*AGGREGATES):
                raise QueryRefused(Refusal.NOT_UNDER_DP, f"ORDER BY {label(item.this)}")

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
