"""Registering rights: a vendor applies, and the application goes on public notice.

An application claims one or more of the three rights over a product the vendor's organisation
offers, each over a scope and a period, states where the rights come from and brings its basis
documents. It is refused outright when it collides with an exclusive claim already standing; it
is flagged for an operator when another organisation registered the same data (same SHA-256).
The registration — its claims, source, data hash and documents' hashes — is hashed as
canonical JSON with the ledger's hash, and that hash goes to the ledger in the same unit of work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contracts import ledger
from contracts.certificates import REGISTRATION_FORMAT, registration_hash
from contracts.ledger import canonical_json
from exchange.accounts.models import Organisation
from exchange.catalog.datafiles import DataFiles
from exchange.catalog.domain import ListingStatus
from exchange.catalog.listing import require_vendor_member
from exchange.catalog.product_page import can_see, load_product
from exchange.kernel import audit
from exchange.kernel.actors import Actor, require_found
from exchange.kernel.errors import Conflict, NotFound, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.ledger.events import record_event
from exchange.rights.documents import Document, check_documents, discard_documents, store_documents
from exchange.rights.domain import (
    GrantStatus,
    ObjectionStatus,
    RecordStatus,
    RegistrationStatus,
    RightKind,
    RightSource,
    Scope,
    collides,
    uncovered,
)
from exchange.rights.models import LicenceGrant, RightsObjection, RightsRecord, RightsRegistration

STANDING = (RecordStatus.PENDING, RecordStatus.ACTIVE)
NEEDS_REFERENCE = (RightSource.AUTHORISED, RightSource.CONTRACT)


def apply(
    uow: UnitOfWork,
    actor: Actor,
    product_id: int,
    application: Mapping[str, Any],
    documents: Sequence[Document],
    *,
    files: DataFiles,
    notice_seconds: float,
    max_document_bytes: int,
    now: datetime | None = None,
) -> RightsRegistration:
    """Put the application on public notice, with its records pending and its hash on the ledger."""
    session = uow.session
    now = now or utcnow()
    product = load_product(session, product_id, for_update=True)
    if not can_see(actor, product):
        raise NotFound()
    require_vendor_member(actor, product)
    if product.status == ListingStatus.DELISTED:
        raise Conflict(N_("This product has been delisted; that cannot be done now."))
    if not product.versions:
        raise ValidationFailed.on(
            "product_id", N_("Upload the data file first: rights are registered over its data.")
        )
    source = RightSource(application["source"])
    reference = (application.get("source_reference") or "").strip() or None
    if source in NEEDS_REFERENCE and reference is None:
        raise ValidationFailed.on(
            "source_reference", N_("Say which authorisation or contract the rights come from.")
        )
    if not documents:
        raise ValidationFailed.on("documents", N_("Attach at least one basis document."))
    claims = [_claim(c) for c in application["rights"]]
    _refuse_self_collisions(claims)
    _refuse_collisions(session, product.id, claims)
    grant_ids = list(application.get("basis_grant_ids") or [])
    if source == RightSource.DERIVED:
        _require_acquired(session, product.vendor_id, grant_ids, claims, today=now.date())
    elif grant_ids:
        raise ValidationFailed.on(
            "basis_grant_ids", N_("Only a derivative product names the licences it was built on.")
        )
    checked = check_documents(documents, field="documents", max_bytes=max_document_bytes)

    latest = product.versions[-1]
    registration = RightsRegistration(
        number="",
        product_id=product.id,
        applicant_id=product.vendor_id,
        applied_by_id=actor.user_id,
        status=RegistrationStatus.NOTICE,
        source=source,
        source_reference=reference,
        basis_grant_ids=grant_ids,
        data_sha256=latest.sha256,
        hash_name="",
        registration_hash="",
        canonical="",
        notice_ends_at=now + timedelta(seconds=notice_seconds),
        ledger_seq=0,
        created_at=now,
    )
    session.add(registration)
    session.flush()
    registration.number = f"GSR-{now.year}-{registration.id:06d}"
    rows = store_documents(
        files, product, checked, registration_id=registration.id, uploaded_by_id=actor.user_id
    )
    try:
        session.add_all(rows)
        for right, scope, exclusive in claims:
            session.add(
                RightsRecord(
                    product_id=product.id,
                    registration=registration,
                    right=right,
                    holder_id=product.vendor_id,
                    uses=sorted(scope.uses),
                    territory=scope.territory,
                    exclusive=exclusive,
                    starts_on=scope.starts_on,
                    ends_on=scope.ends_on,
                    status=RecordStatus.PENDING,
                )
            )
        try:
            session.flush()
        except IntegrityError:  # a writer that skipped the product's lock: the index held
            session.rollback()
            raise _overlap() from None
        _hash_and_record(session, registration, product.vendor_id, now)
        _flag_same_data(session, registration, now)
        audit.record(
            session,
            "rights.applied",
            actor=actor,
            organisation_id=product.vendor_id,
            subject=registration.number,
            product_id=product.id,
        )
        uow.commit()
    except BaseException:
        discard_documents(files, rows)
        raise
    return registration


def withdraw(uow: UnitOfWork, actor: Actor, registration_id: int) -> RightsRegistration:
    """The applicant takes back an application still on notice; its claims lapse."""
    session = uow.session
    registration = require_found(session.get(RightsRegistration, registration_id))
    require_vendor_member(actor, load_product(session, registration.product_id, for_update=True))
    refuse_unless_on_notice(registration)
    now = utcnow()
    registration.status = RegistrationStatus.WITHDRAWN
    registration.decided_at = now
    for record in registration.records:
        record.status = RecordStatus.CLOSED
        record.closed_at = now
    record_event(
        session,
        "rights.withdrawal",
        {"registration": registration.number, "registration_hash": registration.registration_hash},
        parties=[registration.applicant_id],
    )
    audit.record(
        session,
        "rights.withdrawn",
        actor=actor,
        organisation_id=registration.applicant_id,
        subject=registration.number,
    )
    uow.commit()
    return registration


# Why a step on a registration is refused, by its status.
NOT_NOW = {
    RegistrationStatus.CERTIFIED: N_("This registration is already certified."),
    RegistrationStatus.REFUSED: N_("This registration was refused."),
    RegistrationStatus.WITHDRAWN: N_("This registration was withdrawn."),
}


def refuse_unless_on_notice(registration: RightsRegistration) -> None:
    """Only a registration on notice can be objected to, decided on or withdrawn."""
    if registration.status != RegistrationStatus.NOTICE:
        raise Conflict(NOT_NOW[registration.status], status=registration.status.value)


class ClaimBody(TypedDict):
    """One right as the ledger and the certificate state it, in JSON values."""

    right: str
    uses: list[str]
    territory: str
    exclusive: bool
    starts_on: str
    ends_on: str | None


class DocumentBody(TypedDict):
    """A supporting document as a registration names it: its name, hash and size."""

    name: str
    sha256: str
    size: int


class RegistrationBody(TypedDict):
    """What a registration says, as hashed and stored canonically."""

    format: str
    number: str
    product_id: int
    applicant_id: int
    data_sha256: str
    source: str
    source_reference: str | None
    basis_grant_ids: list[int]
    rights: list[ClaimBody]
    documents: list[DocumentBody]
    applied_at: str
    notice_ends_at: str


def registration_body(registration: RightsRegistration) -> RegistrationBody:
    """What a registration says, as hashed: claims, source, data and documents."""
    return RegistrationBody(
        format=REGISTRATION_FORMAT,
        number=registration.number,
        product_id=registration.product_id,
        applicant_id=registration.applicant_id,
        data_sha256=registration.data_sha256,
        source=registration.source.value,
        source_reference=registration.source_reference,
        basis_grant_ids=list(registration.basis_grant_ids),
        rights=[claim_body(record) for record in registration.records],
        documents=[
            DocumentBody(name=d.file_name, sha256=d.sha256, size=d.size_bytes)
            for d in registration.documents
        ],
        applied_at=ledger.utc_stamp(registration.created_at),
        notice_ends_at=ledger.utc_stamp(registration.notice_ends_at),
    )


def claim_body(record: RightsRecord) -> ClaimBody:
    """One right as the ledger and the certificate state it."""
    return ClaimBody(
        right=record.right.value,
        uses=list(record.uses),
        territory=record.territory.value,
        exclusive=record.exclusive,
        starts_on=record.starts_on.isoformat(),
        ends_on=record.ends_on.isoformat() if record.ends_on else None,
    )


def _hash_and_record(
    session: Session, registration: RightsRegistration, applicant_id: int, now: datetime
) -> None:
    session.refresh(registration, ["records", "documents"])
    _, hasher = ledger.state(session)
    body = registration_body(registration)
    registration.canonical = canonical_json(body)
    registration.hash_name = hasher.name
    registration.registration_hash = registration_hash(hasher, body)
    entry = record_event(
        session,
        "rights.application",
        {
            "registration": registration.number,
            "registration_hash": registration.registration_hash,
            "hash": hasher.name,
            "product_id": registration.product_id,
            "applicant_id": applicant_id,
            "rights": body["rights"],
            "data_sha256": registration.data_sha256,
            "notice_ends_at": body["notice_ends_at"],
        },
        parties=[applicant_id],
    )
    registration.ledger_seq = entry.seq
    for record in registration.records:
        record.ledger_seq = entry.seq


def _flag_same_data(session: Session, registration: RightsRegistration, now: datetime) -> None:
    """Another organisation's standing registration of the same data is flagged for review."""
    other = session.scalar(
        select(RightsRegistration)
        .where(
            RightsRegistration.data_sha256 == registration.data_sha256,
            RightsRegistration.applicant_id != registration.applicant_id,
            RightsRegistration.status.in_(
                (RegistrationStatus.NOTICE, RegistrationStatus.CERTIFIED)
            ),
        )
        .order_by(RightsRegistration.id)
        .limit(1)
    )
    if other is None:
        return
    entry = record_event(
        session,
        "rights.flag",
        {
            "registration": registration.number,
            "conflicts_with": other.number,
            "data_sha256": registration.data_sha256,
        },
        parties=[registration.applicant_id, other.applicant_id],
    )
    session.add(
        RightsObjection(
            registration_id=registration.id,
            objector_id=None,
            raised_by_id=None,
            reasons="",
            conflicting_registration_id=other.id,
            status=ObjectionStatus.OPEN,
            ledger_seq=entry.seq,
            created_at=now,
        )
    )


