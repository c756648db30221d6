"""Registrations as pages and the API show them: the notice board, one registration, documents,
the objection queue and certificates.

Registrations are public: that is what a public notice is. Objections' reasons and documents
are not: the applicant's members, the objector's members and the supervisors read them; anyone
else sees that an objection exists and how it was decided. Documents are downloaded by the
applicant's members and the supervisors (an objector sees its own evidence).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, TypedDict, cast

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from exchange.accounts.names import PartyName
from exchange.catalog.browse import SUPERVISORS
from exchange.catalog.datafiles import DataFiles
from exchange.catalog.models import DataProduct
from exchange.kernel.actors import Actor, require_found, require_role
from exchange.kernel.errors import NotFound
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role
from exchange.rights.certificates import CertificatePayload
from exchange.rights.display import (
    Names,
    ProductName,
    RecordView,
    organisation_cards,
    product_names,
    record_view,
)
from exchange.rights.domain import (
    ObjectionStatus,
    RegistrationStatus,
    RightKind,
    RightSource,
)
from exchange.rights.models import (
    RightsCertificate,
    RightsDocument,
    RightsObjection,
    RightsRegistration,
)
from exchange.rights.notice import objector_organisation
from exchange.storage import CipherMode

RECENT = 20


class RegistrationSummary(TypedDict):
    """A registration as a list row."""

    id: int
    number: str
    status: RegistrationStatus
    product: ProductName | None
    applicant: PartyName | None
    rights: list[RightKind]
    applied_at: datetime
    notice_ends_at: datetime
    objections: int
    open_objections: int
    certificate: str | None


class DocumentView(TypedDict):
    """A basis document or evidence as listed: never its content."""

    id: int
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str


class ConflictingRegistration(TypedDict):
    """The earlier registration an objection says this one collides with."""

    id: int
    number: str
    applicant: PartyName | None


class ObjectionView(TypedDict):
    """An objection as this visitor may see it: reasons and evidence only to those involved."""

    id: int
    objector: PartyName | None
    flagged: bool
    conflicts_with: ConflictingRegistration | None
    reasons: str | None
    evidence: list[DocumentView]
    status: ObjectionStatus
    decision_reason: str | None
    decided_at: datetime | None
    raised_at: datetime
    ledger_seq: int | None
    decision_seq: int | None


class RegistrationDetail(RegistrationSummary):
    """A registration whole, with what this visitor may do with it."""

    source: RightSource
    source_reference: str | None
    basis_grant_ids: list[int]
    data_sha256: str
    hash_name: str
    registration_hash: str
    canonical: str
    ledger_seq: int
    decided_at: datetime | None
    decision_reason: str | None
    records: list[RecordView]
    documents: list[DocumentView]
    documents_open: bool
    objection_list: list[ObjectionView]
    notice_open: bool
    may_object: bool
    may_withdraw: bool
    may_decide: bool


class NoticeBoard(TypedDict):
    """The public notice board."""

    on_notice: list[RegistrationSummary]
    certified: list[RegistrationSummary]
    now: datetime


class CertificateDetail(TypedDict):
    """A certificate as signed, with the entries behind it."""

    number: str
    payload: CertificatePayload
    signature: str
    key_id: str
    ledger_seq: int
    issued_at: datetime
    registration_id: int
    registration_number: str
    registration_ledger_seq: int
    product_id: int


def _summary(
    registration: RightsRegistration, names: Names, products: dict[int, ProductName]
) -> RegistrationSummary:
    certificate = registration.certificate
    return RegistrationSummary(
        id=registration.id,
        number=registration.number,
        status=registration.status,
        product=products.get(registration.product_id),
        applicant=names.get(registration.applicant_id),
        rights=[r.right for r in registration.records],
        applied_at=registration.created_at,
        notice_ends_at=registration.notice_ends_at,
        objections=len(registration.objections),
        open_objections=sum(o.status == ObjectionStatus.OPEN for o in registration.objections),
        certificate=certificate.number if certificate else None,
    )


def with_parts(query: Any) -> Any:
    """A registrations query that loads their rights, objections and certificate with them."""
    return query.options(
        selectinload(RightsRegistration.records),
        selectinload(RightsRegistration.objections),
        selectinload(RightsRegistration.certificate),
    )


def summaries(
    session: Session, registrations: list[RightsRegistration]
) -> list[RegistrationSummary]:
    """Registrations as list rows, with their product and applicant named."""
    names = organisation_cards(session, (r.applicant_id for r in registrations))
    products = product_names(session, (r.product_id for r in registrations))
    return [_summary(r, names, products) for r in registrations]


def notice_board(uow: UnitOfWork) -> NoticeBoard:
    """Public: every registration on notice (ending soonest first) and the latest certified."""
    session = uow.session
    on_notice = session.scalars(
        with_parts(select(RightsRegistration))
        .where(RightsRegistration.status == RegistrationStatus.NOTICE)
        .order_by(RightsRegistration.notice_ends_at, RightsRegistration.id)
    ).all()
    certified = session.scalars(
        with_parts(select(RightsRegistration))
        .where(RightsRegistration.status == RegistrationStatus.CERTIFIED)
        .order_by(RightsRegistration.decided_at.desc(), RightsRegistration.id.desc())
        .limit(RECENT)
    ).all()
    return NoticeBoard(
        on_notice=summaries(session, list(on_notice)),
        certified=summaries(session, list(certified)),
        now=utcnow(),
    )


def may_read_closely(actor: Actor | None, registration: RightsRegistration) -> bool:
    """The applicant's members and the supervisors read reasons and open documents."""
    return actor is not None and (
        actor.is_member(registration.applicant_id) or actor.has_role(*SUPERVISORS)
    )


