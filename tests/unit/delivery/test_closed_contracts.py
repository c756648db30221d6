"""Delivery names the contract states that close an entitlement by trading's values."""

from __future__ import annotations

from exchange.delivery.domain import CLOSED_CONTRACTS
from exchange.trading.domain import ContractStatus


def test_closed_contracts_are_trading_s_refunded_and_cancelled() -> None:
    assert CLOSED_CONTRACTS == {ContractStatus.REFUNDED, ContractStatus.CANCELLED}
