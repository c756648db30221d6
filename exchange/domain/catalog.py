"""The closed sets a data product draws from: types, formats, grades, statuses, licence kinds."""

from __future__ import annotations

from enum import StrEnum

from exchange.domain.i18n import N_


class ProductType(StrEnum):
    DATASET = "dataset"
    API = "api"
    REPORT = "report"


PRODUCT_TYPE_LABELS = {
    ProductType.DATASET: N_("Dataset file"),
    ProductType.API: N_("API feed"),
    ProductType.REPORT: N_("Report"),
}


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"
    PARQUET = "parquet"


class UpdateFrequency(StrEnum):
    REALTIME = "realtime"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    ONCE = "once"


UPDATE_FREQUENCY_LABELS = {
    UpdateFrequency.REALTIME: N_("Real time"),
    UpdateFrequency.DAILY: N_("Daily"),
    UpdateFrequency.WEEKLY: N_("Weekly"),
    UpdateFrequency.MONTHLY: N_("Monthly"),
    UpdateFrequency.QUARTERLY: N_("Quarterly"),
    UpdateFrequency.YEARLY: N_("Yearly"),
    UpdateFrequency.ONCE: N_("One-off"),
}


class Grade(StrEnum):
    """Classification grade under GB/T 43697-2024."""

    GENERAL = "general"
    IMPORTANT = "important"
    CORE = "core"


GRADE_LABELS = {
    Grade.GENERAL: N_("General data"),
    Grade.IMPORTANT: N_("Important data"),
    Grade.CORE: N_("Core data"),
}


class ListingStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    LISTED = "listed"
    SUSPENDED = "suspended"
    DELISTED = "delisted"


LISTING_STATUS_LABELS = {
    ListingStatus.DRAFT: N_("Draft"),
    ListingStatus.SUBMITTED: N_("Submitted"),
    ListingStatus.IN_REVIEW: N_("In review"),
    ListingStatus.LISTED: N_("Listed"),
    ListingStatus.SUSPENDED: N_("Suspended"),
    ListingStatus.DELISTED: N_("Delisted"),
}


class LicenceKind(StrEnum):
    NON_EXCLUSIVE = "non_exclusive"
    EXCLUSIVE = "exclusive"


LICENCE_KIND_LABELS = {
    LicenceKind.NON_EXCLUSIVE: N_("Non-exclusive"),
    LicenceKind.EXCLUSIVE: N_("Exclusive"),
}


class FieldType(StrEnum):
    """A column's type as inferred from the file or declared by the vendor."""

    STRING = "string"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"


class Sensitivity(StrEnum):
    """What kind of personal or sensitive value a column holds, if any."""

    ID_NUMBER = "id_number"
    MOBILE = "mobile"
    EMAIL = "email"
    BANK_CARD = "bank_card"
    CREDIT_CODE = "credit_code"
    DECLARED = "declared"


SENSITIVITY_LABELS = {
    Sensitivity.ID_NUMBER: N_("Mainland ID number"),
    Sensitivity.MOBILE: N_("Mobile number"),
    Sensitivity.EMAIL: N_("Email address"),
    Sensitivity.BANK_CARD: N_("Bank card number"),
    Sensitivity.CREDIT_CODE: N_("Unified social credit code"),
    Sensitivity.DECLARED: N_("Declared personal"),
}


class CipherMode(StrEnum):
    """How a product's file is encrypted at rest: AES-256-GCM, or SM4-GCM (national crypto)."""

    AES_256_GCM = "aes-256-gcm"
    SM4_GCM = "sm4-gcm"


QUALITY_DIMENSIONS = (
    "completeness",
    "accuracy",
    "consistency",
    "timeliness",
    "conformance",
    "accessibility",
)


class UseScope(StrEnum):
    """What the buyer may do with the data under a licence."""

    INTERNAL = "internal"
    RESEARCH = "research"
    COMMERCIAL = "commercial"


USE_SCOPE_LABELS = {
    UseScope.INTERNAL: N_("Internal analysis"),
    UseScope.RESEARCH: N_("Research"),
    UseScope.COMMERCIAL: N_("Commercial use"),
}


class Territory(StrEnum):
    JIANGXI = "jiangxi"
    MAINLAND = "mainland"
    GLOBAL = "global"


TERRITORY_LABELS = {
    Territory.JIANGXI: N_("Jiangxi"),
    Territory.MAINLAND: N_("Mainland China"),
    Territory.GLOBAL: N_("Worldwide"),
}
