"""The data API's page for vendors and regulators: an API product's usage by contract and day."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from exchange.delivery import usage
from exchange.http.context import uow, web_actor
from exchange.trading.contract_lookup import trade_contract

bp = Blueprint("delivery", __name__)


@bp.route("/products/<int:product_id>/api-usage")
@login_required
def api_usage(product_id: int) -> str:
    """Each buyer's calls and rows per day, closed days with their ledger entry."""
    found = usage.product_usage(uow(), web_actor(), product_id, contracts=trade_contract)
    return render_template("delivery/api_usage.html", usage=found)
