"""Computation licences: each product's query policy by version, the licence a paid contract
gives (its frozen policy, budget and quota), and every query a buyer submitted under it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from exchange.compute.domain import QueryStatus
from exchange.kernel.models import Base, enum_column, utcnow


class PolicyVersion(Base):
    """One version of a product's query policy, as its vendor saved it; never changed after."""

    __tablename__ = "compute_policies"
    __table_args__ = (UniqueConstraint("product_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("data_products.id"), index=True)
    version: Mapped[int] = mapped_column(SmallInteger)
    policy: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ComputeLicence(Base):
    """What a paid computation contract lets its buyer run: the policy frozen into the contract,
    the queries left and the privacy budget left, each spent by one conditional UPDATE."""

    __tablename__ = "compute_licences"
    __table_args__ = (
        CheckConstraint("queries_used <= query_quota", name="queries_within_quota"),
        CheckConstraint(
            "epsilon_budget IS NULL OR epsilon_spent <= epsilon_budget + 0.000001",
            name="epsilon_within_budget",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entitlement_id: Mapped[int] = mapped_column(ForeignKey("entitlements.id"), unique=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("trade_contracts.id"), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("data_products.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    policy_version: Mapped[int] = mapped_column(SmallInteger)
    policy: Mapped[dict[str, Any]] = mapped_column(JSON)
    query_quota: Mapped[int] = mapped_column(Integer)
    queries_used: Mapped[int] = mapped_column(Integer, default=0)
    epsilon_budget: Mapped[float | None] = mapped_column(Float)
    epsilon_spent: Mapped[float] = mapped_column(Float, default=0.0)
    # The buyer's own table a query may join, where the policy allows: its fields and rows.
    buyer_table: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ComputeQuery(Base):
    """A query a buyer submitted: refused with the rule it broke, waiting for the vendor's
    approval, rejected, failed, or run with its released result and ledger entry."""

    __tablename__ = "compute_queries"

    id: Mapped[int] = mapped_column(primary_key=True)
    licence_id: Mapped[int] = mapped_column(ForeignKey("compute_licences.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("trade_contracts.id"), index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    joins_mine: Mapped[bool] = mapped_column(default=False)  # reads the buyer's own table
    status: Mapped[QueryStatus] = mapped_column(enum_column(QueryStatus, "query_status"))
    refusal: Mapped[str | None] = mapped_column(String(32))  # the rule broken, if refused
    detail: Mapped[str | None] = mapped_column(Text)  # why it was refused, rejected or failed
    policy_version: Mapped[int] = mapped_column(SmallInteger)
    columns: Mapped[list[str] | None] = mapped_column(JSON)
    rows: Mapped[list[list[Any]] | None] = mapped_column(JSON)
    # How many groups were under k: kept for audit, never shown (the number alone would tell
    # whether a record matching the filters exists).
    suppressed: Mapped[int | None] = mapped_column(Integer)
    epsilon_spent: Mapped[float] = mapped_column(Float, default=0.0)
    result_hash: Mapped[str | None] = mapped_column(String(64))
    ledger_seq: Mapped[int | None] = mapped_column(BigInteger)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ran_at: Mapped[datetime | None]
