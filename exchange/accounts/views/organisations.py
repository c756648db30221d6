"""An organisation's page: details, members and roles; the directory for supervisors."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required
from werkzeug.wrappers import Response

from exchange.accounts import organisations
from exchange.accounts.schemas import (
    NewMemberSchema,
    OrganisationDetailsSchema,
    OrganisationQuerySchema,
    RolesSchema,
)
from exchange.http.auth import request_throttle
from exchange.http.context import uow, web_actor
from exchange.http.forms import submit_form

bp = Blueprint("organisations", __name__, url_prefix="/organisations")
TEMPLATE = "accounts/organisations/detail.html"


def _page_context(organisation_id: int, form: str) -> dict[str, Any]:
    actor = web_actor()
    return {
        "organisation": organisations.get_organisation(uow(), actor, organisation_id),
        "actor": actor,
        "active_form": form,
    }


@bp.route("/")
@login_required
def directory() -> str:
    """Every organisation, for operators and regulators."""
    query = OrganisationQuerySchema().load(request.args.to_dict())
    rows = organisations.list_organisations(uow(), web_actor(), status=query["status"])
    return render_template(
        "accounts/organisations/directory.html", organisations=rows, status=query["status"]
    )


@bp.route("/mine")
@login_required
def mine() -> Response:
    """The first organisation the user belongs to."""
    memberships = web_actor().memberships
    if not memberships:
        abort(404)
    return redirect(url_for("organisations.detail", organisation_id=memberships[0].organisation_id))


@bp.route("/<int:organisation_id>")
@login_required
def detail(organisation_id: int) -> str:
    """The organisation as the visitor may see it."""
    context = _page_context(organisation_id, "")
    return render_template(TEMPLATE, values=context["organisation"], errors={}, **context)


def _back(organisation_id: int, message: str) -> Response:
    flash(message, "success")
    return redirect(url_for("organisations.detail", organisation_id=organisation_id))


@bp.route("/<int:organisation_id>", methods=["POST"])
@login_required
def update(organisation_id: int) -> Any:
    """Save corrected details."""

    def done(changes: dict[str, Any]) -> Response:
        organisations.update_organisation(uow(), web_actor(), organisation_id, changes)
        return _back(organisation_id, gettext("The organisation's details are saved."))

    return submit_form(
        OrganisationDetailsSchema(partial=True),
        TEMPLATE,
        done,
        **_page_context(organisation_id, "details"),
    )


@bp.route("/<int:organisation_id>/members", methods=["POST"])
@login_required
def add_member(organisation_id: int) -> Any:
    """Create a colleague's account."""

    def done(data: dict[str, Any]) -> Response:
        organisations.add_member(
            uow(), web_actor(), organisation_id, data, throttle=request_throttle()
        )
        return _back(organisation_id, gettext("The member is added."))

    return submit_form(
        NewMemberSchema(), TEMPLATE, done, **_page_context(organisation_id, "member")
    )


@bp.route("/<int:organisation_id>/members/<int:user_id>/roles", methods=["POST"])
@login_required
def set_roles(organisation_id: int, user_id: int) -> Any:
    """Change a member's roles."""

    def done(data: dict[str, Any]) -> Response:
        organisations.set_member_roles(uow(), web_actor(), organisation_id, user_id, data["roles"])
        return _back(organisation_id, gettext("The member's roles are saved."))

    return submit_form(
        RolesSchema(), TEMPLATE, done, **_page_context(organisation_id, f"roles-{user_id}")
    )
