"""Trading's settings as the services receive them: fee, windows, and the payment gateways."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from exchange.payments.domain import Gateway
from exchange.payments.gateways import PaymentGateway, gateways_from_config

MAX_FEE_RATE = Decimal("0.5")


@dataclass(frozen=True)
class TradingSettings:
    """What every trading view passes to the services: the settings and the gateways."""

    gateways: Mapping[Gateway, PaymentGateway]
    default_gateway: Gateway
    fee_rate: Decimal
    expiry_hours: float
    acceptance_days: int
    link_seconds: int
    webhook_secret: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TradingSettings:
        """Read and check the settings and build the gateways; ValueError names a bad fee rate
        or gateway."""
        try:
            fee_rate = Decimal(str(config["TRADE_FEE_RATE"]))
        except InvalidOperation:
            fee_rate = Decimal(-1)
        if not Decimal(0) <= fee_rate <= MAX_FEE_RATE:
            raise ValueError(f"EXCHANGE_TRADE_FEE_RATE must be a fraction from 0 to {MAX_FEE_RATE}")
        gateways = gateways_from_config(config)
        try:
            default = Gateway(config["PAYMENT_GATEWAY"])
        except ValueError as error:
            raise ValueError("EXCHANGE_PAYMENT_GATEWAY must be bank_transfer or stripe") from error
        if default not in gateways:
            raise ValueError("EXCHANGE_PAYMENT_GATEWAY=stripe needs EXCHANGE_STRIPE_SECRET_KEY")
        return cls(
            gateways=gateways,
            default_gateway=default,
            fee_rate=fee_rate,
            expiry_hours=float(config["NEGOTIATION_EXPIRY_HOURS"]),
            acceptance_days=int(config["ACCEPTANCE_WINDOW_DAYS"]),
            link_seconds=int(config["DOWNLOAD_LINK_SECONDS"]),
            webhook_secret=config["STRIPE_WEBHOOK_SECRET"],
        )

    def gateway(self, name: Gateway | str | None = None) -> PaymentGateway:
        """The gateway asked for (the configured default when none), or KeyError if disabled."""
        return self.gateways[Gateway(name) if name else self.default_gateway]