def _claim(data: Mapping[str, Any]) -> tuple[RightKind, Scope, bool]:
    starts_on: date = data["starts_on"]
    ends_on: date | None = data.get("ends_on")
    if ends_on is not None and ends_on < starts_on:
        raise ValidationFailed.on("rights", N_("A right cannot end before it starts."))
    if not data["uses"]:
        raise ValidationFailed.on("rights", N_("Name at least one use the right covers."))
    scope = Scope.of(data["uses"], data["territory"], starts_on, ends_on)
    return RightKind(data["right"]), scope, bool(data["exclusive"])


def _refuse_self_collisions(claims: Sequence[tuple[RightKind, Scope, bool]]) -> None:
    for index, (right, scope, exclusive) in enumerate(claims):
        for other_right, other, other_exclusive in claims[index + 1 :]:
            if right == other_right and collides(scope, exclusive, other, other_exclusive):
                raise ValidationFailed.on(
                    "rights", N_("The application claims the same right twice over one scope.")
                )


def _refuse_collisions(
    session: Session, product_id: int, claims: Sequence[tuple[RightKind, Scope, bool]]
) -> None:
    """Exclusive claims over the same scope and time cannot both stand: say which one does."""
    standing = session.scalars(
        select(RightsRecord).where(
            RightsRecord.product_id == product_id, RightsRecord.status.in_(STANDING)
        )
    ).all()
    for right, scope, exclusive in claims:
        for record in standing:
            if record.right == right and collides(scope, exclusive, record.scope, record.exclusive):
                holder = session.get(Organisation, record.holder_id)
                raise Conflict(
                    N_(
                        "%(holder)s already holds or claims this right over an overlapping scope "
                        "and period (%(number)s)."
                    ),
                    errors={"rights": [N_("This claim overlaps a right already registered.")]},
                    holder=holder.name_zh if holder else "",
                    number=record.registration.number if record.registration else "",
                )


