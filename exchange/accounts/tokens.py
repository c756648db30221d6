"""Bearer tokens for the API: shown once, stored as a hash, expiring and revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from sqlalchemy import select

from exchange.accounts.actors import load_actor
from exchange.accounts.models import ApiToken
from exchange.accounts.throttle import Throttle
from exchange.accounts.users import sign_in
from exchange.kernel import audit
from exchange.kernel.actors import Actor
from exchange.kernel.errors import NotAuthenticated, NotFound, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork

TOKEN_PREFIX = "gsx_"


@dataclass(frozen=True)
class IssuedToken:
    id: int
    token: str
    name: str
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    uow: UnitOfWork,
    email: str,
    password: str,
    *,
    name: str,
    lifetime_hours: int,
    max_lifetime_hours: int,
    throttle: Throttle,
    client_address: str | None = None,
) -> IssuedToken:
    """Sign in with a password (throttled like the sign-in form) and hand back a new token;
    only its hash is kept."""
    if not 1 <= lifetime_hours <= max_lifetime_hours:
        raise ValidationFailed.on(
            "lifetime_hours",
            N_("Choose between 1 and %(hours)s hours."),
            hours=max_lifetime_hours,
        )
    actor = sign_in(uow, email, password, throttle=throttle, client_address=client_address)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=actor.user_id,
        name=name,
        token_hash=_digest(token),
        expires_at=utcnow() + timedelta(hours=lifetime_hours),
    )
    uow.session.add(row)
    uow.session.flush()
    audit.record(uow.session, "token.created", actor=actor, subject=actor.email, token_id=row.id)
    uow.commit()
    return IssuedToken(id=row.id, token=token, name=name, expires_at=row.expires_at)


def authenticate_token(uow: UnitOfWork, token: str, *, client_address: str | None = None) -> Actor:
    """The actor behind a live token; expired, revoked or unknown tokens are refused alike."""
    row = uow.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        raise NotAuthenticated(N_("The token is invalid, expired or revoked."))
    actor = load_actor(uow.session, row.user_id, client_address)
    if actor is None:
        raise NotAuthenticated(N_("The token is invalid, expired or revoked."))
    return actor


class TokenView(TypedDict):
    """An API token as its owner sees it: never its secret."""

    id: int
    name: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


def list_tokens(uow: UnitOfWork, actor: Actor) -> list[TokenView]:
    """The actor's own tokens, newest first, without their secrets."""
    rows = uow.session.scalars(
        select(ApiToken).where(ApiToken.user_id == actor.user_id).order_by(ApiToken.id.desc())
    )
    return [
        TokenView(
            id=row.id,
            name=row.name,
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
        )
        for row in rows
    ]


def revoke_token(uow: UnitOfWork, actor: Actor, token_id: int) -> None:
    """Revoke one of the actor's own tokens; someone else's token is simply not found."""
    row = uow.session.get(ApiToken, token_id)
    if row is None or row.user_id != actor.user_id:
        raise NotFound()
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(
            uow.session, "token.revoked", actor=actor, subject=actor.email, token_id=row.id
        )
    uow.commit()
