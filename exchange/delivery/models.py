"""Delivery: the entitlements a settled contract gives, and the downloads made under them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from exchange.delivery.domain import EntitlementStatus
from exchange.kernel.models import Base, enum_column, utcnow


class Entitlement(Base):
    """What a paid contract lets the buyer take: the product's data, fingerprinted per buyer,
    or its API under a key with a quota."""

    __tablename__ = "entitlements"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("trade_contracts.id"), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("data_products.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[EntitlementStatus] = mapped_column(
        enum_column(EntitlementStatus, "entitlement_status")
    )
    fingerprint_key: Mapped[bytes] = mapped_column(LargeBinary)  # seeds this buyer's marks
    api_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # live key only
    api_key_hint: Mapped[str | None] = mapped_column(String(8))  # its last characters
    api_key_issued_at: Mapped[datetime | None]
    api_key_revoked_at: Mapped[datetime | None]
    quota: Mapped[int | None] = mapped_column(Integer)
    used: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime]
    ledger_seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Download(Base):
    """Every download of an entitlement's data: who, which version, which fingerprint."""

    __tablename__ = "downloads"

    id: Mapped[int] = mapped_column(primary_key=True)
    entitlement_id: Mapped[int] = mapped_column(ForeignKey("entitlements.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version_number: Mapped[int] = mapped_column(SmallInteger)
    fingerprint: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    client_address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class DataApiCall(Base):
    """One served call of the data API: the meter a day's usage entry is summarised from."""

    __tablename__ = "data_api_calls"
    __table_args__ = (Index("ix_data_api_calls_entitlement_day", "entitlement_id", "day", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entitlement_id: Mapped[int] = mapped_column(ForeignKey("entitlements.id"))
    day: Mapped[date] = mapped_column(Date)  # the exchange's business day (China time)
    key_hint: Mapped[str] = mapped_column(String(8))
    version_number: Mapped[int] = mapped_column(SmallInteger)
    rows: Mapped[int] = mapped_column(Integer)
    request_digest: Mapped[str] = mapped_column(String(64))  # fields, filters and position asked
    client_address: Mapped[str | None] = mapped_column(String(64))
    called_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiUsageDay(Base):
    """A contract's data-API usage on one day, as its ledger entry summarised it."""

    __tablename__ = "api_usage_days"
    __table_args__ = (UniqueConstraint("entitlement_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entitlement_id: Mapped[int] = mapped_column(ForeignKey("entitlements.id"))
    day: Mapped[date] = mapped_column(Date, index=True)
    calls: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(BigInteger)
    calls_hash: Mapped[str] = mapped_column(String(64))  # over the day's calls, in order
    ledger_seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
