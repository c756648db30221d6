"""SQLAlchemy models, one module per aggregate; importing this registers them all."""

from exchange.models.audit import AuditEvent
from exchange.models.base import Base
from exchange.models.catalog import (
    DataProduct,
    IndustryBoard,
    LicenceOffer,
    ListingTransition,
    ProductRegion,
    ProductVersion,
)
from exchange.models.ledger_party import LedgerParty
from exchange.models.organisation import Membership, MembershipRole, Organisation
from exchange.models.rights import (
    LicenceGrant,
    RightsCertificate,
    RightsDocument,
    RightsObjection,
    RightsRecord,
    RightsRegistration,
)
from exchange.models.user import ApiToken, User
from exchange.models.valuation import Valuation

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Base",
    "DataProduct",
    "IndustryBoard",
    "LicenceOffer",
    "ListingTransition",
    "ProductRegion",
    "ProductVersion",
    "LedgerParty",
    "LicenceGrant",
    "Membership",
    "MembershipRole",
    "Organisation",
    "RightsCertificate",
    "RightsDocument",
    "RightsObjection",
    "RightsRecord",
    "RightsRegistration",
    "User",
    "Valuation",
]
