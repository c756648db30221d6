"""The payment port: how the exchange asks a gateway to collect or return a buyer's money.

Two adapters implement it: `BankTransferGateway` (the default; the buyer transfers to the
exchange's account quoting a reference and an operator confirms receipt) and `StripeGateway`
(a PaymentIntent through `StripeClient`, settled by signed webhooks). Vendor objects never leave
an adapter: the services see only the plain types below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from exchange.kernel.errors import ExchangeError
from exchange.kernel.i18n import N_
from exchange.payments.domain import Gateway


class GatewayFailed(ExchangeError):
    status = 502
    code = "payment-gateway-failed"
    title = N_("The payment service could not be reached; please try again.")


class BadWebhook(ExchangeError):
    status = 400
    code = "bad-webhook"
    title = N_("The webhook's signature is missing, wrong or too old.")


@dataclass(frozen=True)
class Charge:
    """What to collect for a contract, and the key that makes asking twice harmless."""

    contract_id: int
    contract_number: str
    amount: Decimal  # yuan, to the fen
    currency: str
    reference: str
    idempotency_key: str


@dataclass(frozen=True)
class Collection:
    """How the buyer pays: the gateway's id for the payment and what to show the buyer."""

    external_id: str | None
    instructions: dict[str, str] = field(default_factory=dict)
    client_secret: str | None = None


@dataclass(frozen=True)
class RefundRequest:
    """Money to return for a contract's payment."""

    contract_id: int
    external_id: str | None
    amount: Decimal
    currency: str
    idempotency_key: str
    reason: str


@dataclass(frozen=True)
class RefundResult:
    """The gateway's answer to a refund: its id, if it has one, and its status."""

    external_id: str | None
    status: str


@dataclass(frozen=True)
class WebhookEvent:
    """A verified gateway event reduced to what the exchange acts on."""

    event_id: str
    event_type: str
    created: int
    payment_external_id: str | None  # the PaymentIntent the event concerns
    metadata: dict[str, str]
    amount: int | None  # in fen: received (payment) or refunded (refund)
    fully_refunded: bool
    payload: dict[str, Any]


class PaymentGateway(Protocol):
    """A way for a buyer to pay into escrow."""

    @property
    def kind(self) -> Gateway:
        """Which gateway this is, as stored on its payments."""
        ...

    def collect(self, charge: Charge) -> Collection:
        """Begin collecting the charge; asking again with the same key gives the same payment."""
        ...

    def resume(self, charge: Charge, external_id: str | None) -> Collection:
        """What the buyer needs to complete a payment already begun."""
        ...

    def refund(self, request: RefundRequest) -> RefundResult:
        """Return a received payment to the buyer; the same key never refunds twice."""
        ...

    def captured(self, external_id: str) -> bool:
        """Whether the gateway holds the money for this payment (asked when reconciling)."""
        ...


def to_fen(amount: Decimal) -> int:
    """Yuan to whole fen (the smallest unit the gateways take)."""
    return int((amount * 100).to_integral_exact())


def gateways_from_config(config: Mapping[str, Any]) -> dict[Gateway, PaymentGateway]:
    """Every gateway the configuration enables: bank transfer always, Stripe when keyed."""
    from exchange.payments.gateways.bank_transfer import BankTransferGateway
    from exchange.payments.gateways.stripe import StripeGateway

    gateways: dict[Gateway, PaymentGateway] = {
        Gateway.BANK_TRANSFER: BankTransferGateway(
            account_name=config["BANK_ACCOUNT_NAME"],
            bank_name=config["BANK_NAME"],
            account_number=config["BANK_ACCOUNT_NUMBER"],
        )
    }
    if config.get("STRIPE_SECRET_KEY"):
        gateways[Gateway.STRIPE] = StripeGateway(
            config["STRIPE_SECRET_KEY"], api_base=config.get("STRIPE_API_BASE") or None
        )
    return gateways
