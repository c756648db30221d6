"""The public catalog: search and facets over listed products, and a product's page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypedDict

from flask import Blueprint, render_template, request, url_for
from marshmallow import ValidationError

from exchange.catalog import browse as catalog
from exchange.catalog import product_page
from exchange.catalog.extension import catalog_cache
from exchange.catalog.schemas import CatalogQuerySchema
from exchange.http.context import page_actor, uow
from exchange.http.problems import flatten_errors
from exchange.kernel.errors import NotFound, PermissionDenied
from exchange.kernel.i18n import N_
from exchange.rights import holdings as rights_holdings
from exchange.valuation import access as valuation_access
from exchange.valuation import valuations

bp = Blueprint("catalog", __name__)
PRODUCT = "catalog/product.html"
FACETS = ("board", "grade", "product_type", "region", "update_frequency", "dcmm_level")
SORTS = {
    "relevance": N_("Best match"),
    "newest": N_("Newest first"),
    "price_asc": N_("Price: low to high"),
    "price_desc": N_("Price: high to low"),
}


@bp.app_template_filter("yuan")
def yuan(value: Decimal | int | str | None) -> str:
    """A price in CNY as people write it: ¥12,000.00."""
    return "" if value is None else f"¥{Decimal(value):,.2f}"


@bp.app_template_filter("thousands")
def thousands(value: int | None) -> str:
    """A count with thousands separators."""
    return "" if value is None else f"{value:,}"


@bp.route("/products")
def index() -> tuple[str, int]:
    """Listed products: words, facets with counts, an order and pages."""
    schema = CatalogQuerySchema()
    filters = {k: v for k, v in request.args.items() if k in schema.fields and v.strip()}
    try:
        query = schema.load(filters)
    except ValidationError as error:
        return _catalog_page(filters, None, flatten_errors(error.messages)), 422
    result = catalog.browse(uow(), catalog.CatalogQuery(**query, facets=FACETS), catalog_cache())
    return _catalog_page(filters, result, {}), 200


def _catalog_page(
    filters: dict[str, str], result: catalog.CatalogPage | None, errors: dict[str, list[str]]
) -> str:
    def link(**changes: Any) -> str:
        """This search with some arguments changed (None drops one); back to the first page."""
        args = {"page": None} | changes
        merged: dict[str, Any] = {k: v for k, v in (filters | args).items() if v not in (None, "")}
        return url_for("catalog.index", **merged)

    return render_template(
        "catalog/index.html",
        filters=filters,
        result=result,
        errors=errors,
        boards=catalog.list_boards(uow()),
        sorts=SORTS,
        link=link,
    )


def product_context(product_id: int, active_form: str = "") -> dict[str, Any]:
    """What the product page shows this visitor, for a form on it to be shown again."""
    product = product_page.get_product(uow(), page_actor(), product_id)
    return {
        "product": product,
        "valuation": valuation_card(product),
        "rights": rights_holdings.product_rights(uow(), page_actor(), product_id),
        "active_form": active_form,
    }


@bp.route("/products/<int:product_id>")
def product(product_id: int) -> str:
    """A product's page: metadata, schema, masked sample, quality, offers, versions, vendor."""
    product = product_page.get_product(uow(), page_actor(), product_id, count_view=True)
    return render_template(
        PRODUCT,
        product=product,
        valuation=valuation_card(product),
        rights=rights_holdings.product_rights(uow(), page_actor(), product_id),
        active_form="",
        values={},
        errors={},
    )


class ValuationCard(TypedDict):
    """The product page's valuation card: the latest one readable and whether to offer the form."""

    latest: valuations.ValuationView | None
    may_value: bool
    with_costs: bool


def valuation_card(product: product_page.ProductView) -> ValuationCard | None:
    """The latest valuation this visitor may read and whether to offer the form, or nothing."""
    actor = page_actor()
    if actor is None:
        return None
    try:
        latest = valuations.latest_valuation(uow(), actor, product["id"])
    except (NotFound, PermissionDenied):
        latest = None
    purpose = valuation_access.valuation_purpose(actor, product["vendor"]["id"], product["status"])
    may_value = purpose is not None
    if latest is None and not may_value:
        return None
    return ValuationCard(
        latest=latest,
        may_value=may_value,
        with_costs=purpose == valuation_access.LISTING,
    )
