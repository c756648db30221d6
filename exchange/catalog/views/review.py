"""The listing workflow on pages: the vendor submits, withdraws, delists; reviewers decide."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import login_required
from marshmallow import Schema
from werkzeug.wrappers import Response

from exchange.catalog import listing
from exchange.catalog.browse import ReviewCard
from exchange.catalog.domain import ListingStatus
from exchange.catalog.forms import ConfirmSchema
from exchange.catalog.schemas import ReasonSchema, ReviewDecisionSchema
from exchange.catalog.views.public import PRODUCT, product_context
from exchange.http.context import uow, web_actor
from exchange.http.forms import submit_form

bp = Blueprint("review", __name__)
QUEUE = "catalog/review/queue.html"


def _decided(result: listing.ListingState) -> str:
    if result["status"] == ListingStatus.LISTED:
        return gettext("The product is approved and listed in the catalog.")
    if result["status"] == ListingStatus.IN_REVIEW:
        return gettext("Approved; the important data now awaits a regulator's review.")
    return gettext("The product is sent back to its vendor as a draft.")


def _on_product_page(
    product_id: int, form: str, schema: Schema, act: Callable[[dict[str, Any]], str]
) -> Any:
    """Run one listing step from the product page; errors are shown beside its form."""

    def done(data: dict[str, Any]) -> Response:
        flash(act(data), "success")
        return redirect(url_for("catalog.product", product_id=product_id))

    return submit_form(schema, PRODUCT, done, **product_context(product_id, form))


@bp.route("/products/<int:product_id>/submit", methods=["POST"])
@login_required
def submit(product_id: int) -> Any:
    """The vendor sends a draft to compliance review (core data is refused)."""

    def act(data: dict[str, Any]) -> str:
        listing.submit(uow(), web_actor(), product_id)
        return gettext("The product is submitted for compliance review.")

    return _on_product_page(product_id, "submit", ConfirmSchema(), act)


@bp.route("/products/<int:product_id>/withdraw", methods=["POST"])
@login_required
def withdraw(product_id: int) -> Any:
    """The vendor takes a product out of review, back to a draft."""

    def act(data: dict[str, Any]) -> str:
        listing.withdraw(uow(), web_actor(), product_id)
        return gettext("The product is withdrawn to a draft.")

    return _on_product_page(product_id, "withdraw", ConfirmSchema(), act)


@bp.route("/products/<int:product_id>/delist", methods=["POST"])
@login_required
def delist(product_id: int) -> Any:
    """The vendor ends a listing for good, saying why."""

    def act(data: dict[str, Any]) -> str:
        listing.delist(uow(), web_actor(), product_id, data.get("reason"))
        return gettext("The product is delisted.")

    return _on_product_page(product_id, "delist", ReasonSchema(), act)


@bp.route("/products/<int:product_id>/suspend", methods=["POST"])
@login_required
def suspend(product_id: int) -> Any:
    """An operator takes a listed product off the catalog for now."""

    def act(data: dict[str, Any]) -> str:
        listing.suspend(uow(), web_actor(), product_id, data.get("reason"))
        return gettext("The product is suspended.")

    return _on_product_page(product_id, "suspend", ReasonSchema(), act)


@bp.route("/products/<int:product_id>/reinstate", methods=["POST"])
@login_required
def reinstate(product_id: int) -> Any:
    """An operator puts a suspended product back on the catalog."""

    def act(data: dict[str, Any]) -> str:
        listing.reinstate(uow(), web_actor(), product_id, data.get("reason"))
        return gettext("The product is back on the catalog.")

    return _on_product_page(product_id, "reinstate", ReasonSchema(), act)


@bp.route("/products/<int:product_id>/review", methods=["POST"])
@login_required
def decide_on_product(product_id: int) -> Any:
    """Approve or reject from the product page."""

    def act(data: dict[str, Any]) -> str:
        return _decided(
            listing.review(uow(), web_actor(), product_id, data["decision"], data.get("reason"))
        )

    return _on_product_page(product_id, "review", ReviewDecisionSchema(), act)


def _queue() -> list[ReviewCard]:
    return listing.review_queue(uow(), web_actor())


@bp.route("/review")
@login_required
def queue() -> str:
    """Listings awaiting this reviewer: submitted (operators), important data (regulators)."""
    return render_template(QUEUE, queue=_queue(), values={}, errors={}, active_form="")


@bp.route("/review/<int:product_id>", methods=["POST"])
@login_required
def decide(product_id: int) -> Any:
    """Approve or reject from the queue."""

    def done(data: dict[str, Any]) -> Response:
        result = listing.review(
            uow(), web_actor(), product_id, data["decision"], data.get("reason")
        )
        flash(_decided(result), "success")
        return redirect(url_for("review.queue"))

    return submit_form(
        ReviewDecisionSchema(), QUEUE, done, queue=_queue(), active_form=f"review-{product_id}"
    )
