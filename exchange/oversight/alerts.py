"""Raising alerts and moving them through their life: detection, acknowledging, closing, notes.

`detect` is for the exchange's own worker (each pass: `detect(uow, now=…,
thresholds=Thresholds.from_config(app.config))`): it runs every detector in `alert_detectors`
and raises each finding whose key is new, so running it again raises nothing twice (the
unique key also holds if two passes race). Everything else is for regulators only; every
action is an audit event. An alert's status and notes are the regulator's own records, the
only thing here that changes after an alert is raised.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TypedDict

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from exchange.kernel import audit
from exchange.kernel.actors import Actor, require_found, require_role
from exchange.kernel.errors import Conflict, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role
from exchange.oversight.alert_reading import AlertDetail, alert_detail
from exchange.oversight.bursts import download_bursts, purchase_bursts
from exchange.oversight.detectors import (
    Finding,
    circular_trades,
    important_data_trades,
    price_deviations,
    related_parties,
)
from exchange.oversight.domain import (
    NOTE_MAX_LENGTH,
    AlertStatus,
    Thresholds,
    can_move,
)
from exchange.oversight.models import (
    OversightAlert,
    OversightAlertContract,
    OversightAlertOrganisation,
    OversightNote,
)

KEY_CHUNK = 500  # keys per IN list when looking for alerts already raised


DETECTORS = (
    price_deviations,
    circular_trades,
    related_parties,
    purchase_bursts,
    download_bursts,
    important_data_trades,
)


class NoteView(TypedDict):
    """A note just written, with the alert it is on and its author."""

    id: int
    alert_id: int
    author_id: int
    author: str
    body: str
    created_at: datetime


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
    raised = raise_new(session, findings, now)
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


def raise_new(session: Session, findings: Iterable[Finding], now: datetime) -> list[OversightAlert]:
    """Insert the findings not raised before, each in its own savepoint so a race loses quietly;
    the alerts raised."""
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
    view = alert_detail(session, alert)
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
