"""The delivery API: the organisation's entitlements, expiring download links and the
fingerprinted downloads behind them, an API product's keys and the data API its key calls."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request, url_for

from exchange.catalog.extension import data_files
from exchange.delivery import api_keys, data_api, usage
from exchange.delivery import entitlements as delivery
from exchange.delivery.entitlements import CONTENT_TYPES
from exchange.delivery.extension import call_rate, copy_cache
from exchange.delivery.schemas import ProductUsageSchema, RowsArgsSchema, ServedRowsSchema
from exchange.http.api import BEARER, Blueprint
from exchange.http.attachments import content_disposition
from exchange.http.auth import bearer_actor
from exchange.http.context import client_address, uow
from exchange.http.openapi import body_as
from exchange.trading import reading as trade_pages
from exchange.trading.contract_lookup import trade_contract
from exchange.trading.extension import trading_settings
from exchange.trading.schemas import (
    ApiKeyStateSchema,
    DownloadLinkSchema,
    EntitlementSchema,
    IssuedApiKeySchema,
    LinkInputSchema,
)

blp = Blueprint("api_entitlements", __name__, url_prefix="/api/v1", description="Delivery")


@blp.route("/entitlements", methods=["GET"])
@blp.response(200, EntitlementSchema(many=True))
@blp.doc(security=BEARER)
def my_entitlements() -> Any:
    """What the caller's organisations bought: data to download or an API to call."""
    return trade_pages.my_entitlements(uow(), bearer_actor())


@blp.route("/entitlements/<int:entitlement_id>/links", methods=["POST"])
@blp.arguments(LinkInputSchema, required=False)
@blp.response(201, DownloadLinkSchema)
@blp.doc(security=BEARER)
def make_link(data: dict[str, Any], entitlement_id: int) -> Any:
    """A link to a fingerprinted copy of the data (the buyer's members); it soon expires."""
    link = delivery.download_link(
        uow(),
        bearer_actor(),
        entitlement_id,
        secret=current_app.config["SECRET_KEY"],
        lifetime=trading_settings().link_seconds,
        version=data["version"],
        contracts=trade_contract,
    )
    url = url_for("api_entitlements.download", token=link.token, _external=True)
    return {"url": url, "expires_at": link.expires_at}


@blp.route("/downloads/<token>", methods=["GET"])
@blp.response(200)
@body_as(blp, CONTENT_TYPES.values(), "The buyer's fingerprinted copy, as an attachment.")
def download(token: str) -> Response:
    """The copy behind a download link; the signed link itself is the authority."""
    delivered = delivery.open_download(
        uow(),
        token,
        secret=current_app.config["SECRET_KEY"],
        lifetime=trading_settings().link_seconds,
        files=data_files(),
        client_address=client_address(),
        contracts=trade_contract,
    )
    response = Response(delivered.content, mimetype=delivered.content_type)
    response.headers["Content-Disposition"] = content_disposition(delivered.file_name)
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/data-api/<int:product_id>/rows", methods=["GET"])
@blp.arguments(RowsArgsSchema(), location="query")  # one instance, not one per call
@blp.response(200, ServedRowsSchema)
@blp.doc(security=[{"dataApiKey": []}])
def rows(args: dict[str, Any], product_id: int) -> Any:
    """A page of the licensed version's rows for the buyer's live key, fingerprinted for the
    buyer with personal columns as the contract states; each call spends one of the quota."""
    served = data_api.serve_rows(
        uow(),
        request.headers.get("X-Api-Key", ""),
        data_api.RowsRequest(product_id=product_id, **args),
        files=data_files(),
        cache=copy_cache(),
        rate=call_rate(),
        secret=current_app.config["SECRET_KEY"],
        contracts=trade_contract,
        client_address=client_address(),
    )
    return served, 200, {"Cache-Control": "no-store"}


@blp.route("/entitlements/<int:entitlement_id>/api-key", methods=["POST"])
@blp.response(201, IssuedApiKeySchema)
@blp.doc(security=BEARER)
def issue_api_key(entitlement_id: int) -> Any:
    """A new key for an API product (the buyer's buyers), shown once; any earlier key dies."""
    issued = api_keys.issue_key(uow(), bearer_actor(), entitlement_id, contracts=trade_contract)
    return issued, 201, {"Cache-Control": "no-store"}


@blp.route("/entitlements/<int:entitlement_id>/api-key", methods=["DELETE"])
@blp.response(200, ApiKeyStateSchema)
@blp.doc(security=BEARER)
def revoke_api_key(entitlement_id: int) -> Any:
    """Revoke an API product's live key (the buyer's buyers); calls on it are refused."""
    return api_keys.revoke_key(uow(), bearer_actor(), entitlement_id)


@blp.route("/products/<int:product_id>/api-usage", methods=["GET"])
@blp.response(200, ProductUsageSchema)
@blp.doc(security=BEARER)
def product_usage(product_id: int) -> Any:
    """An API product's metered usage by contract and day (its vendor's vendors, regulators);
    closed days carry their ledger entry."""
    return usage.product_usage(uow(), bearer_actor(), product_id, contracts=trade_contract)
