"""Web sessions (Flask-Login, checked against the server's record) and bearer tokens (API) both
resolve to an Actor; the throttle for guessable actions is built here from Flask-Limiter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, g, request, session
from flask_babel import gettext
from flask_login import UserMixin, login_user, logout_user

from exchange.accounts import sessions, throttle
from exchange.accounts.actors import load_actor
from exchange.accounts.tokens import authenticate_token
from exchange.extensions import db, limiter, login_manager
from exchange.http.context import client_address, uow
from exchange.kernel.actors import Actor
from exchange.kernel.errors import NotAuthenticated
from exchange.kernel.i18n import N_


class SessionUser(UserMixin):
    """The signed-in user as Flask-Login sees it; templates read the actor's plain data."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.id = actor.user_id

    def get_id(self) -> str:
        return str(self.actor.user_id)


def throttle_growth(config: Mapping[str, Any]) -> dict[str, throttle.Growth]:
    """Each throttled scope's first tier, from configuration."""
    window = int(config["SIGNIN_WINDOW_SECONDS"])
    per_account = throttle.Growth(int(config["SIGNIN_MAX_FAILURES"]), window)
    return {
        throttle.SIGN_IN: per_account,
        throttle.PASSWORD_CHECK: per_account,
        throttle.SIGN_IN_ACCOUNT: throttle.Growth(
            int(config["SIGNIN_MAX_FAILURES_PER_ACCOUNT"]), window
        ),
        throttle.SIGN_IN_ADDRESS: throttle.Growth(
            int(config["SIGNIN_MAX_FAILURES_PER_ADDRESS"]), window
        ),
        throttle.REGISTRATION: throttle.Growth(
            int(config["REGISTRATIONS_PER_ADDRESS"]), int(config["REGISTRATION_WINDOW_SECONDS"])
        ),
        throttle.KNOWN_EMAIL: throttle.Growth(
            int(config["REGISTRATIONS_PER_ADDRESS"]), int(config["REGISTRATION_WINDOW_SECONDS"])
        ),
    }


def session_lifetime() -> sessions.SessionLifetime:
    """The idle and absolute lifetimes of a web session, from configuration."""
    return sessions.SessionLifetime(
        idle_seconds=int(current_app.permanent_session_lifetime.total_seconds()),
        absolute_seconds=int(current_app.config["SESSION_ABSOLUTE_SECONDS"]),
    )


def init_auth(app: Flask) -> None:
    """Wire Flask-Login to the actor loader and keep this app's throttle in its extensions."""
    limiter.init_app(app)
    # The limiter object is shared; each app keeps the strategy (and storage) it was given.
    app.extensions["throttle_strategy"] = limiter.limiter
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.session_protection = "basic"
    # Flask-Login flashes its own English prompt unless given ours and a translator.
    login_manager.login_message = N_("Sign in first")
    login_manager.localize_callback = gettext

    @login_manager.user_loader
    def _load(user_id: str) -> SessionUser | None:
        sid = session.get("sid")
        if not isinstance(sid, str) or not sessions.session_is_live(
            uow(), sid, int(user_id), session_lifetime()
        ):
            _forget_session()
            return None
        actor = load_actor(db.session(), int(user_id), request.remote_addr)
        return SessionUser(actor) if actor else None


def current_session_id() -> str | None:
    """The server-side id of this browser's session, if it is signed in."""
    sid = session.get("sid")
    return sid if isinstance(sid, str) else None


def start_session(actor: Actor) -> None:
    """Begin a fresh session for a signed-in user so no earlier session id survives."""
    chosen_locale = session.get("locale")
    previous = current_session_id()
    if previous:
        sessions.end_session(uow(), previous)
    session.clear()
    session["sid"] = sessions.open_session(uow(), actor.user_id)
    session.permanent = True
    login_user(SessionUser(actor))
    if actor.locale or chosen_locale:
        session["locale"] = actor.locale or chosen_locale


def _forget_session() -> None:
    """Clear the cookie's contents but the visitor's language."""
    chosen_locale = session.get("locale")
    session.clear()
    if chosen_locale:
        session["locale"] = chosen_locale


def end_session() -> None:
    """End the session on the server and forget everything it held but the language."""
    sid = current_session_id()
    if sid:
        sessions.end_session(uow(), sid)
    logout_user()
    _forget_session()


def request_throttle() -> throttle.Throttle:
    """The app's throttle for sign-ins, password checks and registrations."""
    config = current_app.config
    return throttle.LimitsThrottle(
        current_app.extensions["throttle_strategy"],
        throttle_growth(config),
        prefix=config["RATELIMIT_KEY_PREFIX"],
    )


def bearer_actor() -> Actor:
    """The actor behind the request's bearer token, or a 401."""
    if "bearer_actor" in g:
        known: Actor = g.bearer_actor
        return known
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated()
    actor = authenticate_token(uow(), token.strip(), client_address=client_address())
    g.bearer_actor = actor
    return actor


def optional_bearer_actor() -> Actor | None:
    """The token's actor when the request carries one (a bad token is still a 401), else None."""
    if not request.headers.get("Authorization", "").strip():
        return None
    return bearer_actor()
