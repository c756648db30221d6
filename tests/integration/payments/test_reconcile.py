"""Card payments the exchange did not hear about, on SQLite and PostgreSQL: reconciled at
start-up (delivered, or refunded when the licence is gone), never applied twice."""

from __future__ import annotations

from exchange.delivery.models import Entitlement
from exchange.extensions import db
from exchange.http.context import uow
from exchange.payments import escrow
from exchange.payments.domain import AccountKind
from exchange.trading import payment_start
from exchange.trading.domain import ContractStatus
from exchange.trading.reconcile import reconcile_payments
from tests.catalog import person, product_data
from tests.integration.payments.test_stripe_webhooks import deliver
from tests.payments import balance, contract_status, ledger_count, stripe, stripe_event
from tests.trading import accept, act, market, propose, sign, terms

__all__ = ["stripe"]  # the fixture, used by name


def add_offer(client, vendor, product_id: int) -> int:
    """One more offer of the product, on the first offer's terms; its id."""
    offer = product_data()["offers"][0]
    response = client.post(
        f"/api/v1/products/{product_id}/offers", json=offer, headers=vendor.headers
    )
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["offers"][-1]["id"])


def card_contract(app, found, buyer, setup, offer_id=None, **agreed) -> tuple[int, dict]:
    """A signed contract whose buyer started paying by card; (contract id, payment)."""
    negotiation_id = propose(app, buyer, offer_id or found.offer_id, terms(**agreed))
    contract_id = accept(app, found.vendor, negotiation_id)
    sign(app, found.vendor, contract_id)
    sign(app, buyer, contract_id)
    started = act(app, buyer, payment_start.start_payment, contract_id, gateway=setup.stripe)
    return contract_id, started


def reconcile(app, setup) -> dict[str, int]:
    with app.app_context():
        try:
            return reconcile_payments(uow(), setup.gateways)
        finally:
            db.session.remove()


def entitlements(app) -> int:
    with app.app_context():
        found = db.session.query(Entitlement).count()
        db.session.remove()
    return found


def test_a_payment_captured_while_the_exchange_was_down_is_delivered_once(app, client, stripe):
    found = market(app, client)
    contract_id, started = card_contract(app, found, found.buyer, stripe)
    captured = stripe.standin.succeed(started["external_id"])  # the webhook never arrived

    assert reconcile(app, stripe) == {"applied": 1}
    assert reconcile(app, stripe) == {}  # nothing left pending

    assert contract_status(app, contract_id) == ContractStatus.IN_ESCROW
    assert entitlements(app) == 1
    late = deliver(client, stripe_event("payment_intent.succeeded", captured))
    assert late.get_json() == {"outcome": "ignored-stale"}
    assert ledger_count(app, "trade.payment") == 1 and entitlements(app) == 1


def test_a_pending_payment_the_gateway_has_not_captured_stays_pending(app, client, stripe):
    found = market(app, client)
    contract_id, _ = card_contract(app, found, found.buyer, stripe)
    assert reconcile(app, stripe) == {}
    assert contract_status(app, contract_id) == ContractStatus.AWAITING_PAYMENT


def test_a_card_payment_for_an_exclusive_licence_already_sold_is_refunded(app, client, stripe):
    found = market(app, client)
    second = person(app, ["buyer"])
    # One exclusive contract per offer is the database's rule; two offers of one product can
    # each reach payment, and only the first paid may take the exclusive licence.
    other_offer = add_offer(client, found.vendor, found.product_id)
    first_id, first = card_contract(app, found, found.buyer, stripe, exclusive=True)
    second_id, later = card_contract(app, found, second, stripe, other_offer, exclusive=True)
    won = deliver(
        client,
        stripe_event("payment_intent.succeeded", stripe.standin.succeed(first["external_id"])),
    )

    lost = deliver(
        client,
        stripe_event("payment_intent.succeeded", stripe.standin.succeed(later["external_id"])),
    )

    assert won.get_json() == {"outcome": "applied"}
    assert lost.get_json() == {"outcome": "refunded-unavailable"}
    assert contract_status(app, first_id) == ContractStatus.IN_ESCROW
    assert contract_status(app, second_id) == ContractStatus.REFUNDED
    refunds = stripe.standin.seen("POST", "/v1/refunds")
    assert len(refunds) == 1
    assert refunds[0].headers["Idempotency-Key"] == f"contract-{second_id}-refund-v1"
    assert balance(app, AccountKind.BUYER, second.organisation_id) == 0
    assert entitlements(app) == 1
    with app.app_context():
        assert escrow.trial_balance(db.session).balanced
        db.session.remove()
