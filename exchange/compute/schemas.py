"""What the computation API reads and answers: a product's query policy, a buyer's query, the
vendor's decision, and the console, queries and approvals as they are shown."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from exchange.compute.checker import MAX_QUERY_CHARS
from exchange.compute.domain import ColumnRule, ColumnUse, ComputePolicy
from exchange.http.schemas import BaseSchema, choice, text

MAX_COLUMNS = 1000


def _range(low: float, high: float) -> validate.Range:
    return validate.Range(min=low, max=high, error=_l("Enter a number from {min} to {max}."))


MIN_EPSILON = 0.001


def _epsilon(**kwargs: Any) -> fields.Float:
    return fields.Float(
        load_default=None,
        allow_none=True,
        allow_nan=False,
        # Below 0.001 a query's noise hides everything and the key threshold outgrows any data.
        validate=_range(MIN_EPSILON, 100),
        **kwargs,
    )


class ColumnRuleSchema(BaseSchema):
    name = text(200)
    use = choice(ColumnUse, required=True)
    lower = fields.Float(load_default=None, allow_none=True, allow_nan=False)
    upper = fields.Float(load_default=None, allow_none=True, allow_nan=False)


class PolicyInputSchema(BaseSchema):
    columns = fields.List(
        fields.Nested(ColumnRuleSchema),
        required=True,
        validate=validate.Length(max=MAX_COLUMNS),
    )
    min_group_size = fields.Integer(required=True, validate=_range(2, 100_000))
    max_rows = fields.Integer(required=True, validate=_range(1, 10_000))
    epsilon_budget = _epsilon(metadata={"description": "ε per contract; none: thresholds only"})
    epsilon_per_query = _epsilon(metadata={"description": "ε each query spends"})
    needs_approval = fields.Boolean(load_default=False)
    allow_join = fields.Boolean(load_default=False)

    @validates_schema
    def _distinct(self, data: dict[str, Any], **kwargs: Any) -> None:
        names = [rule["name"] for rule in data.get("columns", [])]
        if len(names) != len(set(names)):
            raise ValidationError(str(_l("Name each column once.")), "columns")

    @post_load
    def _policy(self, data: dict[str, Any], **kwargs: Any) -> ComputePolicy:
        return ComputePolicy(
            columns=tuple(ColumnRule(**rule) for rule in data["columns"]),
            min_group_size=data["min_group_size"],
            max_rows=data["max_rows"],
            epsilon_budget=data["epsilon_budget"],
            epsilon_per_query=data["epsilon_per_query"],
            needs_approval=data["needs_approval"],
            allow_join=data["allow_join"],
        )


class PolicyColumnSchema(Schema):
    name = fields.String()
    type = fields.String()
    personal = fields.Boolean()
    use = fields.String()
    lower = fields.Float(allow_none=True)
    upper = fields.Float(allow_none=True)


class PolicySchema(Schema):
    product_id = fields.Integer()
    version = fields.Integer(allow_none=True, metadata={"description": "None until saved"})
    columns = fields.List(fields.Nested(PolicyColumnSchema))
    min_group_size = fields.Integer()
    max_rows = fields.Integer()
    epsilon_budget = fields.Float(allow_none=True)
    epsilon_per_query = fields.Float(allow_none=True)
    needs_approval = fields.Boolean()
    allow_join = fields.Boolean()
    protection = fields.String(allow_none=True)
    group_threshold = fields.Integer(
        allow_none=True,
        metadata={"description": "the least (noisy) size at which a grouped row is released"},
    )
    saved_at = fields.AwareDateTime(allow_none=True)


class QueryInputSchema(BaseSchema):
    text = text(MAX_QUERY_CHARS, metadata={"description": "One aggregate SELECT over `data`"})


class QueryDecisionSchema(BaseSchema):
    approve = fields.Boolean(required=True)
    reason = text(1000, required=False)


class ResultArgsSchema(BaseSchema):
    format = fields.String(
        load_default="csv",
        validate=validate.OneOf(["csv", "json"], error=_l("Choose one of: {choices}.")),
    )


class QueryReasonSchema(Schema):
    message = fields.String()
    params = fields.Dict()


class QuerySchema(Schema):
    id = fields.Integer()
    contract_id = fields.Integer()
    status = fields.String()
    text = fields.String()
    refusal = fields.String(allow_none=True, metadata={"description": "the rule broken"})
    reason = fields.Nested(QueryReasonSchema, allow_none=True)
    policy_version = fields.Integer()
    columns = fields.List(fields.String(), allow_none=True)
    rows = fields.List(fields.List(fields.Raw()), allow_none=True)
    epsilon_spent = fields.Float()
    result_hash = fields.String(allow_none=True)
    ledger_seq = fields.Integer(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    ran_at = fields.AwareDateTime(allow_none=True)


class PendingQuerySchema(QuerySchema):
    product_id = fields.Integer()
    title_zh = fields.String()
    title_en = fields.String()


class LicensedColumnSchema(Schema):
    name = fields.String()
    type = fields.String()
    use = fields.String()


class BuyerTableSchema(Schema):
    columns = fields.List(fields.String())
    types = fields.List(fields.String())
    rows = fields.Integer()


class ConsoleSchema(Schema):
    contract_id = fields.Integer()
    product_id = fields.Integer()
    title_zh = fields.String()
    title_en = fields.String()
    policy_version = fields.Integer()
    columns = fields.List(fields.Nested(LicensedColumnSchema))
    min_group_size = fields.Integer()
    max_rows = fields.Integer()
    needs_approval = fields.Boolean()
    protection = fields.String()
    queries_left = fields.Integer()
    query_quota = fields.Integer()
    epsilon_budget = fields.Float(allow_none=True)
    epsilon_left = fields.Float(allow_none=True)
    epsilon_per_query = fields.Float(allow_none=True)
    examples = fields.List(fields.String())
    sample = fields.Dict(allow_none=True, metadata={"description": "the masked sample"})
    allow_join = fields.Boolean()
    buyer_table = fields.Nested(BuyerTableSchema, allow_none=True)
    queries = fields.List(fields.Nested(QuerySchema))
