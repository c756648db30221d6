"""The catalog API: browse and search products; vendors create, edit, upload and submit them;
operators and regulators review."""

from __future__ import annotations

from typing import Any

from werkzeug.exceptions import RequestEntityTooLarge

from exchange.catalog import browse as catalog
from exchange.catalog import listing, product_page, products, versions
from exchange.catalog.datafiles import too_large
from exchange.catalog.extension import catalog_cache, data_files
from exchange.catalog.schemas import (
    BoardSchema,
    CatalogQuerySchema,
    FieldNotesSchema,
    OfferSchema,
    ProductInputSchema,
    ProductPageSchema,
    ProductPatchSchema,
    ProductSchema,
    ProductSummarySchema,
    ReasonSchema,
    ReviewDecisionSchema,
    StatusSchema,
    UploadSchema,
)
from exchange.http.api import BEARER, OPTIONAL_BEARER, Blueprint
from exchange.http.auth import bearer_actor, optional_bearer_actor
from exchange.http.context import uow
from exchange.http.problems import exchange_error_response
from exchange.http.uploads import accepts_upload, received_upload

blp = Blueprint("api_catalog", __name__, url_prefix="/api/v1", description="Catalog and listing")


@blp.route("/boards", methods=["GET"])
@blp.response(200, BoardSchema(many=True))
def list_boards() -> Any:
    """The industry boards and sectors with their listed products' counts."""
    return catalog.list_boards(uow())


@blp.route("/products", methods=["GET"])
@blp.arguments(CatalogQuerySchema, location="query")
@blp.response(200, ProductPageSchema)
def list_products(query: dict[str, Any]) -> Any:
    """Listed products: full-text search in Chinese or English, facets, sorting, pages."""
    return catalog.browse(uow(), catalog.CatalogQuery(**query), catalog_cache())


@blp.route("/products", methods=["POST"])
@blp.arguments(ProductInputSchema)
@blp.response(201, ProductSchema)
@blp.doc(security=BEARER)
def create_product(data: dict[str, Any]) -> Any:
    """Draft a product (vendors); upload its file next."""
    return products.create_product(uow(), bearer_actor(), data_files(), data)


@blp.route("/products/<int:product_id>", methods=["GET"])
@blp.response(200, ProductSchema)
@blp.doc(security=OPTIONAL_BEARER)
def get_product(product_id: int) -> Any:
    """A product with its schema, masked sample, quality, offers and versions."""
    return product_page.get_product(uow(), optional_bearer_actor(), product_id, count_view=True)


@blp.route("/products/<int:product_id>", methods=["PATCH"])
@blp.arguments(ProductPatchSchema(partial=True))
@blp.response(200, ProductSchema)
@blp.doc(security=BEARER)
def update_product(changes: dict[str, Any], product_id: int) -> Any:
    """Edit a product (its vendor); grade, board, type and regions only in a draft."""
    return products.update_product(uow(), bearer_actor(), product_id, changes)


@blp.route("/products/<int:product_id>/versions", methods=["POST"])
@blp.arguments(UploadSchema, location="form")
@blp.response(201, ProductSchema)
@blp.alt_response(202, schema=ProductSchema, description="A large file, stored and processing.")
@blp.doc(security=BEARER, description="multipart/form-data with the data file in `file`.")
@accepts_upload
def upload_version(form: dict[str, Any], product_id: int) -> Any:
    """Upload the data file: a product's first version, or a new one; a large file is profiled
    after the answer (202), its version in `uploads` as processing until then."""
    actor = bearer_actor()
    product = versions.add_version(
        uow(), actor, data_files(), product_id, received_upload(), note=form.get("note") or ""
    )
    return product, 202 if versions.is_processing(product) else 201


@blp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error: RequestEntityTooLarge) -> Any:
    """A body far past the upload limit is refused before the view runs: name the file too."""
    return exchange_error_response(too_large(data_files().max_bytes))


