"""Trading's settings as the services receive them: fee, windows, and the payment gateways."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from exchange.domain.trading import Gateway
from exchange.payments.gateways import PaymentGateway


@dataclass(frozen=True)
class TradingSetup:
    """What every trading view passes to the services: the settings and the gateways."""

    gateways: Mapping[Gateway, PaymentGateway]
    default_gateway: Gateway
    fee_rate: Decimal
    expiry_hours: float
    acceptance_days: int
    link_seconds: int
    webhook_secret: str

    def gateway(self, name: Gateway | str | None = None) -> PaymentGateway:
        """The gateway asked for (the configured default when none), or KeyError if disabled."""
        return self.gateways[Gateway(name) if name else self.default_gateway]
