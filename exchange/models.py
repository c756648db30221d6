"""Every model, imported so they register on one metadata: Alembic and create_app import this."""

from exchange.accounts.models import (
    ApiToken,
    Membership,
    MembershipRole,
    Organisation,
    User,
    WebSession,
)
from exchange.catalog.models import (
    DataProduct,
    IndustryBoard,
    LicenceOffer,
    ListingTransition,
    ProductRegion,
    ProductVersion,
)
from exchange.compute.models import ComputeLicence, ComputeQuery, PolicyVersion
from exchange.delivery.models import ApiUsageDay, DataApiCall, Download, Entitlement
from exchange.kernel.models import Base
from exchange.kernel.records import AuditEvent, IdempotencyRecord
from exchange.ledger.models import LedgerParty
from exchange.oversight.models import (
    OversightAlert,
    OversightAlertContract,
    OversightAlertOrganisation,
    OversightNote,
)
from exchange.payments.models import (
    EscrowAccount,
    EscrowJournal,
    EscrowPosting,
    GatewayEvent,
    Payment,
)
from exchange.rights.models import (
    LicenceGrant,
    RightsCertificate,
    RightsDocument,
    RightsObjection,
    RightsRecord,
    RightsRegistration,
)
from exchange.trading.models import (
    ContractSignature,
    Dispute,
    Negotiation,
    NegotiationRound,
    OrganisationKey,
    TradeContract,
)
from exchange.valuation.models import Valuation
from exchange.worker.models import WorkerLease

__all__ = [
    "ApiToken",
    "ApiUsageDay",
    "AuditEvent",
    "Base",
    "ComputeLicence",
    "ComputeQuery",
    "ContractSignature",
    "DataApiCall",
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
    "PolicyVersion",
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
    "WorkerLease",
]
