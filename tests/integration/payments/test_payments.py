"""Paying for a contract: bank transfer confirmed by an operator, Stripe PaymentIntents made
once through the stand-in, refunds; on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exchange.extensions import db
from exchange.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role
from exchange.payments import escrow
from exchange.payments.domain import AccountKind, Gateway, PaymentStatus
from exchange.payments.gateways import Charge, GatewayFailed
from exchange.payments.models import Payment
from exchange.trading import payment_outcomes, payment_start
from exchange.trading.domain import ContractStatus
from exchange.trading.models import TradeContract
from tests.catalog import person
from tests.payments import (
    actor,
    balance,
    contract_status,
    counts,
    ledger_count,
    payment_row,
    stripe,
    trade,
)

__all__ = ["stripe"]


def start(app, who, contract_id, gateway, **kwargs):
    with app.app_context():
        return payment_start.start_payment(
            UnitOfWork(db.session), actor(who), contract_id, gateway=gateway, **kwargs
        )


def confirm(app, who, payment_id, amount):
    with app.app_context():
        return payment_outcomes.confirm_bank_transfer(
            UnitOfWork(db.session), actor(who), payment_id, amount=amount
        )


def test_bank_transfer_gives_instructions_with_a_checked_reference(app, stripe):
    t = trade(app, price="12000.00")
    started = start(app, t.buyer, t.contract_id, stripe.bank)
    assert started["status"] == "pending" and started["gateway"] == "bank_transfer"
    assert started["instructions"] == {
        "account_name": app.config["BANK_ACCOUNT_NAME"],
        "bank_name": app.config["BANK_NAME"],
        "account_number": app.config["BANK_ACCOUNT_NUMBER"],
        "amount": "12000.00",
        "currency": "CNY",
        "reference": started["reference"],
    }
    assert payment_start.valid_reference(started["reference"])
    typo = started["reference"][:-2] + str((int(started["reference"][-2]) + 1) % 10)
    assert not payment_start.valid_reference(typo + started["reference"][-1])


def test_operator_confirms_a_bank_transfer_and_escrow_holds_the_price(app, stripe):
    t = trade(app, price="12000.00")
    operator = person(app, [Role.OPERATOR])
    started = start(app, t.buyer, t.contract_id, stripe.bank)
    confirmed = confirm(app, operator, started["id"], "12000.00")
    assert confirmed["status"] == "succeeded"
    assert contract_status(app, t.contract_id) == ContractStatus.IN_ESCROW
    assert payment_row(app, started["id"])["confirmed_by_id"] == operator.user_id
    assert balance(app, AccountKind.ESCROW) == Decimal("12000.00")
    assert balance(app, AccountKind.BUYER, t.buyer.organisation_id) == Decimal("12000.00")
    assert ledger_count(app, "trade.payment") == 1
    with app.app_context():
        journals = escrow.journal_of(db.session, t.contract_id)
        assert [(j["kind"], j["ledger_seq"]) for j in journals] == [
            ("payment", confirmed["ledger_seq"])
        ]
        assert escrow.trial_balance(db.session).balanced


def test_a_wrong_amount_is_refused_and_nothing_changes(app, stripe):
    t = trade(app, price="12000.00")
    operator = person(app, [Role.OPERATOR])
    started = start(app, t.buyer, t.contract_id, stripe.bank)
    for wrong in ("11999.99", "12000.001", "12001"):
        with pytest.raises(ValidationFailed) as refused:
            confirm(app, operator, started["id"], wrong)
        assert "amount" in refused.value.errors
    assert payment_row(app, started["id"])["status"] == "pending"
    assert contract_status(app, t.contract_id) == ContractStatus.AWAITING_PAYMENT
    assert counts(app)["escrow_journal"] == 0
    assert ledger_count(app, "trade.payment") == 0


def test_a_non_operator_cannot_confirm_a_bank_transfer(app, stripe):
    t = trade(app)
    started = start(app, t.buyer, t.contract_id, stripe.bank)
    for who in (t.buyer, t.vendor):
        with pytest.raises(PermissionDenied):
            confirm(app, who, started["id"], str(t.price))
    assert payment_row(app, started["id"])["status"] == "pending"
    assert counts(app)["escrow_journal"] == 0


def test_a_payment_is_confirmed_once(app, stripe):
    t = trade(app)
    operator = person(app, [Role.OPERATOR])
    started = start(app, t.buyer, t.contract_id, stripe.bank)
    confirm(app, operator, started["id"], str(t.price))
    with pytest.raises(Conflict):
        confirm(app, operator, started["id"], str(t.price))
    assert counts(app)["escrow_journal"] == 1
    assert balance(app, AccountKind.ESCROW) == t.price


def test_only_the_buyers_members_start_a_payment(app, stripe):
    t = trade(app)
    stranger = person(app, [Role.BUYER])
    with pytest.raises(PermissionDenied):
        start(app, t.vendor, t.contract_id, stripe.bank)
    with pytest.raises(NotFound):  # a stranger is not even told the contract exists
        start(app, stranger, t.contract_id, stripe.bank)
    assert counts(app)["payments"] == 0


def test_a_contract_not_awaiting_payment_cannot_be_paid(app, stripe):
    t = trade(app, status=ContractStatus.AWAITING_SIGNATURES)
    with pytest.raises(Conflict):
        start(app, t.buyer, t.contract_id, stripe.bank)
    assert counts(app)["payments"] == 0


def test_starting_a_bank_transfer_twice_gives_the_same_payment(app, stripe):
    t = trade(app)
    first = start(app, t.buyer, t.contract_id, stripe.bank)
    again = start(app, t.buyer, t.contract_id, stripe.bank)
    assert again == first
    assert counts(app)["payments"] == 1


def test_one_payment_method_at_a_time(app, stripe):
    t = trade(app)
    start(app, t.buyer, t.contract_id, stripe.bank)
    with pytest.raises(Conflict):
        start(app, t.buyer, t.contract_id, stripe.stripe)
    assert counts(app)["payments"] == 1
    assert stripe.standin.intents == {}


def test_an_idempotency_key_reused_for_another_contract_is_refused(app, stripe):
    t = trade(app)
    other = trade(app)
    start(app, t.buyer, t.contract_id, stripe.bank, idempotency_key="pay-1")
    assert start(app, t.buyer, t.contract_id, stripe.bank, idempotency_key="pay-1")["id"]
    # The same person buying on another contract with the same key: a different request.
    with app.app_context():
        contract = db.session.get(TradeContract, other.contract_id)
        contract.buyer_id = t.buyer.organisation_id
        db.session.commit()
    with pytest.raises(Conflict, match="Idempotency-Key"):
        start(app, t.buyer, other.contract_id, stripe.bank, idempotency_key="pay-1")
    assert counts(app)["payments"] == 1


def test_stripe_payment_intent_is_created_with_the_contracts_idempotency_key(app, stripe):
    t = trade(app, price="12000.00")
    started = start(app, t.buyer, t.contract_id, stripe.stripe)
    (request,) = stripe.standin.seen("POST", "/v1/payment_intents")
    assert request.headers["Idempotency-Key"] == f"contract-{t.contract_id}-payment-v1"
    assert request.headers["Authorization"] == f"Bearer {stripe.standin.secret_key}"
    assert request.params["amount"] == "1200000"
    assert request.params["currency"] == "cny"
    assert request.params["metadata"] == {
        "contract_id": str(t.contract_id),
        "contract_number": t.number,
        "reference": started["reference"],
    }
    assert started["external_id"] in stripe.standin.intents
    assert started["client_secret"].startswith(started["external_id"] + "_secret_")
    assert payment_row(app, started["id"])["external_id"] == started["external_id"]


def test_starting_a_stripe_payment_twice_makes_one_payment_intent(app, stripe):
    t = trade(app)
    first = start(app, t.buyer, t.contract_id, stripe.stripe)
    again = start(app, t.buyer, t.contract_id, stripe.stripe)
    assert again["id"] == first["id"]
    assert again["client_secret"] == first["client_secret"]
    assert len(stripe.standin.intents) == 1
    assert len(stripe.standin.seen("POST", "/v1/payment_intents")) == 1
    assert counts(app)["payments"] == 1


def test_the_standin_honours_idempotency_keys_as_stripe_does(stripe):
    charge = Charge(1, "GS-1", Decimal("10.00"), "CNY", "GSP1", "contract-1-payment-v1")
    first = stripe.stripe.collect(charge)
    assert stripe.stripe.collect(charge) == first  # replayed, not a second PaymentIntent
    assert len(stripe.standin.intents) == 1
    changed = Charge(1, "GS-1", Decimal("11.00"), "CNY", "GSP1", "contract-1-payment-v1")
    with pytest.raises(GatewayFailed):
        stripe.stripe.collect(changed)
    assert len(stripe.standin.intents) == 1


def test_a_wrong_stripe_key_is_refused(app, stripe):
    stripe.standin.secret_key = "sk_test_someone_else"
    t = trade(app)
    with pytest.raises(GatewayFailed):
        start(app, t.buyer, t.contract_id, stripe.stripe)
    assert counts(app)["payments"] == 0


def test_a_bank_transfer_refund_returns_the_price_from_escrow(app, stripe):
    t = trade(app, price="880.00")
    operator = person(app, [Role.OPERATOR])
    started = start(app, t.buyer, t.contract_id, stripe.bank)
    confirm(app, operator, started["id"], "880.00")
    with app.app_context():
        contract = db.session.get(TradeContract, t.contract_id)
        refunded = payment_outcomes.refund(
            db.session, contract, reason="dispute upheld", now=utcnow()
        )
        db.session.commit()
    assert refunded["status"] == "refunded"
    assert contract_status(app, t.contract_id) == ContractStatus.REFUNDED
    assert balance(app, AccountKind.ESCROW) == Decimal("0.00")
    assert balance(app, AccountKind.BUYER, t.buyer.organisation_id) == Decimal("0.00")
    assert ledger_count(app, "trade.refund") == 1
    with app.app_context():
        contract = db.session.get(TradeContract, t.contract_id)
        with pytest.raises(Conflict):
            payment_outcomes.refund(db.session, contract, reason="again", now=utcnow())
        db.session.rollback()
        payment = db.session.get(Payment, started["id"])
        assert payment.status == PaymentStatus.REFUNDED and payment.refunded_at is not None
        assert payment.gateway == Gateway.BANK_TRANSFER
    assert ledger_count(app, "trade.refund") == 1
