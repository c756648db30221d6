"""The valuations API: a vendor values a product while listing it, a buyer before buying."""

from __future__ import annotations

from typing import Any

from exchange.http.api import BEARER, Blueprint
from exchange.http.auth import bearer_actor
from exchange.http.context import uow
from exchange.trading.comparables import paid_trades
from exchange.valuation import valuations
from exchange.valuation.extension import valuation_settings
from exchange.valuation.schemas import ValuationRequestSchema, ValuationSchema

blp = Blueprint(
    "api_valuations", __name__, url_prefix="/api/v1", description="Valuations of data products"
)


@blp.route("/products/<int:product_id>/valuations", methods=["POST"])
@blp.arguments(ValuationRequestSchema)
@blp.response(201, ValuationSchema)
@blp.doc(security=BEARER)
def request_valuation(data: dict[str, Any], product_id: int) -> Any:
    """Value a product by cost, income and market approaches into a price band."""
    setup = valuation_settings()
    return valuations.request_valuation(
        uow(),
        bearer_actor(),
        product_id,
        data,
        table=setup.table,
        paid_trades=paid_trades,
        market=setup.market,
    )


@blp.route("/products/<int:product_id>/valuations/latest", methods=["GET"])
@blp.response(200, ValuationSchema)
@blp.doc(security=BEARER)
def latest_valuation(product_id: int) -> Any:
    """The newest valuation of the product the caller may read."""
    return valuations.latest_valuation(uow(), bearer_actor(), product_id)


@blp.route("/valuations/<int:valuation_id>", methods=["GET"])
@blp.response(200, ValuationSchema)
@blp.doc(security=BEARER)
def get_valuation(valuation_id: int) -> Any:
    """One stored valuation with its inputs, band and explanation."""
    return valuations.get_valuation(uow(), bearer_actor(), valuation_id)
