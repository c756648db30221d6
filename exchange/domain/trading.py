"""Trading: negotiations over a licence offer, the contract they end in, escrow, delivery.

A buyer proposes terms on an offer; the sides alternate counters until one accepts (the terms
freeze into a contract) or rejects, or the open round expires. Both organisations sign the
contract; the buyer pays into escrow; payment grants an entitlement to the data; acceptance of
delivery, or the end of the acceptance window, settles escrow to the vendor less the fee; an
upheld dispute refunds the buyer.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from exchange.domain.catalog import Territory, UseScope
from exchange.domain.i18n import N_

CENT = Decimal("0.01")
DEFAULT_API_QUOTA = 10_000  # calls an API product's buyer may make under one entitlement


class Side(StrEnum):
    BUYER = "buyer"
    VENDOR = "vendor"

    @property
    def other(self) -> Side:
        """The side that answers this one."""
        return Side.VENDOR if self is Side.BUYER else Side.BUYER


SIDE_LABELS = {Side.BUYER: N_("Buyer"), Side.VENDOR: N_("Vendor")}


class NegotiationStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


NEGOTIATION_STATUS_LABELS = {
    NegotiationStatus.OPEN: N_("Open"),
    NegotiationStatus.ACCEPTED: N_("Agreed"),
    NegotiationStatus.REJECTED: N_("Rejected"),
    NegotiationStatus.EXPIRED: N_("Expired"),
    NegotiationStatus.WITHDRAWN: N_("Withdrawn"),
}


class RoundAction(StrEnum):
    """What one round of a negotiation did."""

    PROPOSE = "propose"
    COUNTER = "counter"
    ACCEPT = "accept"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    EXPIRE = "expire"


class ContractStatus(StrEnum):
    AWAITING_SIGNATURES = "signing"
    AWAITING_PAYMENT = "awaiting_payment"
    IN_ESCROW = "in_escrow"
    DISPUTED = "disputed"
    SETTLED = "settled"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


CONTRACT_STATUS_LABELS = {
    ContractStatus.AWAITING_SIGNATURES: N_("Awaiting signatures"),
    ContractStatus.AWAITING_PAYMENT: N_("Awaiting payment"),
    ContractStatus.IN_ESCROW: N_("Paid into escrow"),
    ContractStatus.DISPUTED: N_("Disputed"),
    ContractStatus.SETTLED: N_("Settled"),
    ContractStatus.REFUNDED: N_("Refunded"),
    ContractStatus.CANCELLED: N_("Cancelled"),
}


class KeySource(StrEnum):
    """Who holds an organisation's signing key: the exchange (encrypted) or the organisation."""

    EXCHANGE = "exchange"
    OWN = "own"


class Gateway(StrEnum):
    BANK_TRANSFER = "bank_transfer"
    STRIPE = "stripe"


GATEWAY_LABELS = {Gateway.BANK_TRANSFER: N_("Bank transfer"), Gateway.STRIPE: N_("Card (Stripe)")}


class PaymentStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    REFUNDED = "refunded"
    FAILED = "failed"
    CANCELLED = "cancelled"


PAYMENT_STATUS_LABELS = {
    PaymentStatus.PENDING: N_("Awaiting payment"),
    PaymentStatus.SUCCEEDED: N_("Received"),
    PaymentStatus.REFUNDED: N_("Refunded"),
    PaymentStatus.FAILED: N_("Failed"),
    PaymentStatus.CANCELLED: N_("Cancelled"),
}


class AccountKind(StrEnum):
    """The escrow ledger's accounts. Buyer funds are money received (debit-normal); escrow,
    vendor payables and fee revenue are what the exchange owes or earned (credit-normal)."""

    BUYER = "buyer"
    ESCROW = "escrow"
    VENDOR_PAYABLE = "vendor_payable"
    FEE_REVENUE = "fee_revenue"


DEBIT_NORMAL = frozenset({AccountKind.BUYER})


class JournalKind(StrEnum):
    PAYMENT = "payment"
    RELEASE = "release"
    REFUND = "refund"


class DisputeStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    REJECTED = "rejected"


class EntitlementStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Terms:
    """What a round proposes: a price in yuan (to the fen) and the licence's terms."""

    price: Decimal
    scope: UseScope
    term_months: int
    territory: Territory
    exclusive: bool
    seats: int
    derivative: bool


def fee_of(price: Decimal, rate: Decimal) -> Decimal:
    """The exchange's fee on a price, to the fen (half up), never more than the price."""
    return min(price, (price * rate).quantize(CENT, rounding="ROUND_HALF_UP"))
