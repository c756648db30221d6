"""The lease row a worker holds to lead a singleton where the database has no advisory locks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from exchange.kernel.models import Base


class WorkerLease(Base):
    """Who leads the singleton `name`, until `expires_at` unless renewed (SQLite's leader lease)."""

    __tablename__ = "worker_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime]
