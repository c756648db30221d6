"""Schemas of the catalog: products, their offers, versions and listing decisions."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from exchange.catalog.domain import (
    Access,
    DeliveryForm,
    Grade,
    LegalBasis,
    LicenceKind,
    ListingStatus,
    ProductType,
    Territory,
    UpdateFrequency,
    UseScope,
    VersionState,
)
from exchange.catalog.product_page import Refusal
from exchange.http.i18n import translate
from exchange.http.schemas import BaseSchema, choice, text

MAX_PRICE = Decimal("999999999999.99")


class Price(fields.Decimal):
    """A price in CNY: positive, to the fen, dumped as a string."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(places=None, as_string=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, float):
            raise ValidationError(str(_l("Give the price as a string or an integer.")))
        try:
            price = Decimal(str(value).strip())
        except (InvalidOperation, ValueError) as error:
            raise ValidationError(str(_l("Enter a price in yuan, e.g. 1200.00."))) from error
        if not price.is_finite() or price <= 0:
            raise ValidationError(str(_l("The price must be more than zero.")))
        if price > MAX_PRICE:  # before quantize, which fails past the decimal context's digits
            raise ValidationError(str(_l("The price is too large.")))
        if price != price.quantize(Decimal("0.01")):
            raise ValidationError(str(_l("The price has at most two decimals (fen).")))
        return price


def _range(low: int, high: int) -> validate.Range:
    return validate.Range(min=low, max=high, error=_l("Enter a number from {min} to {max}."))


class OfferSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    kind = choice(LicenceKind, required=True)
    scope = choice(UseScope, required=True)
    term_months = fields.Integer(required=True, validate=_range(1, 120))
    territory = choice(Territory, required=True)
    seats = fields.Integer(required=True, validate=_range(1, 10000))
    derivative = fields.Boolean(load_default=False)
    redistribution = fields.Boolean(load_default=False)
    price = Price(required=True)
    access = choice(
        Access,
        load_default=None,
        allow_none=True,
        metadata={"description": "copy, api or computation (default: the product's own)"},
    )
    quota = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=_range(1, 10_000_000),
        metadata={"description": "calls (api) or queries (computation) per contract"},
    )
    unit_price = fields.Decimal(
        as_string=True,
        dump_only=True,
        allow_none=True,
        metadata={"description": "the price of one call or query; none for a copy"},
    )
    is_active = fields.Boolean(dump_only=True)


class FieldNoteSchema(BaseSchema):
    name = text(200)
    unit = text(40, required=False)
    description = text(500, required=False)
    personal = fields.Boolean(load_default=False)
    # How a personal column reaches buyers; omitted keeps the current (default) form.
    form = choice(DeliveryForm, required=False)


class FieldNotesSchema(BaseSchema):
    fields_ = fields.List(
        fields.Nested(FieldNoteSchema), data_key="fields", attribute="fields", required=True
    )
    # PIPL Art. 13 basis for raw delivery; omitted keeps the current one, null clears it.
    legal_basis = choice(LegalBasis, required=False, allow_none=True)


class QualitySchema(BaseSchema):
    """Quality dimensions the vendor declares (0 to 1) where the file cannot tell."""

    accuracy = fields.Float(validate=validate.Range(min=0, max=1))
    consistency = fields.Float(validate=validate.Range(min=0, max=1))
    completeness = fields.Float(validate=validate.Range(min=0, max=1))
    conformance = fields.Float(validate=validate.Range(min=0, max=1))
    timeliness = fields.Float(validate=validate.Range(min=0, max=1))
    accessibility = fields.Float(validate=validate.Range(min=0, max=1))


class ProductInputSchema(BaseSchema):
    """A product's metadata as a vendor writes it."""

    vendor_id = fields.Integer(load_default=None, allow_none=True)
    board = text(32)
    title_zh = text(120)
    title_en = text(200)
    summary_zh = text(500)
    summary_en = text(1000)
    description = text(20000, required=False)
    product_type = choice(ProductType, required=True)
    update_frequency = choice(UpdateFrequency, required=True)
    coverage_start = fields.Date(load_default=None, allow_none=True)
    coverage_end = fields.Date(load_default=None, allow_none=True)
    regions = fields.List(text(32), load_default=list, validate=validate.Length(max=13))
    # The product form reads them from one line instead (exchange.catalog.forms).
    tags: fields.Field[Any] = fields.List(
        text(30), load_default=list, validate=validate.Length(max=20)
    )
    grade = choice(Grade, required=True)
    grade_justification = text(2000)
    declared_quality = fields.Nested(QualitySchema, load_default=dict)
    offers = fields.List(fields.Nested(OfferSchema), load_default=list)
    fields_ = fields.List(
        fields.Nested(FieldNoteSchema), data_key="fields", attribute="fields", load_default=list
    )

    @validates_schema
    def _coverage(self, data: dict[str, Any], **kwargs: Any) -> None:
        start, end = data.get("coverage_start"), data.get("coverage_end")
        if start and end and start > end:
            raise ValidationError(str(_l("The coverage must end after it starts.")), "coverage_end")


class ProductPatchSchema(ProductInputSchema):
    class Meta:
        exclude = ("vendor_id", "fields_")


class ReasonSchema(BaseSchema):
    reason = text(2000, required=False)


class ReviewDecisionSchema(BaseSchema):
    decision = fields.String(
        required=True,
        validate=validate.OneOf(["approve", "reject"], error=_l("Choose one of: {choices}.")),
    )
    reason = text(2000, required=False)


