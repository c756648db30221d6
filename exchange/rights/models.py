"""Data rights: registrations on public notice, their objections, the records and certificates
they produce, and the licence grants trades make."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.catalog.domain import Territory
from exchange.kernel.models import Base, enum_column, utcnow
from exchange.rights.domain import (
    GrantStatus,
    ObjectionStatus,
    RecordStatus,
    RegistrationStatus,
    RightKind,
    RightSource,
    Scope,
)

STANDING_ONLY = text("status IN ('pending', 'active')")


def exclusive_slot(context: Any) -> str | None:
    """An exclusive claim's uses as one key (None for a non-exclusive one): two standing
    exclusive claims over the same uses from the same day collide, so the database refuses
    the second even if a writer skipped the product lock."""
    row = context.get_current_parameters()
    return ",".join(sorted(row["uses"])) if row["exclusive"] else None


class RightsRegistration(Base):
    """An application to register rights over a product, as it stands on the notice board."""

    __tablename__ = "rights_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("data_products.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    applied_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus, "registration_status"), index=True
    )
    source: Mapped[RightSource] = mapped_column(enum_column(RightSource, "right_source"))
    source_reference: Mapped[str | None] = mapped_column(Text)
    basis_grant_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # derived products
    data_sha256: Mapped[str] = mapped_column(String(64), index=True)
    hash_name: Mapped[str] = mapped_column(String(8))
    registration_hash: Mapped[str] = mapped_column(String(64))
    canonical: Mapped[str] = mapped_column(Text)  # the JSON hashed, exactly as hashed
    notice_ends_at: Mapped[datetime] = mapped_column(index=True)
    ledger_seq: Mapped[int] = mapped_column(BigInteger)
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    records: Mapped[list[RightsRecord]] = relationship(
        back_populates="registration", order_by="RightsRecord.id"
    )
    documents: Mapped[list[RightsDocument]] = relationship(
        order_by="RightsDocument.id",
        primaryjoin="and_(RightsDocument.registration_id == RightsRegistration.id, "
        "RightsDocument.objection_id.is_(None))",
        viewonly=True,
    )
    objections: Mapped[list[RightsObjection]] = relationship(
        back_populates="registration",
        order_by="RightsObjection.id",
        foreign_keys="RightsObjection.registration_id",
    )
    certificate: Mapped[RightsCertificate | None] = relationship(back_populates="registration")


class RightsRecord(Base):
    """One right over a product held by one organisation, for a scope and a period."""

    __tablename__ = "rights_records"
    __table_args__ = (
        Index("ix_rights_records_claims", "product_id", "right", "status"),
        Index(
            "uq_rights_records_exclusive_slot",
            "product_id",
            "right",
            "starts_on",
            "exclusive_slot",
            unique=True,
            sqlite_where=STANDING_ONLY,
            postgresql_where=STANDING_ONLY,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("data_products.id"))
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("rights_registrations.id"))
    right: Mapped[RightKind] = mapped_column(enum_column(RightKind, "right_kind"))
    holder_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    uses: Mapped[list[str]] = mapped_column(JSON)
    territory: Mapped[Territory] = mapped_column(enum_column(Territory, "territory"))
    exclusive: Mapped[bool]
    exclusive_slot: Mapped[str | None] = mapped_column(String(120), default=exclusive_slot)
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    status: Mapped[RecordStatus] = mapped_column(enum_column(RecordStatus, "record_status"))
    transferred_from_id: Mapped[int | None] = mapped_column(ForeignKey("rights_records.id"))
    contract_ref: Mapped[str | None] = mapped_column(String(64))  # the trade that opened it
    closed_by_contract: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None]
    ledger_seq: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    registration: Mapped[RightsRegistration | None] = relationship(back_populates="records")

    @property
    def scope(self) -> Scope:
        """What the record covers, as the domain compares scopes."""
        return Scope.of(self.uses, self.territory, self.starts_on, self.ends_on)


class RightsDocument(Base):
    """A basis document (or an objection's evidence), stored encrypted, known by its hash."""

    __tablename__ = "rights_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("rights_registrations.id"), index=True)
    objection_id: Mapped[int | None] = mapped_column(ForeignKey("rights_objections.id"))
    file_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    object_key: Mapped[str] = mapped_column(String(512))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RightsObjection(Base):
    """An objection to a registration on notice, or a conflict the exchange flagged itself."""

    __tablename__ = "rights_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("rights_registrations.id"), index=True)
    objector_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))  # None: flag
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reasons: Mapped[str] = mapped_column(Text)
    conflicting_registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("rights_registrations.id")
    )
    status: Mapped[ObjectionStatus] = mapped_column(
        enum_column(ObjectionStatus, "objection_status")
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    ledger_seq: Mapped[int] = mapped_column(BigInteger)
    decision_seq: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    registration: Mapped[RightsRegistration] = relationship(
        back_populates="objections", foreign_keys=[registration_id]
    )
    evidence: Mapped[list[RightsDocument]] = relationship(order_by="RightsDocument.id")


class RightsCertificate(Base):
    """The certificate issued when a registration's notice period ends with nothing standing."""

    __tablename__ = "rights_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("rights_registrations.id"), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # what was signed
    signature: Mapped[str] = mapped_column(String(128))
    key_id: Mapped[str] = mapped_column(String(16))
    ledger_seq: Mapped[int] = mapped_column(BigInteger)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)

    registration: Mapped[RightsRegistration] = relationship(back_populates="certificate")


class LicenceGrant(Base):
    """A non-exclusive licence a trade gave: who may use what, until when; the holder stays."""

    __tablename__ = "licence_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("data_products.id"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("rights_records.id"))
    grantor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    grantee_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    uses: Mapped[list[str]] = mapped_column(JSON)
    territory: Mapped[Territory] = mapped_column(enum_column(Territory, "territory"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    derivative: Mapped[bool]
    contract_ref: Mapped[str] = mapped_column(String(64))
    status: Mapped[GrantStatus] = mapped_column(enum_column(GrantStatus, "grant_status"))
    ledger_seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def scope(self) -> Scope:
        """What the grant covers, as the domain compares scopes."""
        return Scope.of(self.uses, self.territory, self.starts_on, self.ends_on)
