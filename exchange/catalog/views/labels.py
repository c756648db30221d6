"""What the catalog's templates read: its closed sets' labels, by name."""

from __future__ import annotations

from typing import Any

from exchange.catalog.domain import (
    ACCESS_LABELS,
    DELIVERY_FORM_LABELS,
    GRADE_LABELS,
    LEGAL_BASIS_LABELS,
    LICENCE_KIND_LABELS,
    LISTING_STATUS_LABELS,
    PRODUCT_TYPE_LABELS,
    QUOTA_UNITS,
    SENSITIVITY_LABELS,
    TERRITORY_LABELS,
    UPDATE_FREQUENCY_LABELS,
    USE_SCOPE_LABELS,
)
from exchange.kernel.i18n import N_

# The catalog's closed sets, by name, for labels and select options in templates.
CATALOG_LABELS = {
    "access_labels": ACCESS_LABELS,
    "quota_units": QUOTA_UNITS,
    "delivery_form_labels": DELIVERY_FORM_LABELS,
    "legal_basis_labels": LEGAL_BASIS_LABELS,
    "grade_labels": GRADE_LABELS,
    "licence_kind_labels": LICENCE_KIND_LABELS,
    "listing_status_labels": LISTING_STATUS_LABELS,
    "product_type_labels": PRODUCT_TYPE_LABELS,
    "sensitivity_labels": SENSITIVITY_LABELS,
    "territory_labels": TERRITORY_LABELS,
    "update_frequency_labels": UPDATE_FREQUENCY_LABELS,
    "use_scope_labels": USE_SCOPE_LABELS,
}
QUALITY_LABELS = {
    "completeness": (N_("Completeness"), N_("Share of cells that are filled in")),
    "accuracy": (N_("Accuracy"), N_("Only the source can vouch for it")),
    "consistency": (N_("Consistency"), N_("Values that agree with their column's type")),
    "timeliness": (N_("Timeliness"), N_("How recent the newest date in the data is")),
    "conformance": (N_("Conformance"), N_("Well-formed ID numbers, phones and codes")),
    "accessibility": (N_("Accessibility"), N_("How directly common tools read the format")),
}
FIELD_TYPE_LABELS = {
    "string": N_("Text"),
    "integer": N_("Integer"),
    "decimal": N_("Decimal"),
    "boolean": N_("Yes/no"),
    "date": N_("Date"),
    "datetime": N_("Date and time"),
}

TEMPLATE_GLOBALS: dict[str, Any] = {
    **CATALOG_LABELS,
    "quality_labels": QUALITY_LABELS,
    "field_type_labels": FIELD_TYPE_LABELS,
}
