"""Payments' vocabulary: gateways, payment states, escrow accounts and journals, and the fee."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from exchange.kernel.i18n import N_

CENT = Decimal("0.01")


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


def fee_of(price: Decimal, rate: Decimal) -> Decimal:
    """The exchange's fee on a price, to the fen (half up), never more than the price."""
    return min(price, (price * rate).quantize(CENT, rounding="ROUND_HALF_UP"))
