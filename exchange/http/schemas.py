"""marshmallow schemas at the edge: shapes and lengths of input, and what output looks like."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from exchange.domain.vocabulary import Role, VerificationStatus

Member = TypeVar("Member", bound=Enum)


class Text(fields.String):
    """A string with surrounding whitespace removed before validation."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


def text(max_length: int, *, required: bool = True, **kwargs: Any) -> Text:
    """A text field with the exchange's translated length message."""
    length = validate.Length(
        min=1 if required else 0,
        max=max_length,
        error=_l("Enter between {min} and {max} characters."),
    )
    if not required:
        kwargs.setdefault("load_default", None)
        kwargs.setdefault("allow_none", True)
    return Text(required=required, validate=length, **kwargs)


def email(**kwargs: Any) -> fields.Email:
    """An email address, at most 254 characters."""
    return fields.Email(
        validate=validate.Length(max=254, error=_l("Enter at most {max} characters.")), **kwargs
    )


class Choice(fields.Enum[Member]):
    """An enumeration field whose translated (lazy) message still gets its choices filled in."""

    def make_error(self, key: str, **kwargs: Any) -> ValidationError:
        # marshmallow formats only plain str messages; lazy_gettext gives a LazyString.
        message = self.error_messages.get(key)
        if message is not None and not isinstance(message, str | bytes):
            return ValidationError(str(message).format(**kwargs))
        return super().make_error(key, **kwargs)


def choice(enum_type: type[Member], **kwargs: Any) -> fields.Enum[Member]:
    """One value of an enumeration, by value, with a translated message."""
    return Choice(
        enum_type,
        by_value=True,
        error_messages={"unknown": _l("Choose one of: {choices}.")},
        **kwargs,
    )


# What every number from outside must fit unless its field says tighter: ids and counts fit
# PostgreSQL's integer (every id column), amounts fit the exchange's money columns (14 digits,
# 2 after the point). Past these, a value overflowed the database or the decimal context: a 500.
INTEGER_RANGE = validate.Range(
    min=-(2**31), max=2**31 - 1, error=_l("Enter a number from {min} to {max}.")
)
DECIMAL_RANGE = validate.Range(
    min=Decimal("-999999999999.99"),
    max=Decimal("999999999999.99"),
    error=_l("Enter a number from {min} to {max}."),
)
FLOAT_RANGE = validate.Range(min=-1e12, max=1e12, error=_l("Enter a number from {min} to {max}."))


def bound_numbers(field: fields.Field[Any]) -> None:
    """Give a number field (or the numbers inside a list or tuple field) the storable range,
    unless it already carries a range of its own."""
    if isinstance(field, fields.List):
        bound_numbers(field.inner)
    elif isinstance(field, fields.Tuple):
        for inner in field.tuple_fields:
            bound_numbers(inner)
    elif isinstance(field, fields.Number) and not any(
        isinstance(check, validate.Range) for check in field.validators
    ):
        if isinstance(field, fields.Decimal):
            field.validators.append(DECIMAL_RANGE)
        elif isinstance(field, fields.Integer):
            field.validators.append(INTEGER_RANGE)
        else:
            field.validators.append(FLOAT_RANGE)


class BaseSchema(Schema):
    """Every schema that reads input: unknown fields refused, every number storable."""

    class Meta:
        unknown = RAISE

    def on_bind_field(self, field_name: str, field_obj: fields.Field[Any]) -> None:
        """Bound each number field as it is bound to the schema."""
        bound_numbers(field_obj)


class OrganisationDetailsSchema(BaseSchema):
    name_zh = text(120)
    name_en = text(200)
    credit_code = text(24)
    region = text(32)
    dcmm_level = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=5, error=_l("DCMM levels run from {min} to {max}.")),
    )
    dcmm_certificate_no = text(64, required=False)
    contact_name = text(80)
    contact_phone = text(32)
    contact_email = email(required=True)


