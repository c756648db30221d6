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

from exchange.catalog.domain import Territory, UseScope
from exchange.kernel.i18n import N_


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


class DisputeStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Terms:
    """What a round proposes: a price in yuan (to the fen) and the licence's terms.

    `quota` is the calls (API) or queries (computation) the licence allows: negotiated like the
    price on an offer that has one (None there means the offer's own), and never on a copy."""

    price: Decimal
    scope: UseScope
    term_months: int
    territory: Territory
    exclusive: bool
    seats: int
    derivative: bool
    quota: int | None = None
