"""Oversight alerts for regulators: detection over recent trades and downloads, the trace of a
leaked copy, and each alert's life (open → acknowledged → closed) with the regulators' notes.

`detect` is for the exchange's own worker (each pass: `detect(uow, now=…,
thresholds=Thresholds.from_config(app.config))`): it runs every detector in `alert_detectors`
and raises each finding whose key is new, so running it again raises nothing twice (the
unique key also holds if two passes race). Everything else is for regulators only; every view and
action is an audit event. An alert's status and notes are the regulator's own records, the
only thing here that changes after an alert is raised.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from exchange.delivery import fingerprint
from exchange.domain.errors import Conflict, PayloadTooLarge, ValidationFailed
from exchange.domain.i18n import N_
from exchange.domain.oversight import (
    LEAK_MAX_BYTES,
    NOTE_MAX_LENGTH,
    AlertKind,
    AlertStatus,
    Thresholds,
    can_move,
    leak_key,
)
from exchange.domain.vocabulary import Role
from exchange.kernel import audit
from exchange.kernel.actors import Actor, require_found, require_role
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.ledger.events import PartyName, party_names
from exchange.models import (
    Download,
    Entitlement,
    OversightAlert,
    OversightAlertContract,
    OversightAlertOrganisation,
    OversightNote,
    ProductVersion,
    TradeContract,
    User,
)
from exchange.models.base import utcnow
from exchange.oversight.bursts import download_bursts, purchase_bursts
from exchange.oversight.detectors import (
    Finding,
    circular_trades,
    important_data_trades,
    price_deviations,
    related_parties,
)

LIST_LIMIT = 200
KEY_CHUNK = 500  # keys per IN list when looking for alerts already raised


DETECTORS = (
    price_deviations,
    circular_trades,
    related_parties,
    purchase_bursts,
    download_bursts,
    important_data_trades,
)


class AlertSummary(TypedDict):
    """An alert as listed: what kind, where it stands, whom and which trades it concerns."""

    id: int
    kind: AlertKind
    status: AlertStatus
    organisation_ids: list[int]
    contract_ids: list[int]
    created_at: datetime
    updated_at: datetime


class AlertContract(TypedDict):
    """A contract an alert concerns, by its number when the exchange still knows it."""

    id: int
    number: str | None


class AlertNote(TypedDict):
    """A regulator's note as shown under its alert."""

    id: int
    author_id: int
    author: str | None
    body: str
    created_at: datetime


class AlertDetail(AlertSummary):
    """One alert as a regulator reads it: its evidence, the parties named, its life and notes."""

    evidence: dict[str, Any]
    organisations: list[PartyName]
    contracts: list[AlertContract]
    acknowledged_at: datetime | None
    acknowledged_by_id: int | None
    closed_at: datetime | None
    closed_by_id: int | None
    notes: list[AlertNote]


class NoteView(TypedDict):
    """A note just written, with the alert it is on and its author."""

    id: int
    alert_id: int
    author_id: int
    author: str
    body: str
    created_at: datetime


class LeakTrace(TypedDict):
    """What tracing a suspect copy found: the leak alert's evidence, or no match."""

    match: dict[str, Any] | None
    candidates: int
    alert_id: int | None
    new: bool


class AlertTransitionRefused(Conflict):
    code = "alert-transition-refused"
    title = N_("The alert cannot move to that status")


def detect(
    uow: UnitOfWork,
    *,
    now: datetime,
    thresholds: Thresholds | None = None,
    since: datetime | None = None,
) -> list[int]:
    """Run every detector over what happened since the lookback and raise the new findings;
    the new alerts' ids (none when everything found was raised before)."""
    thresholds = thresholds or Thresholds()
    since = since if since is not None else now - thresholds.lookback
    session = uow.session
    findings = [
        finding
        for detector in DETECTORS
        for finding in detector(session, since=since, until=now, thresholds=thresholds)
    ]
    raised = _raise_new(session, findings, now)
    if raised:
        counts: dict[str, int] = {}
        for alert in raised:
            counts[alert.kind.value] = counts.get(alert.kind.value, 0) + 1
        audit.record(
            session,
            "oversight.detected",
            raised=counts,
            first_alert_id=raised[0].id,
            since=since.isoformat(),
        )
    uow.commit()
    return [alert.id for alert in raised]


def _raise_new(
    session: Session, findings: Iterable[Finding], now: datetime
) -> list[OversightAlert]:
    """Insert the findings not raised before, each in its own savepoint so a race loses quietly."""
    unique = {finding.key: finding for finding in findings}
    keys = list(unique)
    raised_before: set[str] = set()
    for start in range(0, len(keys), KEY_CHUNK):
        chunk = keys[start : start + KEY_CHUNK]
        raised_before.update(
            session.scalars(
                select(OversightAlert.dedup_key).where(OversightAlert.dedup_key.in_(chunk))
            )
        )
    raised = []
    for key, finding in unique.items():
        if key in raised_before:
            continue
        alert = _alert(finding, now)
        try:
            with session.begin_nested():
                session.add(alert)
                session.flush()
        except IntegrityError:
            continue  # another pass raised it between our look and our insert
        raised.append(alert)
    return raised


def _alert(finding: Finding, now: datetime) -> OversightAlert:
    return OversightAlert(
        kind=finding.kind,
        status=AlertStatus.OPEN,
        dedup_key=finding.key,
        evidence=finding.evidence,
        created_at=now,
        updated_at=now,
        organisations=[
            OversightAlertOrganisation(organisation_id=organisation_id)
            for organisation_id in sorted(set(finding.organisation_ids))
        ],
        contracts=[
            OversightAlertContract(contract_id=contract_id)
            for contract_id in sorted(set(finding.contract_ids))
        ],
    )


def list_alerts(
    uow: UnitOfWork,
    actor: Actor,
    status: AlertStatus | str | None = None,
    kind: AlertKind | str | None = None,
    *,
    limit: int = LIST_LIMIT,
) -> list[AlertSummary]:
    """Regulators only: the newest alerts first, of one status and kind if asked."""
    require_role(actor, Role.REGULATOR)
    wanted_status = _member(AlertStatus, status, "status")
    wanted_kind = _member(AlertKind, kind, "kind")
    session = uow.session
    query = (
        select(OversightAlert)
        .options(selectinload(OversightAlert.organisations), selectinload(OversightAlert.contracts))
        .order_by(OversightAlert.created_at.desc(), OversightAlert.id.desc())
        .limit(limit)
    )
    if wanted_status is not None:
        query = query.where(OversightAlert.status == wanted_status)
    if wanted_kind is not None:
        query = query.where(OversightAlert.kind == wanted_kind)
    alerts = [_summary(alert) for alert in session.scalars(query)]
    audit.record(
        session,
        "oversight.alerts_listed",
        actor=actor,
        status=wanted_status.value if wanted_status else None,
        kind=wanted_kind.value if wanted_kind else None,
        shown=len(alerts),
    )
    uow.commit()
    return alerts


def _member(enum: Any, value: Any, name: str) -> Any:
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        raise ValidationFailed.on(name, N_("There is no such %(name)s."), name=name) from None


def alert_view(uow: UnitOfWork, actor: Actor, alert_id: int) -> AlertDetail:
    """Regulators only: one alert with its evidence, whom it concerns and its notes."""
    require_role(actor, Role.REGULATOR)
    session = uow.session
    alert = require_found(session.get(OversightAlert, alert_id))
    view = _detail(session, alert)
    audit.record(
        session, "oversight.alert_viewed", actor=actor, subject=str(alert.id), kind=alert.kind
    )
    uow.commit()
    return view


def acknowledge(
    uow: UnitOfWork, actor: Actor, alert_id: int, *, now: datetime | None = None
) -> AlertDetail:
    """A regulator takes an open alert up."""
    return _move(uow, actor, alert_id, AlertStatus.ACKNOWLEDGED, now or utcnow())


def close(
    uow: UnitOfWork, actor: Actor, alert_id: int, *, now: datetime | None = None
) -> AlertDetail:
    """A regulator closes an open or acknowledged alert, for good."""
    return _move(uow, actor, alert_id, AlertStatus.CLOSED, now or utcnow())


