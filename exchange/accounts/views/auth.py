"""Registering an organisation, signing in and out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from marshmallow import fields
from werkzeug.wrappers import Response

from exchange.accounts import users as accounts
from exchange.accounts.schemas import RegistrationSchema
from exchange.http.auth import end_session, request_throttle, start_session
from exchange.http.context import client_address, uow, web_actor
from exchange.http.forms import submit_form
from exchange.http.i18n import current_language
from exchange.http.schemas import BaseSchema, email
from exchange.http.site import safe_next

bp = Blueprint("auth", __name__)


class SignInSchema(BaseSchema):
    email = email(required=True)
    password = fields.String(required=True, load_only=True)


# A browser that once signed in to an account carries this signed cookie naming it, so a
# distributed guess at the account (counted across addresses) does not lock its owner out.
DEVICE_COOKIE = "ganshu_device"
DEVICE_SECONDS = 365 * 86400


def _device_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="known-device")


def known_device(email_address: str) -> bool:
    """True when this browser has signed in to the account before."""
    token = request.cookies.get(DEVICE_COOKIE, "")
    try:
        named = _device_signer().loads(token, max_age=DEVICE_SECONDS) if token else None
    except BadSignature:
        return False
    return isinstance(named, str) and named == email_address.strip().lower()


def remember_device(response: Response, email_address: str) -> Response:
    """Mark this browser as one the account has signed in from."""
    response.set_cookie(
        DEVICE_COOKIE,
        _device_signer().dumps(email_address.strip().lower()),
        max_age=DEVICE_SECONDS,
        httponly=True,
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        samesite="Lax",
    )
    return response


@bp.route("/register", methods=["GET", "POST"])
def register() -> Any:
    """Register an organisation with its first user, then ask them to sign in.

    The answer is the same whether or not the email already had an account, so the form cannot
    be used to learn which addresses are known."""
    if request.method == "GET":
        return render_template("accounts/auth/register.html", values={}, errors={})

    def done(data: dict[str, Any]) -> Response:
        accounts.register_organisation(
            uow(),
            data,
            throttle=request_throttle(),
            client_address=client_address(),
            locale=current_language(),
        )
        flash(gettext(accounts.REGISTRATION_RECEIVED), "success")
        return redirect(url_for("auth.sign_in", next=url_for("account.profile")))

    return submit_form(RegistrationSchema(), "accounts/auth/register.html", done)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Any:
    """Sign in with email and password; repeated attempts wait ever longer."""
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(safe_next())
        return render_template("accounts/auth/sign_in.html", values={}, errors={})

    def done(data: dict[str, Any]) -> Response:
        actor = accounts.sign_in(
            uow(),
            data["email"],
            data["password"],
            throttle=request_throttle(),
            client_address=client_address(),
            known_device=known_device(data["email"]),
        )
        start_session(actor)
        flash(gettext("Welcome back, %(name)s.", name=actor.display_name), "success")
        return remember_device(redirect(safe_next(url_for("main.home"))), actor.email)

    return submit_form(SignInSchema(), "accounts/auth/sign_in.html", done)


@bp.route("/sign-out", methods=["POST"])
def sign_out() -> Response:
    """End the session, on the server too: a copy of the cookie no longer signs anyone in."""
    if current_user.is_authenticated:
        accounts.record_sign_out(uow(), web_actor())
    end_session()
    flash(gettext("You have signed out."), "info")
    return redirect(url_for("main.home"))
