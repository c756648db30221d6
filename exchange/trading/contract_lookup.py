"""The contract behind an entitlement: trading's answer to delivery's ContractLookup port, so
delivery need not import trading."""

from __future__ import annotations

from sqlalchemy.orm import Session

from exchange.trading.models import TradeContract


def trade_contract(session: Session, contract_id: int) -> TradeContract | None:
    """The contract with this id, or None."""
    return session.get(TradeContract, contract_id)
