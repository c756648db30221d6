"""The closed sets a data product draws from: types, formats, grades, statuses, licence kinds."""

from __future__ import annotations

from enum import StrEnum

from exchange.kernel.i18n import N_


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


class VersionState(StrEnum):
    """Where an uploaded version stands: a large file is profiled by the worker after the upload."""

    PROCESSING = "processing"
    READY = "ready"
    REFUSED = "refused"


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


class Access(StrEnum):
    """What a licence lets the buyer take: a copy of the data, calls to its API, or
    computations over data it never sees (usable but not visible)."""

    COPY = "copy"
    API = "api"
    COMPUTATION = "computation"


ACCESS_LABELS = {
    Access.COPY: N_("A copy of the data (fingerprinted for the buyer)"),
    Access.API: N_("Calls to the data API"),
    Access.COMPUTATION: N_("Computation over the data (usable, not visible)"),
}
# What a quota counts under each kind of access that has one.
QUOTA_UNITS = {Access.API: N_("calls"), Access.COMPUTATION: N_("queries")}
DEFAULT_QUOTAS = {Access.API: 10_000, Access.COMPUTATION: 100}


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
    LANDLINE = "landline"
    TRAVEL_DOCUMENT = "travel_document"
    DECLARED = "declared"


SENSITIVITY_LABELS = {
    Sensitivity.ID_NUMBER: N_("Mainland ID number"),
    Sensitivity.MOBILE: N_("Mobile number"),
    Sensitivity.EMAIL: N_("Email address"),
    Sensitivity.BANK_CARD: N_("Bank card number"),
    Sensitivity.CREDIT_CODE: N_("Unified social credit code"),
    Sensitivity.LANDLINE: N_("Landline number"),
    Sensitivity.TRAVEL_DOCUMENT: N_("Passport or travel permit number"),
    Sensitivity.DECLARED: N_("Declared personal"),
}

# An organisation's credit code identifies no individual (PIPL Art. 4): every other kind does.
PERSONAL_KINDS = frozenset(Sensitivity) - {Sensitivity.CREDIT_CODE}


class DeliveryForm(StrEnum):
    """How a personal column reaches a buyer: masked, a keyed per-buyer token, or as stored."""

    MASKED = "masked"
    PSEUDONYMISED = "pseudonymised"
    RAW = "raw"


DELIVERY_FORM_LABELS = {
    DeliveryForm.MASKED: N_("Masked"),
    DeliveryForm.PSEUDONYMISED: N_("Pseudonymised (a token per buyer)"),
    DeliveryForm.RAW: N_("Raw (legal basis and regulator's approval)"),
}


class LegalBasis(StrEnum):
    """The basis of PIPL Art. 13 on which a vendor provides personal information in the clear."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_DUTY = "legal_duty"
    EMERGENCY = "emergency"
    PUBLIC_INTEREST = "public_interest"
    DISCLOSED = "disclosed"
    OTHER_LAW = "other_law"


LEGAL_BASIS_LABELS = {
    LegalBasis.CONSENT: N_("The individuals' separate consent (PIPL Art. 13(1), Art. 23)"),
    LegalBasis.CONTRACT: N_("Needed for a contract with the individual (PIPL Art. 13(2))"),
    LegalBasis.LEGAL_DUTY: N_("A statutory duty or obligation (PIPL Art. 13(3))"),
    LegalBasis.EMERGENCY: N_("Public health emergency or protecting life (PIPL Art. 13(4))"),
    LegalBasis.PUBLIC_INTEREST: N_("News reporting in the public interest (PIPL Art. 13(5))"),
    LegalBasis.DISCLOSED: N_("Information already lawfully disclosed (PIPL Art. 13(6))"),
    LegalBasis.OTHER_LAW: N_("Another basis in laws and regulations (PIPL Art. 13(7))"),
}


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
