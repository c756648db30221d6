"""Payments: escrow accounts, their journals and postings, payments and the gateways' events."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.kernel.models import Base, Money, enum_column, utcnow
from exchange.payments.domain import AccountKind, Gateway, JournalKind, PaymentStatus

# The exchange's own accounts belong to no organisation: one of each kind.
SHARED_ONLY = text("organisation_id IS NULL")


class EscrowAccount(Base):
    """An account of the escrow ledger; the database refuses a negative balance."""

    __tablename__ = "escrow_accounts"
    __table_args__ = (
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        UniqueConstraint("kind", "organisation_id"),
        # NULLs are distinct to a unique constraint: the shared accounts (escrow, fee revenue)
        # get their own index so there is only ever one of each.
        Index(
            "uq_escrow_accounts_shared",
            "kind",
            unique=True,
            sqlite_where=SHARED_ONLY,
            postgresql_where=SHARED_ONLY,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AccountKind] = mapped_column(enum_column(AccountKind, "account_kind"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    balance: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))


class EscrowJournal(Base):
    """One balanced movement of money for a contract: a payment, a release or a refund."""

    __tablename__ = "escrow_journal"
    __table_args__ = (UniqueConstraint("contract_id", "kind"),)  # each happens at most once

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("trade_contracts.id"), index=True)
    kind: Mapped[JournalKind] = mapped_column(enum_column(JournalKind, "journal_kind"))
    memo: Mapped[str] = mapped_column(String(200))
    ledger_seq: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    postings: Mapped[list[EscrowPosting]] = relationship(
        back_populates="journal", order_by="EscrowPosting.id"
    )


class EscrowPosting(Base):
    """One side of a journal entry: a debit or a credit to one account."""

    __tablename__ = "escrow_postings"
    __table_args__ = (
        CheckConstraint(
            "(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)", name="one_sided"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    journal_id: Mapped[int] = mapped_column(ForeignKey("escrow_journal.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("escrow_accounts.id"), index=True)
    debit: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    credit: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))

    journal: Mapped[EscrowJournal] = relationship(back_populates="postings")


class Payment(Base):
    """The buyer's payment for a contract through one gateway."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("trade_contracts.id"), index=True)
    gateway: Mapped[Gateway] = mapped_column(enum_column(Gateway, "gateway"))
    reference: Mapped[str] = mapped_column(String(40), unique=True)  # on the bank transfer
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    status: Mapped[PaymentStatus] = mapped_column(enum_column(PaymentStatus, "payment_status"))
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True)  # PaymentIntent
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None]
    refunded_at: Mapped[datetime | None]
    ledger_seq: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class GatewayEvent(Base):
    """A webhook event as received, kept once by its id so a duplicate is never applied twice."""

    __tablename__ = "gateway_events"
    __table_args__ = (UniqueConstraint("gateway", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gateway: Mapped[Gateway] = mapped_column(enum_column(Gateway, "gateway"))
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(100))
    created: Mapped[int] = mapped_column(BigInteger)  # the gateway's own timestamp
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(40))  # applied, ignored-stale, waiting, …
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
