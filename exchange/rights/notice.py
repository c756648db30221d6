"""The public-notice period: objections, an operator's decisions, and certificates when it ends.

Any organisation but the applicant may object while the notice stands, with reasons and
evidence. An operator upholds an objection (the registration is refused) or dismisses it. When
the period has ended and no objection is left open, the certificate is issued: by the worker's
sweep, or at once when an operator dismisses the last objection of a period already over.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from contracts.certificates import CertificateSigner
from exchange.catalog.datafiles import DataFiles
from exchange.catalog.product_page import load_product
from exchange.kernel import audit
from exchange.kernel.actors import Actor, require_found, require_role
from exchange.kernel.errors import Conflict, NotAuthenticated, PermissionDenied, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role
from exchange.ledger.events import record_event
from exchange.rights.certificates import issue_certificate
from exchange.rights.documents import Document, check_documents, discard_documents, store_documents
from exchange.rights.domain import ObjectionStatus, RecordStatus, RegistrationStatus
from exchange.rights.models import RightsObjection, RightsRegistration
from exchange.rights.registration import refuse_unless_on_notice

DECISIONS = ("uphold", "dismiss")
MAX_REASONS = 4000


def objector_organisation(actor: Actor | None, registration: RightsRegistration) -> int | None:
    """The organisation the actor objects for: their first that is not the applicant. The
    exchange's operators decide objections, so they never raise one."""
    if actor is None:
        return None
    return next(
        (
            m.organisation_id
            for m in actor.memberships
            if m.organisation_id != registration.applicant_id and Role.OPERATOR not in m.roles
        ),
        None,
    )


def object_to(
    uow: UnitOfWork,
    actor: Actor | None,
    registration_id: int,
    reasons: str,
    evidence: Sequence[Document] = (),
    *,
    files: DataFiles,
    max_document_bytes: int,
    now: datetime | None = None,
) -> RightsObjection:
    """Raise an objection while the notice stands; it holds the certificate until decided."""
    if actor is None:
        raise NotAuthenticated()
    session = uow.session
    now = now or utcnow()
    registration = _locked(session, registration_id)
    objector = objector_organisation(actor, registration)
    if objector is None:
        raise PermissionDenied(
            N_(
                "Object on behalf of an organisation other than the applicant; the exchange's "
                "operators decide objections and do not raise them."
            )
        )
    refuse_unless_on_notice(registration)
    if now >= registration.notice_ends_at:
        raise Conflict(
            N_("The public-notice period ended on %(day)s; objections are closed."),
            day=registration.notice_ends_at.strftime("%Y-%m-%d %H:%M UTC"),
        )
    reasons = (reasons or "").strip()
    if not reasons:
        raise ValidationFailed.on("reasons", N_("Say why you object."))
    if len(reasons) > MAX_REASONS:
        raise ValidationFailed.on(
            "reasons", N_("Keep the reasons within %(count)s characters."), count=MAX_REASONS
        )
    if _has_open_objection(session, registration.id, objector):
        raise Conflict(N_("Your organisation already has an objection awaiting a decision."))
    checked = check_documents(evidence, field="evidence", max_bytes=max_document_bytes)
    product = load_product(session, registration.product_id)
    objection = RightsObjection(
        registration_id=registration.id,
        objector_id=objector,
        raised_by_id=actor.user_id,
        reasons=reasons,
        status=ObjectionStatus.OPEN,
        ledger_seq=0,
        created_at=now,
    )
    session.add(objection)
    session.flush()
    rows = store_documents(
        files,
        product,
        checked,
        registration_id=registration.id,
        uploaded_by_id=actor.user_id,
        objection_id=objection.id,
    )
    try:
        session.add_all(rows)
        entry = record_event(
            session,
            "rights.objection",
            {
                "registration": registration.number,
                "objection_id": objection.id,
                "objector_id": objector,
                "reasons_sha256": hashlib.sha256(reasons.encode()).hexdigest(),
                "evidence": [{"name": r.file_name, "sha256": r.sha256} for r in rows],
            },
            parties=[registration.applicant_id, objector],
        )
        objection.ledger_seq = entry.seq
        audit.record(
            session,
            "rights.objected",
            actor=actor,
            organisation_id=objector,
            subject=registration.number,
            objection_id=objection.id,
        )
        uow.commit()
    except BaseException:
        discard_documents(files, rows)
        raise
    return objection