class CatalogQuerySchema(BaseSchema):
    q = text(100, required=False)
    board = text(32, required=False)
    grade = choice(Grade, load_default=None)
    product_type = choice(ProductType, load_default=None)
    region = text(32, required=False)
    update_frequency = choice(UpdateFrequency, load_default=None)
    dcmm_min = fields.Integer(load_default=None, validate=_range(1, 5))
    price_min = Price(load_default=None)
    price_max = Price(load_default=None)
    sort = fields.String(
        load_default="relevance",
        validate=validate.OneOf(
            ["relevance", "newest", "price_asc", "price_desc"],
            error=_l("Choose one of: {choices}."),
        ),
    )
    page = fields.Integer(load_default=1, validate=_range(1, 100000))
    per_page = fields.Integer(load_default=20, validate=_range(1, 100))

    @validates_schema
    def _price_range(self, data: dict[str, Any], **kwargs: Any) -> None:
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and low > high:
            raise ValidationError(
                str(_l("The lowest price must not be above the highest.")), "price_max"
            )


class BoardRefSchema(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    kind = fields.String(metadata={"description": "board (an industry) or sector"})


class BoardSchema(BoardRefSchema):
    count = fields.Integer()


class VendorSchema(Schema):
    id = fields.Integer()
    name_zh = fields.String()
    name_en = fields.String()
    region = fields.String()
    dcmm_level = fields.Integer(allow_none=True)


class ProductSummarySchema(Schema):
    id = fields.Integer()
    title_zh = fields.String()
    title_en = fields.String()
    summary_zh = fields.String()
    summary_en = fields.String()
    board = fields.Nested(BoardRefSchema)
    product_type = fields.Enum(ProductType, by_value=True)
    grade = fields.Enum(Grade, by_value=True)
    update_frequency = fields.Enum(UpdateFrequency, by_value=True)
    status = fields.Enum(ListingStatus, by_value=True)
    regions = fields.List(fields.String())
    tags = fields.List(fields.String())
    min_price = fields.Decimal(as_string=True, allow_none=True)
    listed_at = fields.DateTime(allow_none=True)
    latest_version = fields.Integer()
    vendor = fields.Nested(VendorSchema)


class ProductPageSchema(Schema):
    items = fields.List(fields.Nested(ProductSummarySchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()
    facets = fields.Dict(keys=fields.String(), values=fields.Dict())


class VersionSchema(Schema):
    number = fields.Integer()
    note = fields.String()
    file_name = fields.String()
    file_format = fields.String()
    size_bytes = fields.Integer()
    row_count = fields.Integer()
    sha256 = fields.String()
    created_at = fields.DateTime()


class VersionDetailSchema(VersionSchema):
    fields_ = fields.List(fields.Dict(), data_key="fields", attribute="fields")
    quality = fields.Dict()
    sample = fields.Dict()


def _refusal(refusal: Refusal | None) -> str | None:
    """The limit a refused upload passed, in the reader's language."""
    return None if refusal is None else translate(refusal["message"], **refusal["params"])


class UploadStateSchema(Schema):
    """An upload the worker has not made a ready version: processing, or refused and why."""

    number = fields.Integer()
    note = fields.String()
    file_name = fields.String()
    file_format = fields.String()
    size_bytes = fields.Integer()
    state = fields.String(metadata={"enum": [VersionState.PROCESSING, VersionState.REFUSED]})
    refusal = fields.Function(lambda upload: _refusal(upload["refusal"]), allow_none=True)
    created_at = fields.DateTime()


class TransitionSchema(Schema):
    from_status = fields.Enum(ListingStatus, by_value=True, allow_none=True)
    to_status = fields.Enum(ListingStatus, by_value=True)
    actor = fields.String(allow_none=True)
    organisation_zh = fields.String(allow_none=True)
    organisation_en = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    at = fields.DateTime()
    ledger_seq = fields.Integer(allow_none=True)


class PersonalColumnSchema(Schema):
    """A personal column and the form buyers receive it in."""

    column = fields.String()
    kind = fields.String()
    form = fields.String(metadata={"enum": [form.value for form in DeliveryForm]})


class PersonalInformationSchema(Schema):
    """What personal information the product's file holds and how each column is delivered."""

    legal_basis = fields.String(
        allow_none=True, metadata={"enum": [basis.value for basis in LegalBasis]}
    )
    raw_approved = fields.List(fields.String())
    raw_requested = fields.List(fields.String())
    columns = fields.List(fields.Nested(PersonalColumnSchema))


class ProductSchema(ProductSummarySchema):
    description = fields.String()
    coverage_start = fields.Date(allow_none=True)
    coverage_end = fields.Date(allow_none=True)
    grade_justification = fields.String()
    declared_quality = fields.Dict()
    view_count = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    offers = fields.List(fields.Nested(OfferSchema))
    versions = fields.List(fields.Nested(VersionSchema))
    latest = fields.Nested(VersionDetailSchema, allow_none=True)
    history = fields.List(fields.Nested(TransitionSchema))
    uploads = fields.List(fields.Nested(UploadStateSchema))
    personal_information = fields.Nested(PersonalInformationSchema)


class StatusSchema(Schema):
    id = fields.Integer()
    status = fields.Enum(ListingStatus, by_value=True)


class UploadSchema(BaseSchema):
    """The form fields that come with an uploaded file."""

    note = text(500, required=False)