def refuse_certified_collisions(session: Session, registration: RightsRegistration) -> None:
    """A registration is certified only if none of its claims collides with a right in force
    (the caller holds the product's lock, so nothing comes into force meanwhile)."""
    in_force = session.scalars(
        select(RightsRecord).where(
            RightsRecord.product_id == registration.product_id,
            RightsRecord.status == RecordStatus.ACTIVE,
            RightsRecord.registration_id.is_distinct_from(registration.id),
        )
    ).all()
    for claimed in registration.records:
        for record in in_force:
            if record.right == claimed.right and collides(
                claimed.scope, claimed.exclusive, record.scope, record.exclusive
            ):
                raise _overlap()


def _overlap() -> Conflict:
    return Conflict(
        N_("This claim overlaps a right already registered."),
        errors={"rights": [N_("This claim overlaps a right already registered.")]},
    )


def _require_acquired(
    session: Session,
    organisation_id: int,
    grant_ids: Sequence[int],
    claims: Sequence[tuple[RightKind, Scope, bool]],
    *,
    today: date,
) -> None:
    """A derivative product claims only what its maker's licences allow, and only if they allow
    derivative works."""
    if not grant_ids:
        raise ValidationFailed.on(
            "basis_grant_ids", N_("Name the licences the derivative product was built on.")
        )
    grants = session.scalars(select(LicenceGrant).where(LicenceGrant.id.in_(grant_ids))).all()
    usable = [
        g
        for g in grants
        if g.grantee_id == organisation_id
        and g.status == GrantStatus.ACTIVE
        and g.derivative
        and g.ends_on >= today
    ]
    if len(usable) != len(set(grant_ids)):
        raise ValidationFailed.on(
            "basis_grant_ids",
            N_("Name only your organisation's licences in force that allow derivative works."),
        )
    if uncovered([scope for _, scope, _ in claims], [g.scope for g in usable]):
        raise ValidationFailed.on(
            "rights", N_("A derivative product cannot claim more than its licences acquired.")
        )
