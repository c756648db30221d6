"""Schemas of trading: terms proposed, signatures, payments and disputes in; negotiations,
contracts, payments and entitlements out."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from exchange.catalog.domain import Access, LicenceKind, Territory, UseScope
from exchange.catalog.schemas import Price
from exchange.delivery.domain import EntitlementStatus
from exchange.http.schemas import BaseSchema, choice, text
from exchange.payments.domain import Gateway
from exchange.rights.schemas import ProductRefSchema
from exchange.trading.domain import (
    ContractStatus,
    DisputeStatus,
    KeySource,
    NegotiationStatus,
    RoundAction,
    Side,
    Terms,
)

TERMS = (
    "price",
    "scope",
    "term_months",
    "territory",
    "exclusive",
    "seats",
    "derivative",
    "quota",
)


class TradePrice(Price):
    """A price in yuan to the fen, as a string or a JSON number.

    A JSON number arrives as a float; its shortest spelling is the literal the client wrote for
    any price to the fen, so 1200.5 stays 1200.5 and 0.125 is still refused as three decimals."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, bool):
            raise ValidationError(str(_l("Enter a price in yuan, e.g. 1200.00.")))
        if isinstance(value, float):
            value = repr(value)
        return super()._deserialize(value, attr, data, **kwargs)


# In


