"""The vendor's side of the catalog: the dashboard, new products, edits, versions and offers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import login_required
from werkzeug.wrappers import Response

from exchange.catalog import browse as catalog
from exchange.catalog import products, versions
from exchange.catalog.extension import data_files
from exchange.catalog.forms import (
    NEW_PRODUCT_DEFAULTS,
    ConfirmSchema,
    NewProductFormSchema,
    edit_schema,
    edit_values,
    field_notes_schema,
)
from exchange.catalog.schemas import OfferSchema, UploadSchema
from exchange.catalog.views.public import PRODUCT, product_context
from exchange.http.context import uow, web_actor
from exchange.http.forms import submit_form
from exchange.http.uploads import accepts_upload, received_upload
from exchange.kernel.errors import PermissionDenied
from exchange.kernel.i18n import N_

bp = Blueprint("vendor", __name__, url_prefix="/vendor/products")
NEW = "catalog/vendor/new_product.html"
EDIT = "catalog/vendor/edit_product.html"
VERSION = "catalog/vendor/new_version.html"
PROCESSING = N_(
    "The file is stored and being checked; its version shows as processing until it is ready."
)


def _to_product(product_id: int, message: str) -> Response:
    flash(message, "success")
    return redirect(url_for("catalog.product", product_id=product_id))


@bp.route("")
@login_required
def dashboard() -> str:
    """Every product of the vendor's organisations, in any status."""
    return render_template(
        "catalog/vendor/products.html", products=products.my_products(uow(), web_actor())
    )


@bp.get("/new")
@login_required
def new_product() -> str:
    """The form for a new product: metadata, the first licence offer and the data file."""
    boards = catalog.list_boards(uow())
    return render_template(NEW, boards=boards, values=NEW_PRODUCT_DEFAULTS, errors={})


@bp.post("/new")
@login_required
@accepts_upload
def create_product() -> Any:
    """Draft the product with its file; the vendor checks the masked sample before submitting."""

    def done(data: dict[str, Any]) -> Response:
        upload = received_upload()
        created = products.create_product(uow(), web_actor(), data_files(), data, upload)
        if versions.is_processing(created):
            return _to_product(created["id"], gettext(PROCESSING))
        return _to_product(created["id"], gettext("The draft is saved. Check it, then submit."))

    return submit_form(NewProductFormSchema(), NEW, done, boards=catalog.list_boards(uow()))


def _editable(product_id: int, form: str = "") -> dict[str, Any]:
    context = product_context(product_id, form)
    if not context["product"]["can_edit"]:
        raise PermissionDenied()
    return context | {"boards": catalog.list_boards(uow())}


@bp.get("/<int:product_id>/edit")
@login_required
def edit(product_id: int) -> str:
    """The product's metadata, filled in."""
    context = _editable(product_id)
    return render_template(EDIT, values=edit_values(context["product"]), errors={}, **context)


@bp.post("/<int:product_id>/edit")
@login_required
def update(product_id: int) -> Any:
    """Save the edited metadata."""
    context = _editable(product_id)

    def done(changes: dict[str, Any]) -> Response:
        products.update_product(uow(), web_actor(), product_id, changes)
        return _to_product(product_id, gettext("The product's details are saved."))

    return submit_form(edit_schema(context["product"]), EDIT, done, **context)


@bp.get("/<int:product_id>/versions/new")
@login_required
def new_version(product_id: int) -> str:
    """The form for a new version of the data file."""
    return render_template(VERSION, values={}, errors={}, **_editable(product_id))


@bp.post("/<int:product_id>/versions/new")
@login_required
@accepts_upload
def add_version(product_id: int) -> Any:
    """Upload a new version; earlier versions and the listing history stay."""

    def done(data: dict[str, Any]) -> Response:
        upload = received_upload()
        product = versions.add_version(
            uow(), web_actor(), data_files(), product_id, upload, note=data.get("note") or ""
        )
        if versions.is_processing(product):
            return _to_product(product_id, gettext(PROCESSING))
        return _to_product(product_id, gettext("The new version is uploaded."))

    return submit_form(UploadSchema(), VERSION, done, **_editable(product_id))


@bp.post("/<int:product_id>/fields")
@login_required
def describe_fields(product_id: int) -> Any:
    """Units, descriptions and personal flags of the latest version's columns."""
    context = product_context(product_id, "fields")
    latest = context["product"]["latest"]
    schema = field_notes_schema(latest["fields"] if latest else [])

    def done(data: dict[str, Any]) -> Response:
        versions.describe_fields(
            uow(),
            web_actor(),
            data_files(),
            product_id,
            data["fields"],
            legal_basis=data["legal_basis"],
        )
        return _to_product(product_id, gettext("The column descriptions are saved."))

    return submit_form(schema, PRODUCT, done, **context)


@bp.post("/<int:product_id>/offers")
@login_required
def add_offer(product_id: int) -> Any:
    """Offer the product on one more set of licence terms."""

    def done(data: dict[str, Any]) -> Response:
        products.add_offer(uow(), web_actor(), product_id, data)
        return _to_product(product_id, gettext("The licence offer is added."))

    return submit_form(OfferSchema(), PRODUCT, done, **product_context(product_id, "offer"))


@bp.post("/<int:product_id>/offers/<int:offer_id>/retire")
@login_required
def retire_offer(product_id: int, offer_id: int) -> Any:
    """Stop offering one set of terms; trades already made on it stand."""

    def done(data: dict[str, Any]) -> Response:
        products.retire_offer(uow(), web_actor(), product_id, offer_id)
        return _to_product(product_id, gettext("The licence offer is retired."))

    context = product_context(product_id, f"retire-{offer_id}")
    return submit_form(ConfirmSchema(), PRODUCT, done, **context)
