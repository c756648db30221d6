"""Which organisations each ledger entry concerns, so parties can find their own entries."""

from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from exchange.kernel.models import Base, BigId


class LedgerParty(Base):
    __tablename__ = "ledger_parties"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True, index=True
    )
