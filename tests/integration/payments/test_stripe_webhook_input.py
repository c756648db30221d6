"""Stripe's webhook against hostile input: timestamps outside the tolerance either way, bodies
that are not UTF-8, and genuinely signed events whose fields are the wrong type or absurd — each
a 400 problem with nothing stored, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest

from tests.payments import WEBHOOK_SECRET, counts, stripe_event, stripe_signature

WEBHOOK = "/api/v1/payments/stripe/webhook"
INTENT = {"id": "pi_1", "object": "payment_intent", "amount_received": 100, "metadata": {}}


@pytest.fixture
def signed(app):
    """The app with its webhook secret set; posting signs whatever body it is given."""
    app.config["STRIPE_WEBHOOK_SECRET"] = WEBHOOK_SECRET


def deliver(client, body: bytes, *, timestamp: int | None = None, content_type="application/json"):
    return client.post(
        WEBHOOK,
        data=body,
        content_type=content_type,
        headers={"Stripe-Signature": stripe_signature(body, timestamp=timestamp)},
    )


def refused(response, code: str = "bad-webhook") -> dict[str, Any]:
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["type"].endswith(code)
    return problem


@pytest.mark.parametrize("skew", [301, 86_400, 10**6])
def test_a_timestamp_from_the_future_is_refused(app, client, signed, skew):
    body = stripe_event("payment_intent.succeeded", INTENT)
    problem = refused(deliver(client, body, timestamp=int(time.time()) + skew))
    assert "未来" in problem["detail"]
    assert counts(app)["gateway_events"] == 0


def test_a_timestamp_within_the_tolerance_either_way_is_accepted(app, client, signed):
    for skew in (-250, 250):
        body = stripe_event("payment_intent.succeeded", INTENT)
        response = deliver(client, body, timestamp=int(time.time()) + skew)
        assert response.status_code == 200, response.get_data(as_text=True)
    assert counts(app)["gateway_events"] == 2


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_a_body_that_is_not_utf8_is_refused(app, client, signed, content_type):
    body = stripe_event("payment_intent.succeeded", INTENT).replace(b"pi_1", b"pi_\xff\xfe")
    response = deliver(client, body, content_type=content_type)
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert counts(app)["gateway_events"] == 0


def event_with(**changes: Any) -> bytes:
    """A well-formed event, then each change applied at its dotted path (None deletes)."""
    event = json.loads(stripe_event("payment_intent.succeeded", dict(INTENT)))
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = event
        for name in parents:
            target = target[name]
        target[last] = value
    return json.dumps(event).encode()


MALFORMED = {
    "event is a list": json.dumps([1, 2]).encode(),
    "event is a number": b"12",
    "data is a string": event_with(data="x"),
    "object is a list": event_with(data__object=[INTENT]),
    "id missing": event_with(id=None),
    "id a number": event_with(id=12),
    "id too long": event_with(id="evt_" + "x" * 300),
    "type an object": event_with(type={"a": 1}),
    "created a string": event_with(created="yesterday"),
    "created a float": event_with(created=1.5),
    "created absurd": event_with(created=10**30),
    "created negative": event_with(created=-1),
    "created a boolean": event_with(created=True),
    "intent a number": event_with(data__object__id=7),
    "intent too long": event_with(data__object__id="pi_" + "9" * 400),
    "amount a string": event_with(data__object__amount_received="100"),
    "amount absurd": event_with(data__object__amount_received=10**30),
    "amount negative": event_with(data__object__amount_received=-5),
    "metadata a list": event_with(data__object__metadata=["contract_id"]),
    "metadata nested": event_with(data__object__metadata={"contract_id": {"a": 1}}),
    "metadata huge": event_with(data__object__metadata={f"k{i}": "v" for i in range(51)}),
    "refunded a string": json.dumps(
        json.loads(stripe_event("charge.refunded", {"object": "charge", "refunded": "yes"}))
    ).encode(),
    "nested too deep": event_with(data__object__metadata=json.loads("[" * 80 + "]" * 80)),
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_signed_but_malformed_event_is_refused_logged_and_not_stored(
    app, client, signed, body, caplog
):
    with caplog.at_level(logging.WARNING):
        response = deliver(client, body, content_type="text/plain")
    refused(response, "malformed-webhook")
    assert "Refused a signed but malformed Stripe event" in caplog.text
    assert counts(app)["gateway_events"] == 0
