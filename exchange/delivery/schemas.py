"""What the data API reads and answers: a page of rows asked for by fields, filters and cursor,
and a product's metered usage as its vendor sees it."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, post_load, validate

from exchange.http.schemas import BaseSchema, text

_WHERE_HELP = (
    "A filter on a declared column, `column:op:value` with op one of eq, ne, lt, lte, gt, gte, "
    "compared as the column's declared type; repeat the parameter for more (at most 10)."
)


class RowsArgsSchema(BaseSchema):
    fields_ = text(
        4000,
        required=False,
        data_key="fields",
        attribute="fields",
        metadata={"description": "The columns to return, comma-separated (default: all)."},
    )
    where = fields.List(
        text(1000),
        load_default=list,
        validate=validate.Length(max=10, error=_l("At most {max} filters may be given.")),
        metadata={"description": _WHERE_HELP},
    )
    cursor = text(1000, required=False, metadata={"description": "The previous page's cursor."})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    version = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=32767),
        metadata={"description": "A ready version (default: the latest)."},
    )

    @post_load
    def _split_fields(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if data.get("fields"):
            names = tuple(name.strip() for name in data["fields"].split(",") if name.strip())
            if not names or len(names) > 1000:
                raise ValidationError(str(_l("Name at least one column.")), "fields")
            data["fields"] = names
        else:
            data["fields"] = None
        return data


class JsonRows(fields.List[dict[str, Any]]):
    """Rows already written as JSON cells (exchange.delivery.rows): dumped as they are, not
    copied row by row; documented as the list of objects they are."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value


class ServedRowsSchema(Schema):
    product_id = fields.Integer()
    version = fields.Integer()
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields")
    rows = JsonRows(
        fields.Dict(),
        metadata={
            "description": "Rows of the buyer's copy: integers as numbers, decimals as exact "
            "strings, dates in ISO 8601, personal columns in the contract's forms."
        },
    )
    next_cursor = fields.String(allow_none=True)
    quota = fields.Integer()
    used = fields.Integer()
    remaining = fields.Integer()


class UsageDaySchema(Schema):
    day = fields.Date()
    calls = fields.Integer()
    rows = fields.Integer()
    calls_hash = fields.String(
        allow_none=True, metadata={"description": "SHA-256 over the day's calls; None while open"}
    )
    ledger_seq = fields.Integer(
        allow_none=True, metadata={"description": "The day's ledger entry; None while open"}
    )


class UsagePartySchema(Schema):
    id = fields.Integer()
    name_zh = fields.String()
    name_en = fields.String()


class ContractUsageSchema(Schema):
    contract_id = fields.Integer()
    contract_number = fields.String()
    buyer = fields.Nested(UsagePartySchema, allow_none=True)
    quota = fields.Integer()
    used = fields.Integer()
    expires_at = fields.AwareDateTime()
    key_live = fields.Boolean()
    days = fields.List(fields.Nested(UsageDaySchema))


class ProductUsageSchema(Schema):
    product_id = fields.Integer()
    title_zh = fields.String()
    title_en = fields.String()
    contracts = fields.List(fields.Nested(ContractUsageSchema))
