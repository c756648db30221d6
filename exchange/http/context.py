"""What views need from the request: a unit of work, the client's address, the acting user."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from exchange.extensions import db
from exchange.kernel.actors import Actor
from exchange.kernel.errors import NotAuthenticated
from exchange.kernel.unit_of_work import UnitOfWork


def uow() -> UnitOfWork:
    """A unit of work over this request's session."""
    return UnitOfWork(db.session())


def client_address() -> str | None:
    """The address the request came from (behind a proxy, configure ProxyFix)."""
    return request.remote_addr


def web_actor() -> Actor:
    """The signed-in user of a page request."""
    actor = page_actor()
    if actor is None:
        raise NotAuthenticated()
    return actor


def page_actor() -> Actor | None:
    """The signed-in user of a page anyone may see, or None for a visitor."""
    if not current_user.is_authenticated:
        return None
    # Flask-Login's user is whatever the loader gave it: exchange.http.auth.SessionUser.
    actor: Actor = current_user.actor
    return actor
