"""Valuations of data products: who asked, on what inputs, and the band pricing gave."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from exchange.kernel.models import Base, Money, utcnow


class Valuation(Base):
    """One valuation, stored with everything needed to reproduce it."""

    __tablename__ = "valuations"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("data_products.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    purpose: Mapped[str] = mapped_column(String(16))  # "listing" (vendor) or "purchase" (buyer)
    method_version: Mapped[str] = mapped_column(String(40))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    floor: Mapped[Decimal] = mapped_column(Money)
    reference: Mapped[Decimal] = mapped_column(Money)
    ceiling: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
