"""Schemas of the rights registry: applications, objections and decisions in; registrations,
rights, licences and certificates out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from marshmallow.types import StrSequenceOrSet

from exchange.catalog.domain import Territory, UseScope
from exchange.catalog.schemas import VendorSchema
from exchange.http.schemas import BaseSchema, choice, text
from exchange.kernel import json_depth
from exchange.rights.domain import (
    GrantStatus,
    ObjectionStatus,
    RecordStatus,
    RegistrationStatus,
    RightKind,
    RightSource,
)

MAX_CLAIMS = 9  # three rights, each over up to three scopes
MAX_DOCUMENTS = 10  # as many as the registry stores with one application


def _distinct(values: list[Any]) -> None:
    if len(set(values)) != len(values):
        raise ValidationError(str(_l("Name each use once.")))


class JsonObject(fields.Nested):
    """A nested object sent as a JSON string, the way a multipart form carries structured data
    beside its files (OpenAPI describes an object part of a multipart body as JSON already)."""

    def _deserialize(
        self,
        value: Any,
        attr: str | None,
        data: Mapping[str, Any] | None,
        partial: bool | StrSequenceOrSet | None = None,
        **kwargs: Any,
    ) -> Any:
        if not isinstance(value, str):
            raise ValidationError(str(_l("Send this field as a JSON object.")))
        try:
            parsed = json_depth.loads(value)
        except ValueError as error:
            raise ValidationError(str(_l("This is not valid JSON."))) from error
        return super()._deserialize(parsed, attr, data, partial=partial, **kwargs)


# In


class ClaimSchema(BaseSchema):
    """One right claimed over a scope and a period (dates inclusive)."""

    right = choice(RightKind, required=True)
    uses = fields.List(
        choice(UseScope),
        required=True,
        validate=[
            validate.Length(min=1, error=_l("Name at least one use the right covers.")),
            _distinct,
        ],
    )
    territory = choice(Territory, required=True)
    exclusive = fields.Boolean(load_default=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(
        load_default=None, allow_none=True, metadata={"description": "null: until further notice"}
    )

    @validates_schema
    def _period(self, data: dict[str, Any], **kwargs: Any) -> None:
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            raise ValidationError(str(_l("A right cannot end before it starts.")), "ends_on")


class StatedDocumentSchema(BaseSchema):
    """The SHA-256 the sender states for one of the files it sends."""

    name = text(200, metadata={"description": "the file name as sent in `documents`"})
    sha256 = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[0-9a-fA-F]{64}$", error=_l("Give the SHA-256 as 64 hexadecimal digits.")
        ),
    )


class ApplicationSchema(BaseSchema):
    """What an application claims, sent as JSON in the `application` part."""

    product_id = fields.Integer(required=True, strict=True)
    rights = fields.List(
        fields.Nested(ClaimSchema),
        required=True,
        validate=validate.Length(
            min=1, max=MAX_CLAIMS, error=_l("Claim between {min} and {max} rights.")
        ),
    )
    source = choice(RightSource, required=True)
    source_reference = text(500, required=False)
    basis_grant_ids = fields.List(
        fields.Integer(strict=True),
        load_default=list,
        validate=validate.Length(max=20, error=_l("Name at most {max} licences.")),
        metadata={"description": "a derivative product's licences (source `derived`)"},
    )
    documents = fields.List(
        fields.Nested(StatedDocumentSchema),
        load_default=list,
        validate=validate.Length(
            max=MAX_DOCUMENTS, error=_l("State at most {max} documents' hashes.")
        ),
        metadata={"description": "optional: the SHA-256 of each file, checked on receipt"},
    )

    @validates_schema
    def _one_hash_per_name(self, data: dict[str, Any], **kwargs: Any) -> None:
        names = [stated["name"] for stated in data.get("documents", [])]
        if len(set(names)) != len(names):
            raise ValidationError(str(_l("State each document's hash once.")), "documents")


class ApplicationFormSchema(BaseSchema):
    """The form part of an application; the basis documents come as files in `documents`."""

    application = JsonObject(ApplicationSchema, required=True)


class ObjectionInputSchema(BaseSchema):
    """Why an organisation objects; evidence files, if any, come as `evidence` parts."""

    reasons = text(4000)


class DecisionSchema(BaseSchema):
    decision = fields.String(
        required=True,
        validate=validate.OneOf(["uphold", "dismiss"], error=_l("Choose one of: {choices}.")),
    )
    reason = text(2000)


# Out


class ProductRefSchema(Schema):
    id = fields.Integer()
    title_zh = fields.String()
    title_en = fields.String()


class RightsRecordSchema(Schema):
    """One right: who holds it, over what, until when, and where it came from."""

    id = fields.Integer()
    product_id = fields.Integer()
    product = fields.Nested(ProductRefSchema, allow_none=True)
    right = fields.Enum(RightKind, by_value=True)
    holder = fields.Nested(VendorSchema, allow_none=True)
    uses = fields.List(fields.String())
    territory = fields.Enum(Territory, by_value=True)
    exclusive = fields.Boolean()
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    status = fields.Enum(RecordStatus, by_value=True)
    registration_id = fields.Integer(allow_none=True)
    transferred_from_id = fields.Integer(allow_none=True)
    contract_ref = fields.String(allow_none=True)
    closed_by_contract = fields.String(allow_none=True)
    ledger_seq = fields.Integer(allow_none=True)


class LicenceGrantSchema(Schema):
    """A licence a trade gave: who may use what, from whom, until when."""

    id = fields.Integer()
    product_id = fields.Integer()
    product = fields.Nested(ProductRefSchema, allow_none=True)
    grantor = fields.Nested(VendorSchema, allow_none=True)
    grantee = fields.Nested(VendorSchema, allow_none=True)
    uses = fields.List(fields.String())
    territory = fields.Enum(Territory, by_value=True)
    starts_on = fields.Date()
    ends_on = fields.Date()
    derivative = fields.Boolean()
    contract_ref = fields.String()
    status = fields.Enum(GrantStatus, by_value=True)
    ledger_seq = fields.Integer()


class RightsRegistrationSummarySchema(Schema):
    id = fields.Integer()
    number = fields.String()
    status = fields.Enum(RegistrationStatus, by_value=True)
    product = fields.Nested(ProductRefSchema, allow_none=True)
    applicant = fields.Nested(VendorSchema, allow_none=True)
    rights = fields.List(fields.Enum(RightKind, by_value=True))
    applied_at = fields.AwareDateTime()
    notice_ends_at = fields.AwareDateTime()
    objections = fields.Integer()
    open_objections = fields.Integer()
    certificate = fields.String(allow_none=True, metadata={"description": "its number, if any"})


class RightsDocumentSchema(Schema):
    id = fields.Integer()
    file_name = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()


class ConflictingRegistrationSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    applicant = fields.Nested(VendorSchema, allow_none=True)


class RightsObjectionSchema(Schema):
    """An objection as this caller may see it: reasons and evidence only for those involved."""

    id = fields.Integer()
    objector = fields.Nested(VendorSchema, allow_none=True)
    flagged = fields.Boolean(metadata={"description": "raised by the exchange: the same data"})
    conflicts_with = fields.Nested(ConflictingRegistrationSchema, allow_none=True)
    reasons = fields.String(allow_none=True)
    evidence = fields.List(fields.Nested(RightsDocumentSchema))
    status = fields.Enum(ObjectionStatus, by_value=True)
    decision_reason = fields.String(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    raised_at = fields.AwareDateTime()
    ledger_seq = fields.Integer(allow_none=True)
    decision_seq = fields.Integer(allow_none=True)


class RightsRegistrationSchema(RightsRegistrationSummarySchema):
    """A registration with its claims, documents, objections and what this caller may do."""

    source = fields.Enum(RightSource, by_value=True)
    source_reference = fields.String(allow_none=True)
    basis_grant_ids = fields.List(fields.Integer())
    data_sha256 = fields.String()
    hash_name = fields.String()
    registration_hash = fields.String()
    canonical = fields.String(metadata={"description": "the JSON hashed, exactly as hashed"})
    ledger_seq = fields.Integer()
    decided_at = fields.AwareDateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    records = fields.List(fields.Nested(RightsRecordSchema))
    documents = fields.List(fields.Nested(RightsDocumentSchema))
    documents_open = fields.Boolean(metadata={"description": "whether the caller may download"})
    objection_list = fields.List(fields.Nested(RightsObjectionSchema))
    notice_open = fields.Boolean()
    may_object = fields.Boolean()
    may_withdraw = fields.Boolean()
    may_decide = fields.Boolean()


class ObjectionOutcomeSchema(Schema):
    """An objection raised or decided, and the registration as it now stands."""

    objection_id = fields.Integer()
    status = fields.Enum(ObjectionStatus, by_value=True)
    registration = fields.Nested(RightsRegistrationSchema)


class NoticeBoardSchema(Schema):
    on_notice = fields.List(fields.Nested(RightsRegistrationSummarySchema))
    certified = fields.List(fields.Nested(RightsRegistrationSummarySchema))
    now = fields.AwareDateTime()


class ProductRightsSchema(Schema):
    records = fields.List(fields.Nested(RightsRecordSchema))
    registrations = fields.List(fields.Nested(RightsRegistrationSummarySchema))
    grants = fields.List(
        fields.Nested(LicenceGrantSchema),
        metadata={"description": "only those the caller is party to or supervises"},
    )
    grant_count = fields.Integer(metadata={"description": "every licence in force"})


class MyRightsSchema(Schema):
    registrations = fields.List(fields.Nested(RightsRegistrationSummarySchema))
    records = fields.List(fields.Nested(RightsRecordSchema))
    granted = fields.List(fields.Nested(LicenceGrantSchema))
    received = fields.List(fields.Nested(LicenceGrantSchema))
    objections_raised = fields.List(fields.Nested(RightsRegistrationSummarySchema))


class RightsCertificateSchema(Schema):
    number = fields.String()
    payload = fields.Dict(metadata={"description": "what was signed, as canonical JSON"})
    signature = fields.String(metadata={"description": "Ed25519 over the payload, hex"})
    key_id = fields.String()
    ledger_seq = fields.Integer()
    issued_at = fields.AwareDateTime()
    registration_id = fields.Integer()
    registration_number = fields.String()
    registration_ledger_seq = fields.Integer()
    product_id = fields.Integer()


class VerificationCheckSchema(Schema):
    name = fields.String()
    ok = fields.Boolean(allow_none=True, metadata={"description": "null: not decided yet"})
    detail = fields.String()


class CertificateVerificationSchema(Schema):
    number = fields.String()
    status = fields.String(metadata={"description": "verified, pending or failed"})
    checks = fields.List(fields.Nested(VerificationCheckSchema))


class CertificateKeySchema(Schema):
    algorithm = fields.String()
    key_id = fields.String()
    public_key = fields.String(metadata={"description": "the raw 32-byte public key, hex"})