class RegistrationSchema(OrganisationDetailsSchema):
    email = email(required=True)
    display_name = text(80)
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(max=1024, error=_l("Enter at most {max} characters.")),
    )
    roles = fields.List(choice(Role), required=True)


class RegisteredSchema(Schema):
    """The same answer for every registration, so it tells no one whether an email is known."""

    detail = fields.String()


class TokenRequestSchema(BaseSchema):
    email = email(required=True)
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(max=1024, error=_l("Enter at most {max} characters.")),
    )
    name = text(80, required=False)
    lifetime_hours = fields.Integer(load_default=None, allow_none=True)


class TokenSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()
    revoked_at = fields.AwareDateTime(allow_none=True)


class IssuedTokenSchema(Schema):
    id = fields.Integer()
    token = fields.String(metadata={"description": "Shown once; send as 'Authorization: Bearer'."})
    name = fields.String()
    expires_at = fields.AwareDateTime()


class MembershipSchema(Schema):
    organisation_id = fields.Integer()
    name_zh = fields.String()
    name_en = fields.String()
    verification_status = fields.Enum(VerificationStatus, by_value=True)
    roles = fields.Function(lambda membership: sorted(role.value for role in membership.roles))
    is_admin = fields.Boolean()


class MeSchema(Schema):
    user_id = fields.Integer()
    email = fields.String()
    display_name = fields.String()
    locale = fields.String(allow_none=True)
    memberships = fields.List(fields.Nested(MembershipSchema))


class ProfileUpdateSchema(BaseSchema):
    display_name = Text(
        validate=validate.Length(
            min=1, max=80, error=_l("Enter between {min} and {max} characters.")
        )
    )
    locale = fields.String(
        validate=validate.OneOf(["zh_CN", "en"], error=_l("Choose Chinese or English."))
    )
    current_password = fields.String(load_only=True, validate=validate.Length(max=1024))
    new_password = fields.String(load_only=True, validate=validate.Length(max=1024))


class MemberSchema(Schema):
    user_id = fields.Integer()
    email = fields.String()
    display_name = fields.String()
    roles = fields.List(fields.Enum(Role, by_value=True))
    is_admin = fields.Boolean()


class OrganisationSchema(Schema):
    id = fields.Integer()
    name_zh = fields.String()
    name_en = fields.String()
    region = fields.String()
    dcmm_level = fields.Integer(allow_none=True)
    verification_status = fields.Enum(VerificationStatus, by_value=True)
    credit_code = fields.String()
    dcmm_certificate_no = fields.String(allow_none=True)
    contact_name = fields.String()
    contact_phone = fields.String()
    contact_email = fields.String()
    verification_note = fields.String(allow_none=True)
    verified_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    member_count = fields.Integer()
    members = fields.List(fields.Nested(MemberSchema))


class OrganisationQuerySchema(BaseSchema):
    status = choice(VerificationStatus, load_default=None)


class NewMemberSchema(BaseSchema):
    email = email(required=True)
    display_name = text(80)
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(max=1024, error=_l("Enter at most {max} characters.")),
    )
    roles = fields.List(choice(Role), required=True)
    is_admin = fields.Boolean(load_default=False)


class RolesSchema(BaseSchema):
    roles = fields.List(choice(Role), required=True)


class VerificationDecisionSchema(BaseSchema):
    decision = choice(VerificationStatus, required=True)
    note = text(2000, required=False)


class AuditQuerySchema(BaseSchema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    before_id = fields.Integer(load_default=None, allow_none=True)


class AuditEventSchema(Schema):
    id = fields.Integer()
    occurred_at = fields.AwareDateTime()
    action = fields.String()
    actor_id = fields.Integer(allow_none=True)
    organisation_id = fields.Integer(allow_none=True)
    subject = fields.String(allow_none=True)
    client_address = fields.String(allow_none=True)
    detail = fields.Dict()


class HealthSchema(Schema):
    status = fields.String()
    database = fields.Dict()
    chain = fields.Dict()


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
