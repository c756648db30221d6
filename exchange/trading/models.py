"""Trading: organisations' signing keys, negotiations and their rounds, signed contracts and their
signatures, and disputes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
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

from exchange.catalog.domain import Territory, UseScope
from exchange.kernel.models import Base, Money, enum_column, utcnow
from exchange.trading.domain import (
    ContractStatus,
    DisputeStatus,
    KeySource,
    NegotiationStatus,
    RoundAction,
    Side,
)

OPEN_ONLY = text("status = 'open'")
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
    source: Mapped[KeySource] = mapped_column(enum_column(KeySource, "key_source"))
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
        enum_column(NegotiationStatus, "negotiation_status")
    )
    turn: Mapped[Side] = mapped_column(enum_column(Side, "side"))  # who answers next
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
    side: Mapped[Side] = mapped_column(enum_column(Side, "side"))
    action: Mapped[RoundAction] = mapped_column(enum_column(RoundAction, "round_action"))
    price: Mapped[Decimal | None] = mapped_column(Money)
    scope: Mapped[UseScope | None] = mapped_column(enum_column(UseScope, "use_scope"))
    term_months: Mapped[int | None] = mapped_column(SmallInteger)
    territory: Mapped[Territory | None] = mapped_column(enum_column(Territory, "territory"))
    exclusive: Mapped[bool | None]
    seats: Mapped[int | None] = mapped_column(SmallInteger)
    derivative: Mapped[bool | None]
    quota: Mapped[int | None] = mapped_column(Integer)  # calls or queries; none for a copy
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
    status: Mapped[ContractStatus] = mapped_column(enum_column(ContractStatus, "contract_status"))
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
    side: Mapped[Side] = mapped_column(enum_column(Side, "side"))
    address: Mapped[str] = mapped_column(String(42))
    signature: Mapped[str] = mapped_column(String(132))
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ledger_seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contract: Mapped[TradeContract] = relationship(back_populates="signatures")


class Dispute(Base):
    """The buyer's dispute over delivery, opened within the acceptance window."""

    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("trade_contracts.id"), unique=True)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[DisputeStatus] = mapped_column(enum_column(DisputeStatus, "dispute_status"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    ledger_seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
