"""Stripe's webhook: events signed over the raw body, applied once each.

Not a bearer-token route and not a form: Stripe signs what it sends, so CSRF does not apply and
the body is read exactly as it arrived (a parsed and re-serialised body would not verify). The
schema below only documents the event; the view never loads the body through it.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from marshmallow import Schema, fields

from exchange.http.api import Blueprint
from exchange.http.context import uow
from exchange.payments.domain import Gateway
from exchange.trading import payment_events
from exchange.trading.extension import trading_settings

blp = Blueprint(
    "stripe_webhook", __name__, url_prefix="/api/v1/payments/stripe", description="Stripe"
)

SIGNATURE_HEADER = {
    "in": "header",
    "name": "Stripe-Signature",
    "required": True,
    "schema": {"type": "string"},
    "description": "t=<unix time>,v1=<HMAC-SHA256 of 't.body' under the webhook secret>",
}


class StripeEventDataSchema(Schema):
    object = fields.Dict(
        required=True,
        metadata={"description": "the payment intent (object: payment_intent) or the charge "
                  "(object: charge) the event is about"},
    )  # fmt: skip


class StripeEventSchema(Schema):
    """A Stripe event as Stripe posts it (documentation only: the raw body is verified)."""

    id = fields.String(required=True, metadata={"example": "evt_1Nq..."})
    type = fields.String(
        required=True,
        metadata={"description": "payment_intent.succeeded, payment_intent.payment_failed, "
                  "charge.refunded; any other type is stored and ignored"},
    )  # fmt: skip
    created = fields.Integer(required=True, metadata={"description": "Unix time"})
    data = fields.Nested(StripeEventDataSchema, required=True)


class WebhookOutcomeSchema(Schema):
    outcome = fields.String(
        metadata={"description": "what the event did; a duplicate gets the first outcome"}
    )


@blp.route("/webhook", methods=["POST"])
@blp.doc(
    parameters=[SIGNATURE_HEADER],
    requestBody={
        "required": True,
        "content": {"application/json": {"schema": StripeEventSchema}},
    },
)
@blp.response(200, WebhookOutcomeSchema)
@blp.alt_response(
    400,
    description="A bad or stale signature, or a signed body that is not a Stripe event.",
)
@blp.alt_response(
    503,
    description="Not ready for this event yet: Stripe sends it again (see Retry-After).",
    headers={"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}},
)
def receive() -> Any:
    """Receive one of Stripe's events, verified over its raw body.

    200 with the outcome (a duplicate too); 400 for a bad or stale signature or a malformed
    event; 503 to have Stripe send it again."""
    result = payment_events.handle_stripe_event(
        uow(),
        request.get_data(cache=False),
        request.headers.get("Stripe-Signature"),
        secret=current_app.config["STRIPE_WEBHOOK_SECRET"],
        gateway=trading_settings().gateways.get(Gateway.STRIPE),
    )
    return {"outcome": result["outcome"]}
