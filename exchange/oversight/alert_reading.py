"""Alerts as regulators read them: the list, and one alert with its evidence, parties and notes.

Regulators only; every view is an audit event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict, cast

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from exchange.accounts.models import User
from exchange.accounts.names import PartyName, party_names
from exchange.kernel import audit
from exchange.kernel.actors import Actor, require_found, require_role
from exchange.kernel.errors import ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role
from exchange.oversight.domain import AlertKind, AlertStatus
from exchange.oversight.evidence import Evidence
from exchange.oversight.models import OversightAlert
from exchange.trading.models import TradeContract

LIST_LIMIT = 200


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

    evidence: Evidence
    organisations: list[PartyName]
    contracts: list[AlertContract]
    acknowledged_at: datetime | None
    acknowledged_by_id: int | None
    closed_at: datetime | None
    closed_by_id: int | None
    notes: list[AlertNote]


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
    view = alert_detail(session, alert)
    audit.record(
        session, "oversight.alert_viewed", actor=actor, subject=str(alert.id), kind=alert.kind
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


def stored_evidence(alert: OversightAlert) -> Evidence:
    """The evidence as its detector wrote it: the JSON keeps the shape of the alert's kind."""
    return cast(Evidence, alert.evidence)


def alert_detail(session: Session, alert: OversightAlert) -> AlertDetail:
    """One alert as a regulator reads it, its parties, contracts and notes' authors named."""
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
        evidence=stored_evidence(alert),
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
