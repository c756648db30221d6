"""Registering an organisation, signing in and out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from marshmallow import fields
from werkzeug.wrappers import Response

from exchange.api.schemas import BaseSchema, RegistrationSchema, email
from exchange.auth import end_session, start_session
from exchange.context import client_address, sign_in_policy, uow, web_actor
from exchange.i18n import current_language
from exchange.services import accounts
from exchange.web.forms import submit_form
from exchange.web.main import safe_next

bp = Blueprint("auth", __name__)


class SignInSchema(BaseSchema):
    email = email(required=True)
    password = fields.String(required=True, load_only=True)


@bp.route("/register", methods=["GET", "POST"])
def register() -> Any:
    """Register an organisation with its first user, then sign that user in."""
    if request.method == "GET":
        return render_template("auth/register.html", values={}, errors={})

    def done(data: dict[str, Any]) -> Response:
        accounts.register_organisation(
            uow(), data, client_address=client_address(), locale=current_language()
        )
        start_session(
            accounts.sign_in(
                uow(),
                data["email"],
                data["password"],
                client_address=client_address(),
                policy=sign_in_policy(),
            )
        )
        flash(
            gettext("Your organisation is registered and awaits verification by the exchange."),
            "success",
        )
        return redirect(url_for("account.profile"))

    return submit_form(RegistrationSchema(), "auth/register.html", done)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Any:
    """Sign in with email and password; repeated failures are throttled."""
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(safe_next())
        return render_template("auth/sign_in.html", values={}, errors={})

    def done(data: dict[str, Any]) -> Response:
        actor = accounts.sign_in(
            uow(),
            data["email"],
            data["password"],
            client_address=client_address(),
            policy=sign_in_policy(),
        )
        start_session(actor)
        flash(gettext("Welcome back, %(name)s.", name=actor.display_name), "success")
        return redirect(safe_next(url_for("main.home")))

    return submit_form(SignInSchema(), "auth/sign_in.html", done)


@bp.route("/sign-out", methods=["POST"])
def sign_out() -> Response:
    """End the session."""
    if current_user.is_authenticated:
        accounts.record_sign_out(uow(), web_actor())
    end_session()
    flash(gettext("You have signed out."), "info")
    return redirect(url_for("main.home"))
