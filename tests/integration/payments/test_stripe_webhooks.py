"""Stripe's webhook over HTTP: genuinely signed events, applied once each, never backwards;
duplicates, concurrent duplicates, early and late events, refunds; SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest

from exchange.extensions import db
from exchange.kernel.errors import Conflict
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.payments import escrow
from exchange.payments.domain import AccountKind
from exchange.payments.gateways import Charge
from exchange.trading import payment_outcomes, payment_start
from exchange.trading.domain import ContractStatus
from exchange.trading.models import TradeContract
from tests.payments import (
    actor,
    balance,
    contract_status,
    counts,
    ledger_count,
    payment_row,
    stripe,
    stripe_event,
    stripe_signature,
    trade,
)

__all__ = ["stripe"]
WEBHOOK = "/api/v1/payments/stripe/webhook"


def deliver(client, body, signature=None):
    """Post an event as Stripe does: the raw JSON body and its Stripe-Signature header."""
    return client.post(
        WEBHOOK,
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": signature or stripe_signature(body)},
    )


def started_by_card(app, stripe, price="12000.00"):
    t = trade(app, price=price)
    with app.app_context():
        started = payment_start.start_payment(
            UnitOfWork(db.session), actor(t.buyer), t.contract_id, gateway=stripe.stripe
        )
    return t, started


def succeeded(stripe, started, event_id=None):
    return stripe_event(
        "payment_intent.succeeded",
        stripe.standin.succeed(started["external_id"]),
        event_id=event_id,
    )


def test_a_succeeded_event_puts_the_price_in_escrow(app, client, stripe):
    t, started = started_by_card(app, stripe)
    response = deliver(client, succeeded(stripe, started))
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"outcome": "applied"}
    assert contract_status(app, t.contract_id) == ContractStatus.IN_ESCROW
    assert payment_row(app, started["id"])["status"] == "succeeded"
    assert balance(app, AccountKind.ESCROW) == Decimal("12000.00")
    assert ledger_count(app, "trade.payment") == 1


def test_a_duplicate_event_changes_nothing(app, client, stripe):
    t, started = started_by_card(app, stripe)
    body = succeeded(stripe, started)
    assert deliver(client, body).get_json() == {"outcome": "applied"}
    before = counts(app)
    again = deliver(client, body)  # Stripe re-sends the very same event, signed anew
    assert again.status_code == 200
    assert again.get_json() == {"outcome": "applied"}
    assert counts(app) == before == {"payments": 1, "escrow_journal": 1, "gateway_events": 1}
    assert ledger_count(app, "trade.payment") == 1
    assert balance(app, AccountKind.ESCROW) == t.price


def test_concurrent_duplicate_deliveries_apply_once(app, stripe):
    t, started = started_by_card(app, stripe)
    body = succeeded(stripe, started)
    deliveries = 4
    barrier = threading.Barrier(deliveries)
    answers: list[tuple[int, dict]] = []

    def deliver_in_parallel():
        client = app.test_client()
        barrier.wait()
        response = deliver(client, body)
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=deliver_in_parallel) for _ in range(deliveries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [(200, {"outcome": "applied"})] * deliveries
    assert counts(app) == {"payments": 1, "escrow_journal": 1, "gateway_events": 1}
    assert ledger_count(app, "trade.payment") == 1
    assert balance(app, AccountKind.ESCROW) == t.price
    with app.app_context():
        assert escrow.trial_balance(db.session).balanced


def test_a_stale_webhook_is_refused_and_nothing_is_stored(app, client, stripe):
    t, started = started_by_card(app, stripe)
    body = succeeded(stripe, started)
    stale = stripe_signature(body, timestamp=int(time.time()) - 301)
    response = deliver(client, body, stale)
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert response.get_json()["type"].endswith("bad-webhook")
    assert "已过时" in response.get_json()["detail"]  # no Accept-Language: Chinese
    assert counts(app)["gateway_events"] == 0
    assert contract_status(app, t.contract_id) == ContractStatus.AWAITING_PAYMENT


def test_a_bad_signature_is_refused_and_nothing_is_stored(app, client, stripe):
    t, started = started_by_card(app, stripe)
    body = succeeded(stripe, started)
    forged = stripe_signature(body, secret="whsec_not_the_exchanges")
    tampered = body.replace(b'"livemode": false', b'"livemode": true')
    for payload, signature in ((body, forged), (tampered, stripe_signature(body))):
        response = deliver(client, payload, signature)
        assert response.status_code == 400
        assert "不符" in response.get_json()["detail"]
    missing = client.post(WEBHOOK, data=body, content_type="application/json")
    assert missing.status_code == 400
    assert counts(app)["gateway_events"] == 0
    assert contract_status(app, t.contract_id) == ContractStatus.AWAITING_PAYMENT


def test_a_failure_after_success_is_recorded_and_ignored(app, client, stripe):
    t, started = started_by_card(app, stripe)
    assert deliver(client, succeeded(stripe, started)).get_json() == {"outcome": "applied"}
    failed = stripe_event(
        "payment_intent.payment_failed", stripe.standin.intents[started["external_id"]]
    )
    response = deliver(client, failed)
    assert response.status_code == 200
    assert response.get_json() == {"outcome": "ignored-stale"}
    assert payment_row(app, started["id"])["status"] == "succeeded"
    assert contract_status(app, t.contract_id) == ContractStatus.IN_ESCROW
    assert counts(app)["gateway_events"] == 2


def test_a_failed_attempt_then_a_success_is_applied(app, client, stripe):
    t, started = started_by_card(app, stripe)
    failed = stripe_event(
        "payment_intent.payment_failed", stripe.standin.intents[started["external_id"]]
    )
    assert deliver(client, failed).get_json() == {"outcome": "applied"}
    assert payment_row(app, started["id"])["status"] == "failed"
    assert contract_status(app, t.contract_id) == ContractStatus.AWAITING_PAYMENT
    assert deliver(client, succeeded(stripe, started)).get_json() == {"outcome": "applied"}
    assert contract_status(app, t.contract_id) == ContractStatus.IN_ESCROW


def test_an_event_before_its_payment_is_committed_is_retried_then_applied_once(app, client, stripe):
    t = trade(app)
    # The PaymentIntent exists at Stripe (same key the exchange will use) and its success
    # is delivered before the exchange has committed the payment row.
    charge = Charge(
        t.contract_id,
        t.number,
        t.price,
        "CNY",
        payment_start.payment_reference(t.contract_id, stripe.stripe.kind),
        payment_start.payment_key(t.contract_id, stripe.stripe.kind),
    )
    intent_id = stripe.stripe.collect(charge).external_id
    body = stripe_event("payment_intent.succeeded", stripe.standin.succeed(intent_id))
    early = deliver(client, body)
    assert early.status_code == 503
    assert early.content_type == "application/problem+json"
    assert early.get_json()["type"].endswith("retry-later")
    assert counts(app) == {"payments": 0, "escrow_journal": 0, "gateway_events": 0}
    with app.app_context():
        started = payment_start.start_payment(
            UnitOfWork(db.session), actor(t.buyer), t.contract_id, gateway=stripe.stripe
        )
    assert started["external_id"] == intent_id and len(stripe.standin.intents) == 1
    assert deliver(client, body).get_json() == {"outcome": "applied"}
    assert deliver(client, body).get_json() == {"outcome": "applied"}
    assert counts(app) == {"payments": 1, "escrow_journal": 1, "gateway_events": 1}
    assert contract_status(app, t.contract_id) == ContractStatus.IN_ESCROW


def test_a_refund_event_returns_the_price_and_refunds_the_contract(app, client, stripe):
    t, started = started_by_card(app, stripe, price="880.00")
    deliver(client, succeeded(stripe, started))
    stripe.standin._create_refund({"payment_intent": started["external_id"]})  # in the dashboard
    refunded = stripe_event("charge.refunded", stripe.standin.charge_of(started["external_id"]))
    response = deliver(client, refunded)
    assert response.get_json() == {"outcome": "applied"}
    assert contract_status(app, t.contract_id) == ContractStatus.REFUNDED
    assert payment_row(app, started["id"])["status"] == "refunded"
    assert balance(app, AccountKind.ESCROW) == Decimal("0.00")
    assert balance(app, AccountKind.BUYER, t.buyer.organisation_id) == Decimal("0.00")
    assert ledger_count(app, "trade.refund") == 1
    with app.app_context():
        kinds = [j["kind"] for j in escrow.journal_of(db.session, t.contract_id)]
        assert kinds == ["payment", "refund"]
        assert escrow.trial_balance(db.session).balanced


def test_a_refund_through_the_exchange_calls_stripe_once_and_its_event_is_ignored(
    app, client, stripe
):
    t, started = started_by_card(app, stripe)
    deliver(client, succeeded(stripe, started))
    with app.app_context():
        contract = db.session.get(TradeContract, t.contract_id)
        payment_outcomes.refund(
            db.session, contract, reason="dispute upheld", now=utcnow(), gateway=stripe.stripe
        )
        db.session.commit()
    (request,) = stripe.standin.seen("POST", "/v1/refunds")
    assert request.headers["Idempotency-Key"] == f"contract-{t.contract_id}-refund-v1"
    assert request.params["payment_intent"] == started["external_id"]
    assert request.params["amount"] == "1200000"
    assert contract_status(app, t.contract_id) == ContractStatus.REFUNDED
    refunded = stripe_event("charge.refunded", stripe.standin.charge_of(started["external_id"]))
    assert deliver(client, refunded).get_json() == {"outcome": "ignored-stale"}
    assert counts(app)["escrow_journal"] == 2
    assert ledger_count(app, "trade.refund") == 1


def test_a_partial_refund_event_changes_nothing(app, client, stripe):
    t, started = started_by_card(app, stripe)
    deliver(client, succeeded(stripe, started))
    stripe.standin._create_refund({"payment_intent": started["external_id"], "amount": "100"})
    partial = stripe_event("charge.refunded", stripe.standin.charge_of(started["external_id"]))
    assert deliver(client, partial).get_json() == {"outcome": "ignored-partial-refund"}
    assert contract_status(app, t.contract_id) == ContractStatus.IN_ESCROW
    assert balance(app, AccountKind.ESCROW) == t.price


def test_a_refund_event_before_the_success_waits_for_it(app, client, stripe):
    t, started = started_by_card(app, stripe)
    success = succeeded(stripe, started)
    stripe.standin._create_refund({"payment_intent": started["external_id"]})
    refunded = stripe_event("charge.refunded", stripe.standin.charge_of(started["external_id"]))
    assert deliver(client, refunded).status_code == 503
    assert counts(app)["gateway_events"] == 0
    assert deliver(client, success).get_json() == {"outcome": "applied"}
    assert deliver(client, refunded).get_json() == {"outcome": "applied"}
    assert contract_status(app, t.contract_id) == ContractStatus.REFUNDED


def test_events_that_are_not_the_exchanges_are_acknowledged_and_ignored(app, client, stripe):
    foreign = stripe_event(
        "payment_intent.succeeded",
        {"id": "pi_elsewhere", "object": "payment_intent", "amount_received": 100, "metadata": {}},
    )
    other = stripe_event("customer.created", {"id": "cus_1", "object": "customer"})
    for body in (foreign, other):
        response = deliver(client, body)
        assert response.status_code == 200
        assert response.get_json() == {"outcome": "ignored-not-ours"}
    assert counts(app) == {"payments": 0, "escrow_journal": 0, "gateway_events": 2}


def test_a_card_payment_is_not_refunded_without_stripe(app, client, stripe):
    t, started = started_by_card(app, stripe)
    assert deliver(client, succeeded(stripe, started)).get_json() == {"outcome": "applied"}
    with app.app_context():
        contract = db.session.get(TradeContract, t.contract_id)
        with pytest.raises(Conflict):
            payment_outcomes.refund(db.session, contract, reason="dispute upheld", now=utcnow())
        db.session.rollback()
    assert contract_status(app, t.contract_id) == ContractStatus.IN_ESCROW
    assert ledger_count(app, "trade.refund") == 0