def registration_detail(
    uow: UnitOfWork, actor: Actor | None, registration_id: int
) -> RegistrationDetail:
    """A registration with its claims, documents, objections and what this visitor may do."""
    session = uow.session
    registration = require_found(
        session.scalar(
            with_parts(select(RightsRegistration)).where(RightsRegistration.id == registration_id)
        )
    )
    close = may_read_closely(actor, registration)
    involved = [registration.applicant_id] + [o.objector_id for o in registration.objections]
    names = organisation_cards(session, involved)
    conflicting = {
        o.conflicting_registration_id
        for o in registration.objections
        if o.conflicting_registration_id
    }
    others = {
        r.id: r
        for r in session.scalars(
            select(RightsRegistration).where(RightsRegistration.id.in_(conflicting))
        )
    }
    names |= organisation_cards(session, (r.applicant_id for r in others.values()))
    products = product_names(session, [registration.product_id])
    now = utcnow()
    on_notice = registration.status == RegistrationStatus.NOTICE
    objector = objector_organisation(actor, registration)
    objections: list[ObjectionView] = []
    for objection in registration.objections:
        mine = (
            actor is not None
            and objection.objector_id is not None
            and actor.is_member(objection.objector_id)
        )
        other = others.get(objection.conflicting_registration_id or 0)
        objections.append(
            ObjectionView(
                id=objection.id,
                objector=names.get(objection.objector_id or 0),
                flagged=objection.objector_id is None,
                conflicts_with=ConflictingRegistration(
                    id=other.id, number=other.number, applicant=names.get(other.applicant_id)
                )
                if other
                else None,
                reasons=objection.reasons if close or mine else None,
                evidence=[_document(d) for d in objection.evidence] if close or mine else [],
                status=objection.status,
                decision_reason=objection.decision_reason,
                decided_at=objection.decided_at,
                raised_at=objection.created_at,
                ledger_seq=objection.ledger_seq if close or mine else None,
                decision_seq=objection.decision_seq,
            )
        )
    return RegistrationDetail(
        **_summary(registration, names, products),
        source=registration.source,
        source_reference=registration.source_reference,
        basis_grant_ids=list(registration.basis_grant_ids),
        data_sha256=registration.data_sha256,
        hash_name=registration.hash_name,
        registration_hash=registration.registration_hash,
        canonical=registration.canonical,
        ledger_seq=registration.ledger_seq,
        decided_at=registration.decided_at,
        decision_reason=registration.decision_reason,
        records=[record_view(r, names) for r in registration.records],
        documents=[_document(d) for d in registration.documents],
        documents_open=close,
        objection_list=objections,
        notice_open=on_notice and now < registration.notice_ends_at,
        may_object=on_notice and now < registration.notice_ends_at and objector is not None,
        may_withdraw=on_notice
        and actor is not None
        and (m := actor.membership(registration.applicant_id)) is not None
        and Role.VENDOR in m.roles,
        may_decide=on_notice and actor is not None and actor.has_role(Role.OPERATOR),
    )


def _document(document: RightsDocument) -> DocumentView:
    return DocumentView(
        id=document.id,
        file_name=document.file_name,
        content_type=document.content_type,
        size_bytes=document.size_bytes,
        sha256=document.sha256,
    )


def objection_queue(uow: UnitOfWork, actor: Actor) -> list[RegistrationSummary]:
    """Operators: registrations with objections awaiting a decision, oldest first."""
    require_role(actor, Role.OPERATOR)
    session = uow.session
    waiting = (
        session.scalars(
            with_parts(select(RightsRegistration))
            .join(RightsObjection, RightsObjection.registration_id == RightsRegistration.id)
            .where(
                RightsRegistration.status == RegistrationStatus.NOTICE,
                RightsObjection.status == ObjectionStatus.OPEN,
            )
            .order_by(RightsObjection.created_at, RightsRegistration.id)
        )
        .unique()
        .all()
    )
    return summaries(session, list(waiting))


def certificate_detail(uow: UnitOfWork, number: str) -> CertificateDetail:
    """Public: a certificate as signed, with its signature and the entries behind it."""
    session = uow.session
    certificate = require_found(
        session.scalar(select(RightsCertificate).where(RightsCertificate.number == number))
    )
    registration = certificate.registration
    return CertificateDetail(
        number=certificate.number,
        payload=cast(CertificatePayload, certificate.payload),  # as issue_certificate signed it
        signature=certificate.signature,
        key_id=certificate.key_id,
        ledger_seq=certificate.ledger_seq,
        issued_at=certificate.issued_at,
        registration_id=registration.id,
        registration_number=registration.number,
        registration_ledger_seq=registration.ledger_seq,
        product_id=registration.product_id,
    )


def open_document(
    uow: UnitOfWork, actor: Actor | None, document_id: int, files: DataFiles
) -> tuple[DocumentView, Iterator[bytes]]:
    """A basis document or evidence, decrypted, for those who may read it; 404 for others."""
    session = uow.session
    document = require_found(session.get(RightsDocument, document_id))
    registration = require_found(session.get(RightsRegistration, document.registration_id))
    objection = (
        session.get(RightsObjection, document.objection_id) if document.objection_id else None
    )
    own_evidence = (
        actor is not None
        and objection is not None
        and objection.objector_id is not None
        and actor.is_member(objection.objector_id)
    )
    if not (may_read_closely(actor, registration) or own_evidence):
        raise NotFound()
    product = require_found(session.get(DataProduct, registration.product_id))
    mode = CipherMode(product.cipher_mode)
    data_key = files.keys.unwrap(product.wrapped_key, mode)
    return _document(document), files.store.open(document.object_key, data_key, mode)