def decide(
    uow: UnitOfWork,
    actor: Actor,
    objection_id: int,
    decision: str,
    reason: str,
    *,
    signer: CertificateSigner,
    now: datetime | None = None,
) -> RightsObjection:
    """An operator upholds (the registration is refused) or dismisses an objection."""
    require_role(actor, Role.OPERATOR)
    session = uow.session
    now = now or utcnow()
    objection = require_found(session.get(RightsObjection, objection_id))
    registration = _locked(session, objection.registration_id, with_product=True)
    if decision not in DECISIONS:
        raise ValidationFailed.on("decision", N_("Choose uphold or dismiss."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.on("reason", N_("Give a reason."))
    if objection.status != ObjectionStatus.OPEN:
        raise Conflict(N_("This objection has already been decided."))
    refuse_unless_on_notice(registration)
    operator = next(
        (m.organisation_id for m in actor.memberships if Role.OPERATOR in m.roles), None
    )
    upheld = decision == "uphold"
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.decided_by_id = actor.user_id
    objection.decision_reason = reason
    objection.decided_at = now
    parties = [registration.applicant_id] + (
        [objection.objector_id] if objection.objector_id else []
    )
    entry = record_event(
        session,
        "rights.decision",
        {
            "registration": registration.number,
            "objection_id": objection.id,
            "decision": "upheld" if upheld else "dismissed",
            "reason": reason,
            "registration_refused": upheld,
        },
        parties=parties,
    )
    objection.decision_seq = entry.seq
    if upheld:
        registration.status = RegistrationStatus.REFUSED
        registration.decided_at = now
        registration.decision_reason = reason
        for record in registration.records:
            record.status = RecordStatus.REFUSED
    audit.record(
        session,
        "rights.objection_decided",
        actor=actor,
        organisation_id=operator,
        subject=registration.number,
        objection_id=objection.id,
        decision=decision,
    )
    session.flush()
    if not upheld and _due(session, registration, now):
        issue_certificate(session, registration, signer, now=now)
    uow.commit()
    return objection


def settle_due(uow: UnitOfWork, signer: CertificateSigner, *, now: datetime | None = None) -> int:
    """Issue the certificates whose notice period is over with nothing left open; how many."""
    session = uow.session
    now = now or utcnow()
    open_objection = exists().where(
        RightsObjection.registration_id == RightsRegistration.id,
        RightsObjection.status == ObjectionStatus.OPEN,
    )
    due = session.scalars(
        select(RightsRegistration.id)
        .where(
            RightsRegistration.status == RegistrationStatus.NOTICE,
            RightsRegistration.notice_ends_at <= now,
            ~open_objection,
        )
        .order_by(RightsRegistration.id)
    ).all()
    issued = 0
    for registration_id in due:
        registration = _locked(session, registration_id, with_product=True)
        if not _due(session, registration, now):  # looked at again under the lock
            uow.session.rollback()
            continue
        try:
            issue_certificate(session, registration, signer, now=now)
        except Conflict:  # a right in force overlaps it: it stays on notice for an operator
            uow.session.rollback()
            continue
        uow.commit()
        issued += 1
    return issued


def _due(session: Session, registration: RightsRegistration, now: datetime) -> bool:
    return (
        registration.status == RegistrationStatus.NOTICE
        and registration.notice_ends_at <= now
        and not _has_open_objection(session, registration.id)
    )


def _has_open_objection(
    session: Session, registration_id: int, objector: int | None = None
) -> bool:
    query = select(RightsObjection.id).where(
        RightsObjection.registration_id == registration_id,
        RightsObjection.status == ObjectionStatus.OPEN,
    )
    if objector is not None:
        query = query.where(RightsObjection.objector_id == objector)
    return session.scalar(query.limit(1)) is not None


def _locked(
    session: Session, registration_id: int, *, with_product: bool = False
) -> RightsRegistration:
    """The registration, locked against a concurrent decision (a row lock on PostgreSQL); with
    its product locked first when it may be certified, as every writer of claims locks it."""
    if with_product:
        product_id = session.scalar(
            select(RightsRegistration.product_id).where(RightsRegistration.id == registration_id)
        )
        if product_id is not None:
            load_product(session, product_id, for_update=True)
    registration = session.scalar(
        select(RightsRegistration)
        .where(RightsRegistration.id == registration_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return require_found(registration)