class TermsSchema(BaseSchema):
    """A round's terms and its message; loads as {"terms": Terms, "message": ...}."""

    price = TradePrice(required=True, metadata={"description": "yuan, at most two decimals"})
    scope = choice(UseScope, required=True)
    term_months = fields.Integer(required=True, strict=True)
    territory = choice(Territory, required=True)
    exclusive = fields.Boolean(load_default=False)
    seats = fields.Integer(load_default=1, strict=True)
    derivative = fields.Boolean(load_default=False)
    quota = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        metadata={
            "description": "calls (api) or queries (computation) proposed; the offer's if absent; "
            "none on a copy"
        },
    )
    message = text(2000, required=False)

    @post_load
    def _terms(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        agreed = Terms(**{name: data.pop(name) for name in TERMS})
        return data | {"terms": agreed}


class ProposalSchema(TermsSchema):
    offer_id = fields.Integer(required=True, strict=True)


class MessageSchema(BaseSchema):
    """An optional word with an acceptance, a rejection or a withdrawal."""

    message = text(2000, required=False)


class SignatureInputSchema(BaseSchema):
    signature = fields.String(
        required=True,
        validate=validate.Length(
            min=1, max=200, error=_l("Enter between {min} and {max} characters.")
        ),
        metadata={"description": "the EIP-712 signature of the typed data, 0x and hex"},
    )


class AddressInputSchema(BaseSchema):
    address = fields.String(
        required=True,
        validate=validate.Length(
            min=1, max=64, error=_l("Enter between {min} and {max} characters.")
        ),
        metadata={"description": "the organisation's own signing address, 0x and 40 hex digits"},
    )


class PaymentInputSchema(BaseSchema):
    contract_id = fields.Integer(required=True, strict=True)
    gateway = choice(
        Gateway, load_default=None, metadata={"description": "the configured default if absent"}
    )


class IdempotencyHeaderSchema(Schema):
    """The optional Idempotency-Key header; the request's other headers are not its business."""

    class Meta:
        unknown = EXCLUDE

    key = fields.String(
        data_key="Idempotency-Key",
        load_default=None,
        validate=validate.Length(
            min=1, max=255, error=_l("Enter between {min} and {max} characters.")
        ),
        metadata={"description": "the same key again gives the same answer and one payment"},
    )


class ConfirmationSchema(BaseSchema):
    amount = TradePrice(required=True, metadata={"description": "the yuan received"})


class DisputeInputSchema(BaseSchema):
    reason = text(4000)


class DisputeDecisionSchema(BaseSchema):
    decision = fields.String(
        required=True,
        validate=validate.OneOf(["uphold", "reject"], error=_l("Choose one of: {choices}.")),
    )
    reason = text(4000)


class LinkInputSchema(BaseSchema):
    version = fields.Integer(
        load_default=None, allow_none=True, strict=True, metadata={"description": "latest if null"}
    )


# Out


class PartySchema(Schema):
    id = fields.Integer()
    name_zh = fields.String()
    name_en = fields.String()


class ContractPartySchema(PartySchema):
    credit_code = fields.String()


class OfferRefSchema(Schema):
    id = fields.Integer()
    kind = fields.Enum(LicenceKind, by_value=True)
    scope = fields.Enum(UseScope, by_value=True)
    term_months = fields.Integer()
    territory = fields.Enum(Territory, by_value=True)
    seats = fields.Integer()
    derivative = fields.Boolean()
    price = fields.Decimal(as_string=True)
    access = fields.Enum(Access, by_value=True)
    quota = fields.Integer(allow_none=True, metadata={"description": "calls or queries offered"})
    unit_price = fields.Decimal(
        as_string=True, allow_none=True, metadata={"description": "price of one call or query"}
    )


class RoundSchema(Schema):
    number = fields.Integer()
    side = fields.Enum(Side, by_value=True)
    action = fields.Enum(RoundAction, by_value=True)
    price = fields.Decimal(as_string=True, allow_none=True)
    scope = fields.Enum(UseScope, by_value=True, allow_none=True)
    term_months = fields.Integer(allow_none=True)
    territory = fields.Enum(Territory, by_value=True, allow_none=True)
    exclusive = fields.Boolean(allow_none=True)
    seats = fields.Integer(allow_none=True)
    derivative = fields.Boolean(allow_none=True)
    quota = fields.Integer(allow_none=True, metadata={"description": "calls or queries proposed"})
    unit_price = fields.Decimal(
        as_string=True, allow_none=True, metadata={"description": "price of one call or query"}
    )
    message = fields.String(allow_none=True)
    user_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()


class BandSchema(Schema):
    valuation_id = fields.Integer()
    floor = fields.Decimal(as_string=True)
    reference = fields.Decimal(as_string=True)
    ceiling = fields.Decimal(as_string=True)


class NegotiationSummarySchema(Schema):
    id = fields.Integer()
    status = fields.Enum(NegotiationStatus, by_value=True)
    turn = fields.Enum(Side, by_value=True, metadata={"description": "the side to answer"})
    expires_at = fields.AwareDateTime()
    rounds = fields.Integer()


class MyNegotiationSchema(NegotiationSummarySchema):
    side = fields.Enum(Side, by_value=True, metadata={"description": "the caller's side"})
    product_id = fields.Integer()
    product_title_zh = fields.String(allow_none=True)
    product_title_en = fields.String(allow_none=True)
    offer_id = fields.Integer()
    buyer = fields.Nested(PartySchema)
    vendor = fields.Nested(PartySchema)
    last_price = fields.Decimal(as_string=True)
    updated_at = fields.AwareDateTime()


class NegotiationSchema(NegotiationSummarySchema):
    """A negotiation with its whole history, the valuation band and a suggested counter."""

    my_sides = fields.List(fields.Enum(Side, by_value=True))
    product = fields.Nested(ProductRefSchema)
    offer = fields.Nested(OfferRefSchema)
    buyer = fields.Nested(PartySchema)
    vendor = fields.Nested(PartySchema)
    history = fields.List(fields.Nested(RoundSchema))
    band = fields.Nested(BandSchema, allow_none=True)
    suggested_counter = fields.Dict(allow_none=True, metadata={"description": "from pricing"})
    contract_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    ledger_seq = fields.Integer(allow_none=True)


class AcceptedSchema(NegotiationSchema):
    contract_number = fields.String()


class SignatureSchema(Schema):
    side = fields.Enum(Side, by_value=True)
    organisation_id = fields.Integer()
    address = fields.String()
    signature = fields.String()
    signed_by_id = fields.Integer(allow_none=True)
    ledger_seq = fields.Integer()
    created_at = fields.AwareDateTime()
    verifies = fields.Boolean(metadata={"description": "checked against the EIP-712 domain"})


class ContractSchema(Schema):
    """A contract as frozen: terms, canonical JSON and its hash, texts and signatures."""

    id = fields.Integer()
    number = fields.String()
    status = fields.Enum(ContractStatus, by_value=True)
    negotiation_id = fields.Integer()
    product_id = fields.Integer()
    offer_id = fields.Integer()
    vendor = fields.Nested(ContractPartySchema)
    buyer = fields.Nested(ContractPartySchema)
    price = fields.Decimal(as_string=True)
    currency = fields.String()
    fee_rate = fields.Decimal(as_string=True)
    fee = fields.Decimal(as_string=True)
    terms = fields.Dict()
    canonical = fields.String(metadata={"description": "the JSON hashed, exactly as hashed"})
    contract_hash = fields.String()
    text_zh = fields.String()
    text_en = fields.String()
    signed_at_unix = fields.Integer()
    valuation_band = fields.Dict(allow_none=True)
    ledger_seq = fields.Integer()
    created_at = fields.AwareDateTime()
    signatures = fields.List(fields.Nested(SignatureSchema))


class SignedSchema(Schema):
    contract_id = fields.Integer()
    side = fields.Enum(Side, by_value=True)
    address = fields.String()
    signature = fields.String()
    status = fields.Enum(ContractStatus, by_value=True)
    ledger_seq = fields.Integer()


class SigningAddressSchema(Schema):
    organisation_id = fields.Integer()
    address = fields.String()
    source = fields.Enum(KeySource, by_value=True)


class PaymentSchema(Schema):
    id = fields.Integer()
    contract_id = fields.Integer()
    gateway = fields.String()
    reference = fields.String()
    amount = fields.Decimal(as_string=True)
    currency = fields.String()
    status = fields.String()
    external_id = fields.String(allow_none=True)
    confirmed_at = fields.AwareDateTime(allow_none=True)
    refunded_at = fields.AwareDateTime(allow_none=True)
    ledger_seq = fields.Integer(allow_none=True)
    instructions = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "how to pay by bank transfer"},
    )
    client_secret = fields.String(allow_none=True, metadata={"description": "Stripe.js only"})