def _move(
    uow: UnitOfWork, actor: Actor, alert_id: int, target: AlertStatus, now: datetime
) -> AlertDetail:
    require_role(actor, Role.REGULATOR)
    session = uow.session
    alert = require_found(session.get(OversightAlert, alert_id))
    current = alert.status
    if not can_move(current, target):
        raise AlertTransitionRefused(
            N_("This alert is %(current)s; it cannot be moved to %(target)s."),
            current=current.value,
            target=target.value,
        )
    stamps: dict[str, datetime | int] = (
        {"acknowledged_at": now, "acknowledged_by_id": actor.user_id}
        if target == AlertStatus.ACKNOWLEDGED
        else {"closed_at": now, "closed_by_id": actor.user_id}
    )
    # Conditional on the status we checked, so two regulators acting at once cannot both win.
    moved = session.execute(
        update(OversightAlert)
        .where(OversightAlert.id == alert.id, OversightAlert.status == current)
        .values(status=target, updated_at=now, **stamps)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise AlertTransitionRefused(N_("Someone else changed this alert's status just now."))
    audit.record(
        session,
        f"oversight.alert_{target.value}",
        actor=actor,
        subject=str(alert.id),
        kind=alert.kind,
        previous=current.value,
    )
    session.flush()
    session.refresh(alert)
    view = _detail(session, alert)
    uow.commit()
    return view


def add_note(
    uow: UnitOfWork, actor: Actor, alert_id: int, body: str, *, now: datetime | None = None
) -> NoteView:
    """A regulator writes a note on an alert, whatever its status."""
    require_role(actor, Role.REGULATOR)
    text = (body or "").strip()
    if not text:
        raise ValidationFailed.on("body", N_("Write the note."))
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationFailed.on(
            "body", N_("A note is at most %(limit)s characters."), limit=NOTE_MAX_LENGTH
        )
    session = uow.session
    alert = require_found(session.get(OversightAlert, alert_id))
    note = OversightNote(
        alert_id=alert.id, author_id=actor.user_id, body=text, created_at=now or utcnow()
    )
    session.add(note)
    session.flush()
    audit.record(
        session, "oversight.alert_noted", actor=actor, subject=str(alert.id), note_id=note.id
    )
    view = NoteView(
        id=note.id,
        alert_id=alert.id,
        author_id=actor.user_id,
        author=actor.display_name,
        body=note.body,
        created_at=note.created_at,
    )
    uow.commit()
    return view


def _summary(alert: OversightAlert) -> AlertSummary:
    return AlertSummary(
        id=alert.id,
        kind=alert.kind,
        status=alert.status,
        organisation_ids=[link.organisation_id for link in alert.organisations],
        contract_ids=[link.contract_id for link in alert.contracts],
        created_at=alert.created_at,
        updated_at=alert.updated_at,
    )


def _detail(session: Session, alert: OversightAlert) -> AlertDetail:
    names = party_names(session, [link.organisation_id for link in alert.organisations])
    contract_ids = [link.contract_id for link in alert.contracts]
    contracts = select(TradeContract.id, TradeContract.number).where(
        TradeContract.id.in_(contract_ids)
    )
    numbers = {row.id: row.number for row in session.execute(contracts)}
    writers = select(User.id, User.display_name).where(
        User.id.in_({note.author_id for note in alert.notes})
    )
    authors = {row.id: row.display_name for row in session.execute(writers)}
    return AlertDetail(
        **_summary(alert),
        evidence=alert.evidence,
        organisations=[names[link.organisation_id] for link in alert.organisations],
        contracts=[AlertContract(id=i, number=numbers.get(i)) for i in contract_ids],
        acknowledged_at=alert.acknowledged_at,
        acknowledged_by_id=alert.acknowledged_by_id,
        closed_at=alert.closed_at,
        closed_by_id=alert.closed_by_id,
        notes=[
            AlertNote(
                id=note.id,
                author_id=note.author_id,
                author=authors.get(note.author_id),
                body=note.body,
                created_at=note.created_at,
            )
            for note in alert.notes
        ],
    )


def trace_leak(
    uow: UnitOfWork,
    actor: Actor,
    file_name: str,
    content: bytes,
    *,
    max_bytes: int = LEAK_MAX_BYTES,
    now: datetime | None = None,
) -> LeakTrace:
    """Regulators only: name the entitlement whose fingerprint a suspect copy carries and raise
    a leak alert for it. A file too large or unreadable is refused and nothing is written."""
    require_role(actor, Role.REGULATOR)
    if len(content) > max_bytes:
        raise PayloadTooLarge(N_("A suspect file may be at most %(limit)s bytes."), limit=max_bytes)
    try:
        names = fingerprint.column_names(content, file_name)
    except fingerprint.UnreadableCopy as error:
        raise ValidationFailed.on("file", error.message) from None
    now = now or utcnow()
    session = uow.session
    candidates = _fingerprint_keys(session, names)
    match = fingerprint.identify(content, file_name, candidates)
    digest = hashlib.sha256(content).hexdigest()
    alert_id, new = None, False
    if match is not None:
        finding = _leak(session, match, file_name, digest, len(content))
        raised = _raise_new(session, [finding], now)
        new = bool(raised)
        alert_id = session.scalar(
            select(OversightAlert.id).where(OversightAlert.dedup_key == finding.key)
        )
    audit.record(
        session,
        "oversight.leak_traced",
        actor=actor,
        subject=file_name[:200],
        sha256=digest,
        candidates=len(candidates),
        entitlement_id=match.entitlement if match else None,
        alert_id=alert_id,
    )
    uow.commit()
    if match is None:
        return LeakTrace(match=None, candidates=len(candidates), alert_id=None, new=False)
    alert = require_found(session.get(OversightAlert, alert_id))
    return LeakTrace(match=alert.evidence, candidates=len(candidates), alert_id=alert_id, new=new)


def _fingerprint_keys(session: Session, names: list[str]) -> dict[int, bytes]:
    """Each entitlement's fingerprint key, for the products with a version of these columns."""
    wanted = set(names)
    rows = session.execute(
        select(ProductVersion.product_id, ProductVersion.fields).where(
            ProductVersion.product_id.in_(select(Entitlement.product_id).distinct())
        )
    )
    products = {
        row.product_id
        for row in rows
        if {str(field.get("name")) for field in row.fields or []} == wanted
    }
    if not products:
        return {}
    keys = session.execute(
        select(Entitlement.id, Entitlement.fingerprint_key).where(
            Entitlement.product_id.in_(products)
        )
    )
    return {row.id: bytes(row.fingerprint_key) for row in keys}


def _leak(
    session: Session,
    match: fingerprint.Match[int],
    file_name: str,
    digest: str,
    size: int,
) -> Finding:
    entitlement = require_found(session.get(Entitlement, match.entitlement))
    contract = require_found(session.get(TradeContract, entitlement.contract_id))
    names = party_names(session, [contract.buyer_id, contract.vendor_id])
    downloads = session.scalars(
        select(Download)
        .where(Download.entitlement_id == entitlement.id)
        .order_by(Download.created_at, Download.id)
    ).all()
    evidence = {
        "file": {"name": file_name, "sha256": digest, "size_bytes": size},
        "entitlement_id": entitlement.id,
        "product_id": entitlement.product_id,
        "contract": {"id": contract.id, "number": contract.number, "status": contract.status},
        "buyer": names.get(contract.buyer_id),
        "vendor": names.get(contract.vendor_id),
        "score": match.score,
        "confidence": match.confidence,
        "marks": match.evidence,
        "downloads": [
            {
                "id": download.id,
                "user_id": download.user_id,
                "version": download.version_number,
                "fingerprint": download.fingerprint,
                "at": download.created_at.isoformat(),
                "client_address": download.client_address,
            }
            for download in downloads
        ],
    }
    return Finding(
        AlertKind.LEAK,
        leak_key(entitlement.id, digest),
        evidence,
        (contract.buyer_id, contract.vendor_id),
        (contract.id,),
    )
