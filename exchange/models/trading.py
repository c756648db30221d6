"""Trading: negotiations and their rounds, signed contracts, escrow accounts and postings,
payments and gateway events, entitlements with their downloads, and disputes."""

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
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.domain.catalog import Territory, UseScope
from exchange.domain.trading import (
    AccountKind,
    ContractStatus,
    DisputeStatus,
    EntitlementStatus,
    Gateway,
    JournalKind,
    KeySource,
    NegotiationStatus,
    PaymentStatus,
    RoundAction,
    Side,
)
from exchange.models.base import Base, utcnow
from exchange.models.catalog import Money, _enum

OPEN_ONLY = text("status = 'open'")
SHARED_ONLY = text("organisation_id IS NULL")
# The contract states that hold an exclusive offer: a cancelled or refunded contract frees it,
# and a settled one hands it to the rights records (the operation right moved to the buyer).
LIVE_ONLY = text("status IN ('signing', 'awaiting_payment', 'in_escrow', 'disputed')")


class OrganisationKey(Base):
    """An organisation's signing address: a key the exchange made (kept encrypted under the
    master key) or an address the organisation registered and signs with itself."""

    __tablename__ = "organisation_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), unique=True)
    address: Mapped[str] = mapped_column(String(42))
    source: Mapped[KeySource] = mapped_column(_enum(KeySource, "key_source"))
    encrypted_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Negotiation(Base):
    """A buyer's negotiation with a vendor over one licence offer."""

    __tablename__ = "negotiations"
    __table_args__ = (
        # One open negotiation per buyer and offer, kept by the database on both backends.
        Index(
            "uq_negotiations_open",
            "buyer_id",
            "offer_id",
            unique=True,
            sqlite_where=OPEN_ONLY,
            postgresql_where=OPEN_ONLY,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("licence_offers.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("data_products.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[NegotiationStatus] = mapped_column(
        _enum(NegotiationStatus, "negotiation_status")
    )
    turn: Mapped[Side] = mapped_column(_enum(Side, "side"))  # who answers next
    expires_at: Mapped[datetime] = mapped_column(index=True)
    ledger_seq: Mapped[int | None] = mapped_column(BigInteger)  # the outcome's entry
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    rounds: Mapped[list[NegotiationRound]] = relationship(
        back_populates="negotiation", order_by="NegotiationRound.number"
    )


class NegotiationRound(Base):
    """One move: terms proposed or countered, or an acceptance, rejection or expiry."""

    __tablename__ = "negotiation_rounds"
    __table_args__ = (UniqueConstraint("negotiation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    negotiation_id: Mapped[int] = mapped_column(ForeignKey("negotiations.id"), index=True)
    number: Mapped[int] = mapped_column(SmallInteger)
    side: Mapped[Side] = mapped_column(_enum(Side, "side"))
    action: Mapped[RoundAction] = mapped_column(_enum(RoundAction, "round_action"))
    price: Mapped[Decimal | None] = mapped_column(Money)
    scope: Mapped[UseScope | None] = mapped_column(_enum(UseScope, "use_scope"))
    term_months: Mapped[int | None] = mapped_column(SmallInteger)
    territory: Mapped[Territory | None] = mapped_column(_enum(Territory, "territory"))
    exclusive: Mapped[bool | None]
    seats: Mapped[int | None] = mapped_column(SmallInteger)
    derivative: Mapped[bool | None]
    message: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    negotiation: Mapped[Negotiation] = relationship(back_populates="rounds")


class TradeContract(Base):
    """The terms both sides agreed, frozen as canonical JSON and readable text, to be signed."""

    __tablename__ = "trade_contracts"
    __table_args__ = (
        # The regulators' dashboard reads paid trades of a period from this index alone, and
        # the trade browser pages through trades by date or amount without sorting them all.
        Index(
            "ix_trade_contracts_status_created",
            "status",
            "created_at",
            "price",
            "product_id",
            "vendor_id",
            "buyer_id",
        ),
        Index("ix_trade_contracts_created", "created_at", "id"),
        Index("ix_trade_contracts_price", "price", "id"),
        # One live contract per exclusive offer, kept by the database on both backends.
        Index(
            "uq_trade_contracts_exclusive_offer",
            "exclusive_offer_id",
            unique=True,
            sqlite_where=LIVE_ONLY,
            postgresql_where=LIVE_ONLY,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    negotiation_id: Mapped[int] = mapped_column(ForeignKey("negotiations.id"), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("data_products.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("licence_offers.id"))
    exclusive_offer_id: Mapped[int | None] = mapped_column(Integer)  # the offer, if exclusive
    vendor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    price: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    fee_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    terms: Mapped[dict[str, Any]] = mapped_column(JSON)
    canonical: Mapped[str] = mapped_column(Text)  # the JSON hashed, exactly as hashed
    contract_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of canonical, hex
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    signed_at_unix: Mapped[int] = mapped_column(BigInteger)  # EIP-712 signedAt, fixed at drafting
    status: Mapped[ContractStatus] = mapped_column(_enum(ContractStatus, "contract_status"))
    valuation_band: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # at agreement, if any
    delivered_at: Mapped[datetime | None] = mapped_column(index=True)  # paid: when alerts look
    acceptance_due_at: Mapped[datetime | None]
    settled_at: Mapped[datetime | None]
    ledger_seq: Mapped[int] = mapped_column(BigInteger)
    # The EIP-712 domain its signatures are made and checked under, pinned at the first
    # signature, so a later redeployment of the anchor contract cannot unmake them.
    domain_name: Mapped[str | None] = mapped_column(String(64))
    domain_version: Mapped[str | None] = mapped_column(String(16))
    domain_chain_id: Mapped[int | None] = mapped_column(BigInteger)
    domain_contract: Mapped[str | None] = mapped_column(String(42))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    signatures: Mapped[list[ContractSignature]] = relationship(
        back_populates="contract", order_by="ContractSignature.id"
    )


class ContractSignature(Base):
    """One side's EIP-712 signature over the contract, checked before it is stored."""

    __tablename__ = "contract_signatures"
    __table_args__ = (UniqueConstraint("contract_id", "side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("trade_contracts.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    side: Mapped[Side] = mapped_column(_enum(Side, "side"))
    address: Mapped[str] = mapped_column(String(42))
    signature: Mapped[str] = mapped_column(String(132))
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ledger_seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contract: Mapped[TradeContract] = relationship(back_populates="signatures")


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
    kind: Mapped[AccountKind] = mapped_column(_enum(AccountKind, "account_kind"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    balance: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))


class EscrowJournal(Base):
    """One balanced movement of money for a contract: a payment, a release or a refund."""

    __tablename__ = "escrow_journal"
    __table_args__ = (UniqueConstraint("contract_id", "kind"),)  # each happens at most once

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("trade_contracts.id"), index=True)
    kind: Mapped[JournalKind] = mapped_column(_enum(JournalKind, "journal_kind"))
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
    gateway: Mapped[Gateway] = mapped_column(_enum(Gateway, "gateway"))
    reference: Mapped[str] = mapped_column(String(40), unique=True)  # on the bank transfer
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    status: Mapped[PaymentStatus] = mapped_column(_enum(PaymentStatus, "payment_status"))
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
    gateway: Mapped[Gateway] = mapped_column(_enum(Gateway, "gateway"))
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(100))
    created: Mapped[int] = mapped_column(BigInteger)  # the gateway's own timestamp
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(40))  # applied, ignored-stale, waiting, …
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdempotencyRecord(Base):
    """A request made with an Idempotency-Key: the same key again gets the same answer."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(SmallInteger)  # 0 while the first is under way
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The API's general mechanism (exchange.kernel.idempotency): the first request and the
    # answer as it was sent; the payments' own records leave them empty.
    method: Mapped[str | None] = mapped_column(String(10))
    path: Mapped[str | None] = mapped_column(String(2048))
    content_type: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[str | None] = mapped_column(Text)


class Entitlement(Base):
    """What a paid contract lets the buyer take: the product's data, fingerprinted per buyer,
    or its API under a key with a quota."""

    __tablename__ = "entitlements"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("trade_contracts.id"), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("data_products.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[EntitlementStatus] = mapped_column(
        _enum(EntitlementStatus, "entitlement_status")
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


class Dispute(Base):
    """The buyer's dispute over delivery, opened within the acceptance window."""

    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("trade_contracts.id"), unique=True)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[DisputeStatus] = mapped_column(_enum(DisputeStatus, "dispute_status"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    ledger_seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
