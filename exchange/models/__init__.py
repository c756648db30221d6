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
from exchange.models.oversight import (
    OversightAlert,
    OversightAlertContract,
    OversightAlertOrganisation,
    OversightNote,
)
from exchange.models.rights import (
    LicenceGrant,
    RightsCertificate,
    RightsDocument,
    RightsObjection,
    RightsRecord,
    RightsRegistration,
)
from exchange.models.trading import (
    ContractSignature,
    Dispute,
    Download,
    Entitlement,
    EscrowAccount,
    EscrowJournal,
    EscrowPosting,
    GatewayEvent,
    IdempotencyRecord,
    Negotiation,
    NegotiationRound,
    OrganisationKey,
    Payment,
    TradeContract,
)
from exchange.models.user import ApiToken, User, WebSession
from exchange.models.valuation import Valuation

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Base",
    "ContractSignature",
    "DataProduct",
    "Dispute",
    "Download",
    "Entitlement",
    "EscrowAccount",
    "EscrowJournal",
    "EscrowPosting",
    "GatewayEvent",
    "IdempotencyRecord",
    "IndustryBoard",
    "LedgerParty",
    "LicenceGrant",
    "LicenceOffer",
    "ListingTransition",
    "Membership",
    "MembershipRole",
    "Negotiation",
    "NegotiationRound",
    "Organisation",
    "OrganisationKey",
    "OversightAlert",
    "OversightAlertContract",
    "OversightAlertOrganisation",
    "OversightNote",
    "Payment",
    "ProductRegion",
    "ProductVersion",
    "RightsCertificate",
    "RightsDocument",
    "RightsObjection",
    "RightsRecord",
    "RightsRegistration",
    "TradeContract",
    "User",
    "Valuation",
    "WebSession",
]
