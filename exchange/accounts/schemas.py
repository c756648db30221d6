"""Schemas of accounts: registration, tokens, the caller's profile, organisations and members,
verification decisions and the audit log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from exchange.http.schemas import BaseSchema, Text, choice, email, text
from exchange.kernel.vocabulary import Role, VerificationStatus


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
