"""Oversight alerts raised for regulators: the organisations and contracts each concerns, and
the regulators' notes on it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.kernel.models import Base, enum_column, utcnow
from exchange.oversight.domain import AlertKind, AlertStatus


class OversightAlert(Base):
    """One finding a regulator should look at, with the evidence that proves it."""

    __tablename__ = "oversight_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AlertKind] = mapped_column(enum_column(AlertKind, "alert_kind"), index=True)
    status: Mapped[AlertStatus] = mapped_column(
        enum_column(AlertStatus, "alert_status"), default=AlertStatus.OPEN, index=True
    )
    # Built from the rows that prove the finding, so detecting it again raises nothing new.
    dedup_key: Mapped[str] = mapped_column(String(160), unique=True)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisations: Mapped[list[OversightAlertOrganisation]] = relationship(
        cascade="all, delete-orphan", order_by="OversightAlertOrganisation.organisation_id"
    )
    contracts: Mapped[list[OversightAlertContract]] = relationship(
        cascade="all, delete-orphan", order_by="OversightAlertContract.contract_id"
    )
    notes: Mapped[list[OversightNote]] = relationship(
        cascade="all, delete-orphan", order_by="OversightNote.id"
    )


class OversightAlertOrganisation(Base):
    """An organisation an alert concerns, so a regulator can find every alert about it."""

    __tablename__ = "oversight_alert_organisations"

    alert_id: Mapped[int] = mapped_column(
        ForeignKey("oversight_alerts.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True, index=True
    )


class OversightAlertContract(Base):
    """A contract an alert concerns."""

    __tablename__ = "oversight_alert_contracts"

    alert_id: Mapped[int] = mapped_column(
        ForeignKey("oversight_alerts.id", ondelete="CASCADE"), primary_key=True
    )
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("trade_contracts.id"), primary_key=True, index=True
    )


class OversightNote(Base):
    """A regulator's note on an alert: who wrote it and when."""

    __tablename__ = "oversight_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(
        ForeignKey("oversight_alerts.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
