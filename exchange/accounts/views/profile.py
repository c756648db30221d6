"""The signed-in user's own profile: name, language and password."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import login_required
from werkzeug.wrappers import Response

from exchange.accounts import users as accounts
from exchange.accounts.schemas import ProfileUpdateSchema
from exchange.http.auth import current_session_id, request_throttle
from exchange.http.context import uow, web_actor
from exchange.http.forms import submit_form

bp = Blueprint("account", __name__)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> Any:
    """Show the profile and save changes to it; a new password ends the user's other sessions."""
    actor = web_actor()
    if request.method == "GET":
        values = {"display_name": actor.display_name, "locale": actor.locale or "zh_CN"}
        return render_template(
            "accounts/account/profile.html", actor=actor, values=values, errors={}
        )

    def done(changes: dict[str, Any]) -> Response:
        updated = accounts.update_profile(
            uow(),
            actor,
            changes,
            throttle=request_throttle(),
            current_session=current_session_id(),
        )
        if updated.locale:
            session["locale"] = updated.locale
        flash(gettext("Your profile is saved."), "success")
        return redirect(url_for("account.profile"))

    return submit_form(ProfileUpdateSchema(), "accounts/account/profile.html", done, actor=actor)