@blp.route("/products/<int:product_id>/fields", methods=["PUT"])
@blp.arguments(FieldNotesSchema)
@blp.response(200, ProductSchema)
@blp.doc(security=BEARER)
def describe_fields(data: dict[str, Any], product_id: int) -> Any:
    """Units, descriptions and personal flags of the latest version's columns."""
    return versions.describe_fields(
        uow(),
        bearer_actor(),
        data_files(),
        product_id,
        data["fields"],
        legal_basis=data.get("legal_basis", versions.KEEP),
    )


@blp.route("/products/<int:product_id>/offers", methods=["POST"])
@blp.arguments(OfferSchema)
@blp.response(201, ProductSchema)
@blp.doc(security=BEARER)
def add_offer(data: dict[str, Any], product_id: int) -> Any:
    """Offer the product on one more set of licence terms."""
    return products.add_offer(uow(), bearer_actor(), product_id, data)


@blp.route("/products/<int:product_id>/offers/<int:offer_id>", methods=["DELETE"])
@blp.response(200, ProductSchema)
@blp.doc(security=BEARER)
def retire_offer(product_id: int, offer_id: int) -> Any:
    """Stop offering one set of terms."""
    return products.retire_offer(uow(), bearer_actor(), product_id, offer_id)


@blp.route("/products/<int:product_id>/submit", methods=["POST"])
@blp.response(200, StatusSchema)
@blp.doc(security=BEARER)
def submit(product_id: int) -> Any:
    """Send a draft to compliance review (core data is refused)."""
    return listing.submit(uow(), bearer_actor(), product_id)


@blp.route("/products/<int:product_id>/withdraw", methods=["POST"])
@blp.response(200, StatusSchema)
@blp.doc(security=BEARER)
def withdraw(product_id: int) -> Any:
    """Take a product out of review, back to a draft."""
    return listing.withdraw(uow(), bearer_actor(), product_id)


@blp.route("/products/<int:product_id>/review", methods=["POST"])
@blp.arguments(ReviewDecisionSchema)
@blp.response(200, StatusSchema)
@blp.doc(security=BEARER)
def review(data: dict[str, Any], product_id: int) -> Any:
    """Approve or reject: operators for submitted products, regulators for important data."""
    return listing.review(uow(), bearer_actor(), product_id, data["decision"], data.get("reason"))


@blp.route("/products/<int:product_id>/suspend", methods=["POST"])
@blp.arguments(ReasonSchema)
@blp.response(200, StatusSchema)
@blp.doc(security=BEARER)
def suspend(data: dict[str, Any], product_id: int) -> Any:
    """Take a listed product off the catalog for now (operators)."""
    return listing.suspend(uow(), bearer_actor(), product_id, data.get("reason"))


@blp.route("/products/<int:product_id>/reinstate", methods=["POST"])
@blp.arguments(ReasonSchema)
@blp.response(200, StatusSchema)
@blp.doc(security=BEARER)
def reinstate(data: dict[str, Any], product_id: int) -> Any:
    """Put a suspended product back on the catalog (operators)."""
    return listing.reinstate(uow(), bearer_actor(), product_id, data.get("reason"))


@blp.route("/products/<int:product_id>/delist", methods=["POST"])
@blp.arguments(ReasonSchema)
@blp.response(200, StatusSchema)
@blp.doc(security=BEARER)
def delist(data: dict[str, Any], product_id: int) -> Any:
    """End a listing for good (its vendor or an operator)."""
    return listing.delist(uow(), bearer_actor(), product_id, data.get("reason"))


@blp.route("/review-queue", methods=["GET"])
@blp.response(200, ProductSummarySchema(many=True))
@blp.doc(security=BEARER)
def review_queue() -> Any:
    """Products awaiting the caller: submitted (operators), important data in review
    (regulators)."""
    return listing.review_queue(uow(), bearer_actor())


@blp.route("/my-products", methods=["GET"])
@blp.response(200, ProductSummarySchema(many=True))
@blp.doc(security=BEARER)
def my_products() -> Any:
    """Every product of the caller's vendor organisations, in any status."""
    return products.my_products(uow(), bearer_actor())
