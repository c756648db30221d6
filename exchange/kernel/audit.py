"""Writes and reads the audit log; every security-relevant action passes through record()."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange.kernel.actors import Actor, require_role
from exchange.kernel.models import utcnow
from exchange.kernel.records import AuditEvent
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role


def record(
    session: Session,
    action: str,
    *,
    actor: Actor | None = None,
    actor_id: int | None = None,
    organisation_id: int | None = None,
    subject: str | None = None,
    client_address: str | None = None,
    **detail: Any,
) -> None:
    """Add an audit event to the current unit of work."""
    session.add(
        AuditEvent(
            occurred_at=utcnow(),
            action=action,
            actor_id=actor.user_id if actor else actor_id,
            organisation_id=organisation_id,
            subject=subject,
            client_address=client_address or (actor.client_address if actor else None),
            detail=detail,
        )
    )


class AuditEventView(TypedDict):
    """An audit event as operators and regulators read it (detail as it was recorded)."""

    id: int
    occurred_at: datetime
    action: str
    actor_id: int | None
    organisation_id: int | None
    subject: str | None
    client_address: str | None
    detail: dict[str, Any]


def list_events(
    uow: UnitOfWork, actor: Actor, *, limit: int = 50, before_id: int | None = None
) -> list[AuditEventView]:
    """The newest audit events first, for operators and regulators."""
    require_role(actor, Role.OPERATOR, Role.REGULATOR)
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return [
        AuditEventView(
            id=event.id,
            occurred_at=event.occurred_at,
            action=event.action,
            actor_id=event.actor_id,
            organisation_id=event.organisation_id,
            subject=event.subject,
            client_address=event.client_address,
            detail=event.detail,
        )
        for event in uow.session.scalars(query)
    ]
