"""What happens to a trade between its steps: after payment, at settlement, after a crash.

The payment, delivery and rights services each do one thing; this module runs them in the
order a trade needs, inside the caller's unit of work, so a paid contract is in escrow, has its
entitlement and moves its rights in one transaction or not at all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from exchange.models import Payment, TradeContract


def after_payment(
    session: Session, contract: TradeContract, payment: Payment, now: datetime
) -> None:
    """The buyer's money is in escrow: deliver and move rights (wired in by the lead)."""
