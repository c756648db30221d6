"""Web sessions kept on the server, so signing out or a new password ends them for good."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from exchange.accounts.models import ApiToken, WebSession
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork

# How stale last_seen_at may grow before a request writes it again: one write a minute at most.
TOUCH_INTERVAL = timedelta(seconds=60)


@dataclass(frozen=True)
class SessionLifetime:
    """How long a session may sit unused, and how long it may live at all."""

    idle_seconds: int
    absolute_seconds: int


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def open_session(uow: UnitOfWork, user_id: int) -> str:
    """Record a new session for the user and return its id, which only the cookie holds."""
    sid = secrets.token_urlsafe(32)
    uow.session.add(WebSession(sid_hash=_digest(sid), user_id=user_id))
    uow.commit()
    return sid


def session_is_live(uow: UnitOfWork, sid: str, user_id: int, lifetime: SessionLifetime) -> bool:
    """True when the session exists, belongs to the user, was not ended and has not expired."""
    row = uow.session.scalar(select(WebSession).where(WebSession.sid_hash == _digest(sid)))
    if row is None or row.user_id != user_id or row.ended_at is not None:
        return False
    now = utcnow()
    if now - row.created_at > timedelta(seconds=lifetime.absolute_seconds) or (
        now - row.last_seen_at > timedelta(seconds=lifetime.idle_seconds)
    ):
        row.ended_at = now
        uow.commit()
        return False
    if now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
        uow.commit()
    return True


def end_session(uow: UnitOfWork, sid: str) -> None:
    """End one session; a later request carrying its cookie is anonymous."""
    uow.session.execute(
        update(WebSession)
        .where(WebSession.sid_hash == _digest(sid), WebSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    uow.commit()


def end_other_sessions(uow: UnitOfWork, user_id: int, keep_sid: str | None) -> int:
    """End every live session of the user but the one given; the caller commits."""
    query = update(WebSession).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
    if keep_sid:
        query = query.where(WebSession.sid_hash != _digest(keep_sid))
    return uow.session.execute(query.values(ended_at=utcnow())).rowcount  # type: ignore[attr-defined, no-any-return]


def revoke_all_tokens(uow: UnitOfWork, user_id: int) -> int:
    """Revoke every live API token of the user; the caller commits."""
    return uow.session.execute(  # type: ignore[attr-defined, no-any-return]
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount
