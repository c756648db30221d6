"""Web sessions (Flask-Login) and bearer tokens (API) both resolve to an Actor."""

from __future__ import annotations

import secrets

from flask import Flask, g, request, session
from flask_babel import gettext
from flask_login import UserMixin, login_user, logout_user

from exchange.context import client_address, uow
from exchange.domain.errors import NotAuthenticated
from exchange.domain.i18n import N_
from exchange.extensions import db, login_manager
from exchange.services.actors import Actor, load_actor
from exchange.services.tokens import authenticate_token


class SessionUser(UserMixin):
    """The signed-in user as Flask-Login sees it; templates read the actor's plain data."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.id = actor.user_id

    def get_id(self) -> str:
        return str(self.actor.user_id)


def init_auth(app: Flask) -> None:
    """Wire Flask-Login to the actor loader."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.session_protection = "basic"
    # Flask-Login flashes its own English prompt unless given ours and a translator.
    login_manager.login_message = N_("Sign in first")
    login_manager.localize_callback = gettext

    @login_manager.user_loader
    def _load(user_id: str) -> SessionUser | None:
        actor = load_actor(db.session, int(user_id), request.remote_addr)
        return SessionUser(actor) if actor else None


def start_session(actor: Actor) -> None:
    """Begin a fresh session for a signed-in user so no earlier session id survives."""
    chosen_locale = session.get("locale")
    session.clear()
    session["sid"] = secrets.token_urlsafe(24)
    session.permanent = True
    login_user(SessionUser(actor))
    if actor.locale or chosen_locale:
        session["locale"] = actor.locale or chosen_locale


def end_session() -> None:
    """Forget everything the session held but the visitor's language."""
    chosen_locale = session.get("locale")
    logout_user()
    session.clear()
    if chosen_locale:
        session["locale"] = chosen_locale


def bearer_actor() -> Actor:
    """The actor behind the request's bearer token, or a 401."""
    if "bearer_actor" in g:
        return g.bearer_actor
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated()
    g.bearer_actor = authenticate_token(uow(), token.strip(), client_address=client_address())
    return g.bearer_actor


def optional_bearer_actor() -> Actor | None:
    """The token's actor when the request carries one (a bad token is still a 401), else None."""
    if not request.headers.get("Authorization", "").strip():
        return None
    return bearer_actor()
