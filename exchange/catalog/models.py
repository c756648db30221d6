"""Data products: their boards, versions, licence offers and listing history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.catalog.domain import (
    Access,
    FileFormat,
    Grade,
    LicenceKind,
    ListingStatus,
    ProductType,
    Territory,
    UpdateFrequency,
    UseScope,
    VersionState,
)
from exchange.kernel.models import Base, Money, enum_column, utcnow
from exchange.storage import CipherMode


class IndustryBoard(Base):
    """An industry board or sector of the catalog, seeded by a migration."""

    __tablename__ = "industry_boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(8))  # "board" (industry) or "sector"
    position: Mapped[int] = mapped_column(SmallInteger)


class DataProduct(Base):
    __tablename__ = "data_products"
    __table_args__ = (
        Index("ix_data_products_status_listed_at", "status", "listed_at"),
        # Covers the facet counts: one index-only scan groups the listed products.
        Index(
            "ix_data_products_facets",
            "status",
            "board_id",
            "grade",
            "product_type",
            "update_frequency",
            "vendor_id",
        ),
        Index("ix_data_products_status_min_price", "status", "min_price"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("industry_boards.id"))
    title_zh: Mapped[str] = mapped_column(String(120))
    title_en: Mapped[str] = mapped_column(String(200))
    summary_zh: Mapped[str] = mapped_column(String(500))
    summary_en: Mapped[str] = mapped_column(String(1000))
    description: Mapped[str] = mapped_column(Text, default="")
    product_type: Mapped[ProductType] = mapped_column(enum_column(ProductType, "product_type"))
    update_frequency: Mapped[UpdateFrequency] = mapped_column(
        enum_column(UpdateFrequency, "update_frequency")
    )
    coverage_start: Mapped[date | None]
    coverage_end: Mapped[date | None]
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    grade: Mapped[Grade] = mapped_column(enum_column(Grade, "grade"))
    grade_justification: Mapped[str] = mapped_column(Text)
    declared_quality: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[ListingStatus] = mapped_column(
        enum_column(ListingStatus, "listing_status"), default=ListingStatus.DRAFT
    )
    cipher_mode: Mapped[CipherMode] = mapped_column(enum_column(CipherMode, "cipher_mode"))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    latest_version: Mapped[int] = mapped_column(default=0)
    # The cheapest active offer, kept beside the product so the catalog sorts by price.
    min_price: Mapped[Decimal | None] = mapped_column(Money)
    view_count: Mapped[int] = mapped_column(default=0)
    # Raw personal information: the vendor's PIPL Art. 13 basis, and the regulator's approval
    # of which columns go raw on that basis ({"columns", "legal_basis", "by", "at"}).
    pi_legal_basis: Mapped[str | None] = mapped_column(String(24))
    pi_raw_approval: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Pre-segmented text (CJK unigrams and bigrams, English words) the full-text index reads.
    search_title: Mapped[str] = mapped_column(Text, default="")
    search_body: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    listed_at: Mapped[datetime | None]

    board: Mapped[IndustryBoard] = relationship()
    regions: Mapped[list[ProductRegion]] = relationship(
        cascade="all, delete-orphan", order_by="ProductRegion.region"
    )
    offers: Mapped[list[LicenceOffer]] = relationship(
        cascade="all, delete-orphan", order_by="LicenceOffer.id"
    )
    # Only ready versions: whatever reads the product's data (review, delivery, valuation, the
    # page) never sees a file still being profiled or one the worker refused.
    versions: Mapped[list[ProductVersion]] = relationship(
        cascade="all, delete-orphan",
        order_by="ProductVersion.number",
        primaryjoin=f"and_(DataProduct.id == ProductVersion.product_id, "
        f"ProductVersion.state == '{VersionState.READY.value}')",
    )
    # The vendor's view of uploads the worker has not made ready: processing or refused.
    uploads: Mapped[list[ProductVersion]] = relationship(
        viewonly=True,
        order_by="ProductVersion.number",
        primaryjoin=f"and_(DataProduct.id == ProductVersion.product_id, "
        f"ProductVersion.state != '{VersionState.READY.value}')",
    )


class ProductRegion(Base):
    __tablename__ = "product_regions"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("data_products.id", ondelete="CASCADE"), primary_key=True
    )
    region: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class ProductVersion(Base):
    """One upload of the product's data; earlier versions stay."""

    __tablename__ = "product_versions"
    __table_args__ = (UniqueConstraint("product_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("data_products.id", ondelete="CASCADE"))
    number: Mapped[int]
    note: Mapped[str] = mapped_column(String(500), default="")
    file_name: Mapped[str] = mapped_column(String(200))
    file_format: Mapped[FileFormat] = mapped_column(enum_column(FileFormat, "file_format"))
    object_key: Mapped[str] = mapped_column(String(200), unique=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(BigInteger)
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    quality: Mapped[dict[str, Any]] = mapped_column(JSON)
    sample: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A large file is stored first and profiled by the worker: until then it is processing
    # (fields hold the vendor's notes), then ready or refused with the limit it passed.
    state: Mapped[str] = mapped_column(
        String(12), default=VersionState.READY.value, server_default=VersionState.READY.value
    )
    claimed_at: Mapped[datetime | None]  # a worker's lease on a processing version
    refusal: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {"message", "params"}


class LicenceOffer(Base):
    """Terms on which the vendor offers a licence, at a list price in CNY."""

    __tablename__ = "licence_offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("data_products.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[LicenceKind] = mapped_column(enum_column(LicenceKind, "licence_kind"))
    access: Mapped[Access] = mapped_column(enum_column(Access, "offer_access"), default=Access.COPY)
    quota: Mapped[int | None] = mapped_column(Integer)  # calls (API) or queries (computation)
    scope: Mapped[UseScope] = mapped_column(enum_column(UseScope, "use_scope"))
    term_months: Mapped[int] = mapped_column(SmallInteger)
    territory: Mapped[Territory] = mapped_column(enum_column(Territory, "territory"))
    seats: Mapped[int] = mapped_column(SmallInteger)
    derivative: Mapped[bool]
    redistribution: Mapped[bool]
    price: Mapped[Decimal] = mapped_column(Money)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ListingTransition(Base):
    """Who moved a product from one listing status to another, when and why."""

    __tablename__ = "listing_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("data_products.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[ListingStatus | None] = mapped_column(
        enum_column(ListingStatus, "from_status")
    )
    to_status: Mapped[ListingStatus] = mapped_column(enum_column(ListingStatus, "to_status"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    ledger_seq: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(default=utcnow)
