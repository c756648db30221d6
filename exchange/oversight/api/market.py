"""The regulators' API: the market dashboard, every trade filtered and exported, one trade's
dossier and the check of its proofs, the whole ledger verified, and the listings awaiting a
regulator. Alerts and leaked copies are in oversight_alerts. Regulators and operators read,
everyone else is refused; the services audit each view but the review queue's, which is the
listing workflow's own queue."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from exchange.catalog import listing
from exchange.http.api import BEARER, Blueprint
from exchange.http.attachments import content_disposition
from exchange.http.auth import bearer_actor
from exchange.http.context import uow
from exchange.http.i18n import current_language, translate
from exchange.http.openapi import body_as
from exchange.ledger import events as ledger
from exchange.ledger.extension import chain_of, chain_or_none
from exchange.ledger.schemas import LedgerReportSchema
from exchange.oversight import dashboard as oversight_dashboard
from exchange.oversight import dossier as trade_dossier
from exchange.oversight.export import MEDIA_TYPES, export_trades
from exchange.oversight.schemas import (
    TRADE_EXPORT_PARAMETERS,
    TRADE_LIST_PARAMETERS,
    DashboardQuerySchema,
    DashboardSchema,
    DossierSchema,
    ReviewItemSchema,
    TradePageSchema,
    TradeProofsSchema,
)
from exchange.oversight.trade_query import DEFAULT_SORT, TradeFilters, TradeQuery
from exchange.oversight.trades import TradePage, list_trades, require_reader
from exchange.trading.extension import signing_domain

blp = Blueprint(
    "api_oversight", __name__, url_prefix="/api/v1/oversight", description="Market oversight"
)
# The export's own parameters beside the filters.
EXPORT_KEYS = ("sort", "format")


@blp.route("/dashboard", methods=["GET"])
@blp.arguments(DashboardQuerySchema, location="query")
@blp.response(200, DashboardSchema)
@blp.doc(security=BEARER)
def dashboard(query: dict[str, Any]) -> Any:
    """Trades by month, board, region, grade and party over a period of at most ten years, and
    the review queue now (regulators and operators)."""
    return oversight_dashboard.market_dashboard(uow(), bearer_actor(), **query)


@blp.route("/trades", methods=["GET"])
@blp.response(200, TradePageSchema)
@blp.doc(security=BEARER, parameters=TRADE_LIST_PARAMETERS)
def trades() -> TradePage:
    """A page of every contract matching the filters, with their total (regulators and
    operators); an unknown parameter is refused, not ignored."""
    actor = bearer_actor()
    require_reader(actor)  # a stranger is refused before the query string is judged
    query = TradeQuery.parse(request.args)
    return list_trades(
        uow(), actor, query.filters, sort=query.sort, page=query.page, per_page=query.per_page
    )


@blp.route("/trades/export", methods=["GET"])
@blp.response(200)
@body_as(blp, MEDIA_TYPES.values(), "A CSV (UTF-8 with BOM) or XLSX file, as an attachment.")
@blp.doc(security=BEARER, parameters=TRADE_EXPORT_PARAMETERS)
def export() -> Response:
    """Every contract matching the filters (at most 100,000) as a file headed in the language
    of Accept-Language, Chinese by default (regulators and operators)."""
    actor = bearer_actor()
    require_reader(actor)
    filters = TradeFilters.parse(request.args, also=EXPORT_KEYS)
    made = export_trades(
        uow(),
        actor,
        filters,
        sort=request.args.get("sort", DEFAULT_SORT),
        fmt=request.args.get("format", "csv"),
        language=current_language(),
        translate=translate,
    )
    response = Response(made.content, content_type=made.media_type)
    response.headers["Content-Disposition"] = content_disposition(made.filename)
    return response


@blp.route("/trades/<int:contract_id>", methods=["GET"])
@blp.response(200, DossierSchema)
@blp.doc(security=BEARER)
def trade(contract_id: int) -> trade_dossier.TradeDossier:
    """One trade: contract and verified signatures, negotiation, payments, escrow, delivery
    and downloads, rights, and its ledger entries (regulators and operators)."""
    return trade_dossier.trade_dossier(uow(), bearer_actor(), contract_id, domain=signing_domain())


@blp.route("/trades/<int:contract_id>/verification", methods=["POST"])
@blp.response(200, TradeProofsSchema)
@blp.doc(security=BEARER)
def verify_trade(contract_id: int) -> trade_dossier.TradeProofs:
    """Check each of the trade's ledger entries: in the tree, consistent with the anchored
    tree, and its root on chain when the node answers (regulators and operators)."""
    actor = bearer_actor()
    require_reader(actor)  # before the chain is opened on a stranger's behalf
    return trade_dossier.check_trade_proofs(uow(), actor, contract_id, chain_or_none())


@blp.route("/verification", methods=["POST"])
@blp.response(200, LedgerReportSchema)
@blp.doc(security=BEARER)
def verify_ledger() -> Any:
    """Recompute the whole ledger and check its anchors against the chain (regulators and
    operators), as /ledger/verification does; a node that cannot be reached is named in
    `chain_error`, and a chain that cannot even be opened is an error, never a report that
    looks clean for want of anchors to check."""
    actor = bearer_actor()
    ledger.require_supervisor(actor)  # before the chain is opened on a stranger's behalf
    return ledger.verify_ledger(uow(), actor, chain_of())


@blp.route("/review-queue", methods=["GET"])
@blp.response(200, ReviewItemSchema(many=True))
@blp.doc(security=BEARER)
def review_queue() -> Any:
    """Important-data listings awaiting a regulator's sign-off, oldest first (an operator
    calling it gets the submitted listings awaiting operators)."""
    return listing.review_queue(uow(), bearer_actor())
