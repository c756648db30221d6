"""Stripe's webhook: events signed over the raw body, applied once each.

Not a bearer-token route and not a form: Stripe signs what it sends, so CSRF does not apply and
the body is read exactly as it arrived (a parsed and re-serialised body would not verify).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from exchange.context import uow
from exchange.domain.trading import Gateway
from exchange.services import payment_events
from exchange.trading_setup import trading_setup

bp = Blueprint("stripe_webhook", __name__)


@bp.route("/api/v1/payments/stripe/webhook", methods=["POST"])
def receive() -> ResponseReturnValue:
    """200 with the outcome (a duplicate too); 400 for a bad or stale signature; 503: retry."""
    result = payment_events.handle_stripe_event(
        uow(),
        request.get_data(cache=False),
        request.headers.get("Stripe-Signature"),
        secret=current_app.config["STRIPE_WEBHOOK_SECRET"],
        gateway=trading_setup().gateways.get(Gateway.STRIPE),
    )
    return jsonify({"outcome": result["outcome"]})
