"""The exchange's paid trades as valuation's market approach reads them: trading's answer to
valuation's PaidTrades port, so valuation need not import trading."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange.catalog.models import DataProduct
from exchange.trading.domain import ContractStatus
from exchange.trading.models import TradeContract
from exchange.valuation.inputs import PRODUCT_FACTS, PaidTrade, ProductFacts, with_product_facts

# Trades whose price was paid: in escrow, or settled (refunded and cancelled ones are not).
PAID = (ContractStatus.IN_ESCROW, ContractStatus.SETTLED)


def paid_trades(session: Session, *, exclude: int) -> list[PaidTrade]:
    """Every other product's paid trades with their product's facts, dated by settlement, else
    delivery, else the contract."""
    rows = session.execute(
        with_product_facts(
            select(TradeContract, *PRODUCT_FACTS).join(
                DataProduct, DataProduct.id == TradeContract.product_id
            )
        )
        .where(TradeContract.status.in_(PAID), TradeContract.product_id != exclude)
        .order_by(TradeContract.id)
    )
    return [
        PaidTrade(
            number=contract.number,
            price=contract.price,
            terms=contract.terms,
            paid_on=contract.settled_at or contract.delivered_at or contract.created_at,
            facts=ProductFacts(*facts),
            privacy_budget=_privacy_budget(contract),
        )
        for contract, *facts in rows
    ]


def _privacy_budget(contract: TradeContract) -> Decimal | None:
    """The ε per contract a computation licence's frozen policy gives (None: exact answers)."""
    if contract.terms.get("access") != "computation":
        return None
    budget = json.loads(contract.canonical)["access"]["policy"].get("epsilon_budget")
    return None if budget is None else Decimal(str(budget))
