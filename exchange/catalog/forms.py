"""The catalog's HTML forms: the API's schemas flattened onto one page, and their prefills."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, post_load, validate

from exchange.catalog.domain import DeliveryForm, LegalBasis, ListingStatus
from exchange.catalog.product_page import ProductView
from exchange.catalog.products import OFFER_FIELDS, REVIEWED_FIELDS
from exchange.catalog.schemas import OfferSchema, ProductInputSchema
from exchange.http.schemas import BaseSchema, text

TAG_SEPARATORS = re.compile(r"[,，、;；]")
MAX_TAGS = 20
MAX_TAG_LENGTH = 30
# What a new product's form starts with: the most common choices, so a vendor changes few.
NEW_PRODUCT_DEFAULTS = {
    "product_type": "dataset",
    "update_frequency": "monthly",
    "grade": "general",
    "kind": "non_exclusive",
    "scope": "internal",
    "term_months": 12,
    "territory": "mainland",
    "seats": 1,
}


class Tags(fields.Field[list[str]]):
    """Tags typed on one line, separated by commas (also Chinese commas and 、)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        tags = list(dict.fromkeys(t.strip() for t in TAG_SEPARATORS.split(str(value)) if t.strip()))
        if len(tags) > MAX_TAGS:
            raise ValidationError(str(_l("Enter at most %(count)s tags.", count=MAX_TAGS)))
        if any(len(tag) > MAX_TAG_LENGTH for tag in tags):
            raise ValidationError(
                str(_l("Each tag has at most %(count)s characters.", count=MAX_TAG_LENGTH))
            )
        return tags


def _score() -> fields.Float:
    return fields.Float(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=1, error=_l("Enter a number from {min} to {max}.")),
        error_messages={"invalid": _l("Enter a number from 0 to 1, e.g. 0.98.")},
    )


class ProductFormSchema(ProductInputSchema):
    """A product's metadata as the form posts it: tags on a line, the accuracy declared alone."""

    class Meta(BaseSchema.Meta):
        exclude = ("offers", "declared_quality", "fields_")

    tags = Tags(load_default=list, allow_none=True)
    declared_accuracy = _score()

    @post_load
    def _shape(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if "tags" in data:
            data["tags"] = data["tags"] or []
        if "declared_accuracy" in data:
            accuracy = data.pop("declared_accuracy")
            data["declared_quality"] = {} if accuracy is None else {"accuracy": accuracy}
        return data


class NewProductFormSchema(ProductFormSchema, OfferSchema):
    """The new-product form: the metadata and the first licence offer."""

    class Meta(BaseSchema.Meta):
        exclude = ("offers", "declared_quality", "fields_")

    @post_load
    def _first_offer(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["offers"] = [{name: data.pop(name) for name in OFFER_FIELDS}]
        return data


class ConfirmSchema(BaseSchema):
    """A form that is only a button (and its CSRF token)."""


def edit_schema(product: Mapping[str, Any]) -> ProductFormSchema:
    """The edit form; what the review decided stays out of it once the product left draft."""
    reviewed = () if product["status"] == ListingStatus.DRAFT else REVIEWED_FIELDS
    return ProductFormSchema(partial=True, exclude=("vendor_id", *reviewed))


def edit_values(product: ProductView) -> dict[str, Any]:
    """The edit form filled in with the product as it stands."""
    values = {
        name: product[name]
        for name in ("title_zh", "title_en", "summary_zh", "summary_en", "description")
    }
    return values | {
        "board": product["board"]["code"],
        "product_type": product["product_type"].value,
        "update_frequency": product["update_frequency"].value,
        "grade": product["grade"].value,
        "grade_justification": product["grade_justification"],
        "coverage_start": product["coverage_start"] or "",
        "coverage_end": product["coverage_end"] or "",
        "regions": list(product["regions"]),
        "tags": ", ".join(product["tags"]),
        "declared_accuracy": product["declared_quality"].get("accuracy", ""),
    }


# A personal column's delivery form and the legal basis, as select boxes post them ("" = none).
FORMS = ["", *(form.value for form in DeliveryForm)]
BASES = ["", *(basis.value for basis in LegalBasis)]


def _one_of(choices: list[str]) -> validate.OneOf:
    return validate.OneOf(choices, error=_l("Choose one of: {choices}."))


class _FieldNotesForm(BaseSchema):
    """One row per column: unit_<i>, description_<i>, personal_<i>, form_<i>; legal_basis."""

    columns: tuple[str, ...] = ()

    @post_load
    def _notes(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {
            "fields": [
                {
                    "name": name,
                    "unit": data.get(f"unit_{i}"),
                    "description": data.get(f"description_{i}"),
                    "personal": data.get(f"personal_{i}", False),
                    "form": data.get(f"form_{i}") or None,
                }
                for i, name in enumerate(self.columns)
            ],
            "legal_basis": data.get("legal_basis") or None,
        }


def field_notes_schema(columns: list[Mapping[str, Any]]) -> Schema:
    """The describe-fields form for these columns; inputs are numbered, names can be anything."""
    declared: dict[str, Any] = {"columns": tuple(column["name"] for column in columns)}
    for i in range(len(columns)):
        declared[f"unit_{i}"] = text(40, required=False)
        declared[f"description_{i}"] = text(500, required=False)
        declared[f"personal_{i}"] = fields.Boolean(load_default=False)
        declared[f"form_{i}"] = fields.String(load_default=None, validate=_one_of(FORMS))
    declared["legal_basis"] = fields.String(load_default=None, validate=_one_of(BASES))
    form: Schema = type("FieldNotesForm", (_FieldNotesForm,), declared)()
    return form