class DisputeSchema(Schema):
    id = fields.Integer()
    contract_id = fields.Integer()
    reason = fields.String()
    status = fields.Enum(DisputeStatus, by_value=True)
    ledger_seq = fields.Integer()
    created_at = fields.AwareDateTime()


class ApiKeyStateSchema(Schema):
    live = fields.Boolean(metadata={"description": "a key is live: calls are counted on it"})
    hint = fields.String(allow_none=True, metadata={"description": "the key's last characters"})
    issued_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)
    quota = fields.Integer(metadata={"description": "calls the contract allows"})
    used = fields.Integer(metadata={"description": "calls served so far"})


class IssuedApiKeySchema(Schema):
    entitlement_id = fields.Integer()
    api_key = fields.String(metadata={"description": "shown this once: store it now"})
    hint = fields.String()
    issued_at = fields.AwareDateTime()
    rotated = fields.Boolean(metadata={"description": "an earlier key was replaced and is dead"})


class EntitlementSchema(Schema):
    id = fields.Integer()
    contract_id = fields.Integer()
    contract_number = fields.String()
    product = fields.Nested(ProductRefSchema)
    status = fields.Enum(EntitlementStatus, by_value=True)
    expires_at = fields.AwareDateTime()
    api = fields.Boolean(metadata={"description": "an API product: calls counted on a key"})
    api_key = fields.Nested(ApiKeyStateSchema, allow_none=True)
    quota = fields.Integer(allow_none=True)
    used = fields.Integer()
    ledger_seq = fields.Integer()
    created_at = fields.AwareDateTime()


class DownloadLinkSchema(Schema):
    url = fields.String(metadata={"description": "GET it to download; no token needed"})
    expires_at = fields.AwareDateTime()
