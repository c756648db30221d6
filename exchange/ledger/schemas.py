"""Schemas of the contract ledger: a page of entries, one entry with its proof and anchor, and the
report of verifying the whole log."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from exchange.http.schemas import BaseSchema, text


class LedgerQuerySchema(BaseSchema):
    entry_type = text(64, required=False)
    organisation_id = fields.Integer(load_default=None, allow_none=True)
    # The ledger page reads whole days here instead (exchange.ledger.views), so any field may.
    since: fields.Field[Any] = fields.AwareDateTime(load_default=None, allow_none=True)
    until: fields.Field[Any] = fields.AwareDateTime(load_default=None, allow_none=True)
    before_seq = fields.Integer(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))

    @validates_schema
    def _range(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            raise ValidationError(_l("The end of the range must come after its start."), "until")


class LedgerEntrySchema(Schema):
    seq = fields.Integer()
    entry_type = fields.String()
    body = fields.Dict()
    leaf_hash = fields.String()
    recorded_at = fields.AwareDateTime()
    parties = fields.List(fields.Integer())


class AnchorStateSchema(Schema):
    status = fields.String(metadata={"description": "pending, anchored or confirmed"})
    tree_size = fields.Integer()
    tx_hash = fields.String(allow_none=True)
    chain_id = fields.Integer()
    contract_address = fields.String()
    block_number = fields.Integer(allow_none=True)


class LedgerEntryDetailSchema(LedgerEntrySchema):
    tree_size = fields.Integer()
    root = fields.String()
    hash_name = fields.String()
    inclusion_proof = fields.List(fields.String())
    anchor = fields.Nested(AnchorStateSchema)


class LedgerProblemSchema(Schema):
    kind = fields.String()
    detail = fields.String()
    seq = fields.Integer(allow_none=True)
    tree_size = fields.Integer(allow_none=True)


class LedgerReportSchema(Schema):
    ok = fields.Boolean()
    entries = fields.Integer()
    expected_entries = fields.Integer()
    checkpoints = fields.Integer()
    anchors_checked = fields.Integer()
    hash_name = fields.String()
    root = fields.String()
    problems = fields.List(fields.Nested(LedgerProblemSchema))
    chain_error = fields.String(allow_none=True)
