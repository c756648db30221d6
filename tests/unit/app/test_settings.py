"""The capabilities' settings read from a configuration without an app: bad values are refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from exchange.config import DefaultConfig
from exchange.payments.domain import Gateway
from exchange.rights.settings import RightsSettings
from exchange.trading.settings import TradingSettings


def config(**changes: Any) -> dict[str, Any]:
    """The default configuration with `changes` applied."""
    defaults = {name: getattr(DefaultConfig, name) for name in dir(DefaultConfig) if name.isupper()}
    return {**defaults, "MASTER_KEY": "k" * 64, **changes}


def test_the_defaults_take_bank_transfers_at_three_percent():
    settings = TradingSettings.from_config(config())
    assert settings.fee_rate == Decimal("0.03")
    assert settings.default_gateway is Gateway.BANK_TRANSFER
    assert set(settings.gateways) == {Gateway.BANK_TRANSFER}


@pytest.mark.parametrize("rate", ["-0.01", "0.51", "three percent"])
def test_a_fee_rate_outside_zero_to_a_half_is_refused(rate):
    with pytest.raises(ValueError, match="EXCHANGE_TRADE_FEE_RATE"):
        TradingSettings.from_config(config(TRADE_FEE_RATE=rate))


def test_an_unknown_gateway_is_refused():
    with pytest.raises(ValueError, match="bank_transfer or stripe"):
        TradingSettings.from_config(config(PAYMENT_GATEWAY="cash"))


def test_stripe_as_the_default_needs_its_key():
    with pytest.raises(ValueError, match="EXCHANGE_STRIPE_SECRET_KEY"):
        TradingSettings.from_config(config(PAYMENT_GATEWAY="stripe"))


def test_the_rights_settings_sign_with_a_key_derived_from_the_master_key():
    first = RightsSettings.from_config(config(RIGHTS_NOTICE_SECONDS=60))
    again = RightsSettings.from_config(config(RIGHTS_NOTICE_SECONDS=60))
    assert first.notice_seconds == 60.0
    assert first.signer.public_key == again.signer.public_key
