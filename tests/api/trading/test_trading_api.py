"""Trading through HTTP: negotiate, sign, pay into escrow, download and settle; every refusal a
problem of its status that leaves the trade as it was."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from contracts import signing
from contracts.schema import ledger_entries
from exchange.delivery.models import Download, Entitlement
from exchange.extensions import db
from exchange.http.context import uow
from exchange.kernel.models import utcnow
from exchange.kernel.records import IdempotencyRecord
from exchange.payments.models import EscrowJournal, Payment
from exchange.trading import negotiations, payment_outcomes, payment_start
from exchange.trading.extension import trading_settings
from exchange.trading.models import (
    ContractSignature,
    Dispute,
    Negotiation,
    NegotiationRound,
    OrganisationKey,
    TradeContract,
)
from tests.api.helpers import assert_problem, field_errors
from tests.catalog import Person, person
from tests.delivery import grant
from tests.delivery import trade as delivered_trade
from tests.payments import StripeSetup, stripe
from tests.trading import (
    EXPIRY_HOURS,
    Market,
    accept,
    act,
    ledger_bodies,
    listed_offer,
    market,
    propose,
    sign,
)

__all__ = ["stripe"]  # the Stripe stand-in fixture

URL = "/api/v1"
TRADE_TABLES = (
    Negotiation,
    NegotiationRound,
    TradeContract,
    ContractSignature,
    OrganisationKey,
    Payment,
    EscrowJournal,
    IdempotencyRecord,
    Entitlement,
    Download,
    Dispute,
)


def terms_json(**overrides: Any) -> dict[str, Any]:
    """Terms as a client writes them: internal use, a year, mainland, five seats."""
    return {
        "price": "10000.00",
        "scope": "internal",
        "term_months": 12,
        "territory": "mainland",
        "exclusive": False,
        "seats": 5,
        "derivative": False,
    } | overrides


def trade_state(app: Flask) -> dict[str, Any]:
    """Rows of every trading table, the ledger's length, and each row's status."""
    with app.app_context():
        session = db.session
        state: dict[str, Any] = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in TRADE_TABLES
        }
        state["ledger"] = session.scalar(select(func.count()).select_from(ledger_entries))
        for model in (Negotiation, TradeContract, Payment, Entitlement):
            rows = session.execute(select(model.id, model.status).order_by(model.id))  # type: ignore[attr-defined]
            state[f"{model.__tablename__}.status"] = [tuple(row) for row in rows]
        db.session.remove()
    return state


def post(client: FlaskClient, path: str, who: Person | None, body: Any = None, **kw: Any) -> Any:
    headers = (who.headers if who else {}) | kw.pop("headers", {})
    return client.post(URL + path, json=body, headers=headers, **kw)


def get(client: FlaskClient, path: str, who: Person | None) -> Any:
    return client.get(URL + path, headers=who.headers if who else {})


def signed_contract(
    app: Flask, client: FlaskClient, found: Market | None = None
) -> tuple[Market, int]:
    """A contract agreed and signed by both sides through the services, awaiting payment; with
    a market given, on another offer of the same vendor to the same buyer."""
    if found is None:
        found = market(app, client)
        offer_id = found.offer_id
    else:
        offer_id = listed_offer(app, client, found.vendor, found.operator)[1]
    contract_id = accept(app, found.vendor, propose(app, found.buyer, offer_id))
    sign(app, found.buyer, contract_id)
    sign(app, found.vendor, contract_id)
    return found, contract_id


def paid_contract(app: Flask, client: FlaskClient) -> tuple[Market, int, int]:
    """A signed contract paid by bank transfer and confirmed: (market, contract, payment)."""
    found, contract_id = signed_contract(app, client)
    bank = trading_settings(app).gateway()
    started = act(app, found.buyer, payment_start.start_payment, contract_id, gateway=bank)
    act(
        app,
        found.operator,
        payment_outcomes.confirm_bank_transfer,
        started["id"],
        amount="10000.00",
    )
    return found, contract_id, int(started["id"])


def entitlement_of(app: Flask, contract_id: int) -> int:
    with app.app_context():
        found = db.session.scalar(
            select(Entitlement.id).where(Entitlement.contract_id == contract_id)
        )
        db.session.remove()
    assert found is not None
    return int(found)


def tampered(url: str) -> str:
    """The link with the first character of its signed payload changed."""
    base, token = url.rsplit("/", 1)
    return f"{base}/{'B' if token[0] == 'A' else 'A'}{token[1:]}"


def wallet_signature(typed_data: dict[str, Any], private_key: bytes) -> str:
    """What a wallet's eth_signTypedData_v4 gives for the typed data."""
    signed = Account.sign_message(encode_typed_data(full_message=typed_data), private_key)
    return "0x" + bytes(signed.signature).hex()


@pytest.fixture
def trade(app: Flask, client: FlaskClient) -> Market:
    return market(app, client)


# The whole trade


def test_a_whole_trade_from_offer_to_settlement(app, client, trade):
    opened = post(
        client,
        "/negotiations",
        trade.buyer,
        terms_json(offer_id=trade.offer_id, price="9000.00", message="请考虑。"),
    )
    assert opened.status_code == 201, opened.get_json()
    negotiation = opened.get_json()
    assert (negotiation["status"], negotiation["turn"]) == ("open", "vendor")
    assert negotiation["history"][0]["price"] == "9000.00"
    assert negotiation["history"][0]["message"] == "请考虑。"
    path = f"/negotiations/{negotiation['id']}"

    countered = post(client, f"{path}/counter", trade.vendor, terms_json(price=9500.5))
    assert countered.status_code == 200, countered.get_json()
    assert countered.get_json()["turn"] == "buyer"
    assert countered.get_json()["history"][-1]["price"] == "9500.50"

    accepted = post(client, f"{path}/accept", trade.buyer, {"message": "成交。"})
    assert accepted.status_code == 201, accepted.get_json()
    agreed = accepted.get_json()
    assert agreed["status"] == "accepted"
    assert agreed["contract_number"].startswith("GTC-")
    contract_id = agreed["contract_id"]

    contract = get(client, f"/contracts/{contract_id}", trade.buyer).get_json()
    assert contract["status"] == "signing" and contract["price"] == "9500.50"
    assert contract["number"] in contract["text_zh"] and contract["number"] in contract["text_en"]
    assert contract["contract_hash"] in contract["text_en"]
    for who in (trade.buyer, trade.vendor):
        signed = post(client, f"/contracts/{contract_id}/sign", who)
        assert signed.status_code == 201, signed.get_json()
    assert signed.get_json()["status"] == "awaiting_payment"
    contract = get(client, f"/contracts/{contract_id}", trade.vendor).get_json()
    assert sorted((s["side"], s["verifies"]) for s in contract["signatures"]) == [
        ("buyer", True),
        ("vendor", True),
    ]

    started = post(client, "/payments", trade.buyer, {"contract_id": contract_id})
    assert started.status_code == 201, started.get_json()
    payment = started.get_json()
    assert (payment["gateway"], payment["status"]) == ("bank_transfer", "pending")
    assert payment["amount"] == "9500.50" and payment["reference"].startswith("GSP")
    assert payment["instructions"]
    confirmed = post(
        client, f"/payments/{payment['id']}/confirm", trade.operator, {"amount": "9500.50"}
    )
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["status"] == "succeeded"
    assert get(client, f"/payments/{payment['id']}", trade.buyer).get_json()["status"] == (
        "succeeded"
    )

    [entitlement] = get(client, "/entitlements", trade.buyer).get_json()
    assert entitlement["contract_number"] == agreed["contract_number"]
    assert (entitlement["status"], entitlement["api"]) == ("active", False)
    made = post(client, f"/entitlements/{entitlement['id']}/links", trade.buyer)
    assert made.status_code == 201, made.get_json()
    url = made.get_json()["url"]
    assert url.startswith("http://localhost/api/v1/downloads/")
    downloaded = client.get(url)  # the link is the authority: no bearer token
    assert downloaded.status_code == 200
    assert downloaded.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(downloaded.get_data(as_text=True))))
    assert rows[0][0] == "日期" and len(rows) > 1

    settled = post(client, f"/contracts/{contract_id}/accept-delivery", trade.buyer)
    assert settled.status_code == 200, settled.get_json()
    assert settled.get_json()["status"] == "settled"
    [settlement] = ledger_bodies(app, "trade.settlement")
    assert (settlement["price"], settlement["fee"]) == ("9500.50", contract["fee"])
    assert Decimal(settlement["to_vendor"]) == Decimal("9500.50") - Decimal(contract["fee"])
    mine = get(client, "/negotiations", trade.vendor).get_json()
    assert [(n["id"], n["side"], n["status"]) for n in mine] == [
        (negotiation["id"], "vendor", "accepted")
    ]


# Refusals that change nothing


def test_an_offer_on_ones_own_product_is_refused(app, client, trade):
    colleague = person(app, ["vendor", "buyer"], organisation_id=trade.vendor.organisation_id)
    before = trade_state(app)
    for who in (trade.vendor, colleague):
        response = post(client, "/negotiations", who, terms_json(offer_id=trade.offer_id))
        assert "own organisation" in assert_problem(response, 403)["detail"]
    assert trade_state(app) == before


@pytest.mark.parametrize("price", ["10000.125", 10000.125, "0.001"])
def test_a_price_with_three_decimals_is_refused_on_price(app, client, trade, price):
    before = trade_state(app)
    response = post(
        client, "/negotiations", trade.buyer, terms_json(offer_id=trade.offer_id, price=price)
    )
    assert list(field_errors(response)) == ["price"]
    assert trade_state(app) == before


def test_terms_the_service_refuses_are_named_by_field(app, client, trade):
    before = trade_state(app)
    response = post(
        client,
        "/negotiations",
        trade.buyer,
        terms_json(offer_id=trade.offer_id, term_months=0, seats=100_000),
    )
    assert set(field_errors(response)) == {"term_months", "seats"}
    assert trade_state(app) == before


def test_unknown_fields_and_wrong_choices_are_refused(client, trade):
    body = terms_json(offer_id=trade.offer_id, scope="everything", discount="10%")
    assert set(field_errors(post(client, "/negotiations", trade.buyer, body))) == {
        "scope",
        "discount",
    }


def test_an_expired_negotiation_cannot_be_answered(app, client, trade):
    long_ago = utcnow() - timedelta(hours=EXPIRY_HOURS + 1)
    negotiation_id = propose(app, trade.buyer, trade.offer_id, now=long_ago)
    before = trade_state(app)
    for move, body in (("accept", None), ("counter", terms_json()), ("reject", None)):
        response = post(client, f"/negotiations/{negotiation_id}/{move}", trade.vendor, body)
        assert assert_problem(response, 409)["detail"] == "This negotiation has expired."
    assert trade_state(app) == before
    with app.app_context():
        assert negotiations.expire_due(uow()) == 1
        db.session.remove()
    shown = get(client, f"/negotiations/{negotiation_id}", trade.buyer).get_json()
    assert shown["status"] == "expired"
    response = post(client, f"/negotiations/{negotiation_id}/accept", trade.vendor)
    assert assert_problem(response, 409)["detail"] == "This negotiation is closed."


def test_acting_out_of_turn_is_refused(app, client, trade):
    negotiation_id = propose(app, trade.buyer, trade.offer_id)
    before = trade_state(app)
    for move, body in (("counter", terms_json(price="9000.00")), ("accept", {}), ("reject", {})):
        response = post(client, f"/negotiations/{negotiation_id}/{move}", trade.buyer, body)
        assert assert_problem(response, 409)["detail"] == "It is the other side's turn to answer."
    assert trade_state(app) == before


def test_only_the_buyer_withdraws_and_then_it_is_closed(app, client, trade):
    negotiation_id = propose(app, trade.buyer, trade.offer_id)
    assert_problem(post(client, f"/negotiations/{negotiation_id}/withdraw", trade.vendor), 403)
    response = post(client, f"/negotiations/{negotiation_id}/withdraw", trade.buyer)
    assert response.status_code == 200 and response.get_json()["status"] == "withdrawn"
    assert ledger_bodies(app, "trade.negotiation")[-1]["outcome"] == "withdrawn"


def test_someone_elses_entitlement_is_not_found(app, client):
    found, contract_id, _ = paid_contract(app, client)
    entitlement_id = entitlement_of(app, contract_id)
    stranger = person(app, ["buyer"])
    before = trade_state(app)
    for who in (stranger, found.vendor):
        assert_problem(post(client, f"/entitlements/{entitlement_id}/links", who), 404)
        assert get(client, "/entitlements", who).get_json() == []
    assert trade_state(app) == before


def test_a_tampered_download_link_is_refused(app, client):
    found, contract_id, _ = paid_contract(app, client)
    entitlement_id = entitlement_of(app, contract_id)
    url = post(client, f"/entitlements/{entitlement_id}/links", found.buyer).get_json()["url"]
    before = trade_state(app)
    assert_problem(client.get(tampered(url)), 400)
    app.config["SECRET_KEY"] = "another secret"
    assert_problem(client.get(url), 400)
    assert trade_state(app) == before


def test_a_wallet_signature_is_kept_and_a_bad_one_refused(app, client):
    found = market(app, client)
    contract_id = accept(app, found.vendor, propose(app, found.buyer, found.offer_id))
    private_key, address = signing.new_signing_key()
    registered = post(
        client,
        f"/organisations/{found.buyer.organisation_id}/signing-address",
        found.buyer,
        {"address": address.lower()},
    )
    assert registered.status_code == 200, registered.get_json()
    assert registered.get_json() == {
        "organisation_id": found.buyer.organisation_id,
        "address": address,
        "source": "own",
    }
    typed = get(client, f"/contracts/{contract_id}/typed-data", found.buyer).get_json()
    assert typed["primaryType"] and typed["message"]["buyer"] == address
    other_key, _ = signing.new_signing_key()
    before = trade_state(app)
    for bad in (wallet_signature(typed, other_key), "0x1234"):
        response = post(
            client, f"/contracts/{contract_id}/signatures", found.buyer, {"signature": bad}
        )
        assert list(field_errors(response)) == ["signature"]
    assert trade_state(app) == before
    # The exchange holds no key for an organisation with its own wallet.
    assert_problem(post(client, f"/contracts/{contract_id}/sign", found.buyer), 409)
    good = wallet_signature(typed, private_key)
    response = post(
        client, f"/contracts/{contract_id}/signatures", found.buyer, {"signature": good}
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["address"] == address
    shown = get(client, f"/contracts/{contract_id}", found.vendor).get_json()
    assert [(s["side"], s["verifies"]) for s in shown["signatures"]] == [("buyer", True)]


# Payments


def test_the_same_idempotency_key_gives_one_payment_and_the_same_answer(app, client):
    found, contract_id = signed_contract(app, client)
    headers = {"Idempotency-Key": "order-7f3a"}
    body = {"contract_id": contract_id, "gateway": "bank_transfer"}
    first = post(client, "/payments", found.buyer, body, headers=headers)
    assert first.status_code == 201, first.get_json()
    after_first = trade_state(app)
    again = post(client, "/payments", found.buyer, body, headers=headers)
    assert (again.status_code, again.get_json()) == (first.status_code, first.get_json())
    assert trade_state(app) == after_first
    assert (after_first["payments"], after_first["idempotency_records"]) == (1, 1)


def test_the_same_idempotency_key_later_gives_the_first_answer_word_for_word(app, client):
    found, contract_id = signed_contract(app, client)
    headers = {"Idempotency-Key": "order-9b21"}
    body = {"contract_id": contract_id, "gateway": "bank_transfer"}
    first = post(client, "/payments", found.buyer, body, headers=headers)
    assert first.get_json()["status"] == "pending"
    confirmed = post(
        client,
        f"/payments/{first.get_json()['id']}/confirm",
        found.operator,
        {"amount": first.get_json()["amount"]},
    )
    assert confirmed.get_json()["status"] == "succeeded"
    settled = trade_state(app)
    again = post(client, "/payments", found.buyer, body, headers=headers)
    assert (again.status_code, again.get_json()) == (201, first.get_json())
    fresh = post(client, "/payments", found.buyer, body, headers={"Idempotency-Key": "order-2"})
    assert fresh.get_json()["status"] == "succeeded"  # a new key sees the payment as it is now
    assert fresh.get_json()["confirmed_at"] is not None
    assert trade_state(app)["payments"] == settled["payments"] == 1
    repeated = post(client, "/payments", found.buyer, body, headers={"Idempotency-Key": "order-2"})
    assert repeated.get_json() == fresh.get_json()


def test_a_card_payment_asked_twice_with_one_key_is_one_payment_intent(
    app: Flask, client: FlaskClient, stripe: StripeSetup
) -> None:
    # The app as create_app builds it when Stripe is configured (here: the local stand-in).
    app.extensions["trading"] = dataclasses.replace(trading_settings(app), gateways=stripe.gateways)
    found, contract_id = signed_contract(app, client)
    headers = {"Idempotency-Key": "card-1"}
    body = {"contract_id": contract_id, "gateway": "stripe"}
    first = post(client, "/payments", found.buyer, body, headers=headers)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["client_secret"] and first.get_json()["status"] == "pending"
    again = post(client, "/payments", found.buyer, body, headers=headers)
    assert (again.status_code, again.get_json()) == (first.status_code, first.get_json())
    assert len(stripe.standin.seen("POST", "/v1/payment_intents")) == 1
    assert trade_state(app)["payments"] == 1


def test_an_idempotency_key_reused_with_another_body_is_a_conflict(app, client):
    found, contract_id = signed_contract(app, client)
    _, second_id = signed_contract(app, client, found)
    headers = {"Idempotency-Key": "order-1"}
    assert (
        post(
            client, "/payments", found.buyer, {"contract_id": contract_id}, headers=headers
        ).status_code
        == 201
    )
    before = trade_state(app)
    response = post(client, "/payments", found.buyer, {"contract_id": second_id}, headers=headers)
    assert "Idempotency-Key" in assert_problem(response, 409)["detail"]
    assert trade_state(app) == before


def test_a_gateway_not_configured_is_refused_on_gateway(app, client):
    found, contract_id = signed_contract(app, client)
    before = trade_state(app)
    response = post(
        client, "/payments", found.buyer, {"contract_id": contract_id, "gateway": "stripe"}
    )
    assert list(field_errors(response)) == ["gateway"]
    assert trade_state(app) == before


def test_a_confirmation_of_another_amount_is_refused(app, client):
    found, contract_id = signed_contract(app, client)
    started = post(client, "/payments", found.buyer, {"contract_id": contract_id}).get_json()
    before = trade_state(app)
    for amount in ("9999.99", "10000.001"):
        response = post(
            client, f"/payments/{started['id']}/confirm", found.operator, {"amount": amount}
        )
        assert list(field_errors(response)) == ["amount"]
    assert trade_state(app) == before


# Settlement


def test_an_upheld_dispute_refunds_the_buyer_and_revokes_the_data(app, client):
    found, contract_id, payment_id = paid_contract(app, client)
    opened = post(
        client, f"/contracts/{contract_id}/disputes", found.buyer, {"reason": "数据缺失。"}
    )
    assert opened.status_code == 201, opened.get_json()
    assert (opened.get_json()["status"], opened.get_json()["contract_id"]) == ("open", contract_id)
    decided = post(
        client,
        f"/contracts/{contract_id}/disputes/decision",
        found.operator,
        {"decision": "uphold", "reason": "确认缺失。"},
    )
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["status"] == "refunded"
    assert get(client, f"/payments/{payment_id}", found.buyer).get_json()["status"] == "refunded"
    [entitlement] = get(client, "/entitlements", found.buyer).get_json()
    assert entitlement["status"] == "revoked"


def test_a_rejected_dispute_releases_escrow(app, client):
    found, contract_id, _ = paid_contract(app, client)
    post(client, f"/contracts/{contract_id}/disputes", found.buyer, {"reason": "不满意。"})
    decided = post(
        client,
        f"/contracts/{contract_id}/disputes/decision",
        found.operator,
        {"decision": "reject", "reason": "数据与合同一致。"},
    )
    assert decided.get_json()["status"] == "settled"
    assert ledger_bodies(app, "trade.dispute_decision")[-1]["decision"] == "rejected"


def test_a_decision_other_than_uphold_or_reject_is_refused(app, client):
    found, contract_id, _ = paid_contract(app, client)
    post(client, f"/contracts/{contract_id}/disputes", found.buyer, {"reason": "不满意。"})
    before = trade_state(app)
    response = post(
        client,
        f"/contracts/{contract_id}/disputes/decision",
        found.operator,
        {"decision": "dismiss", "reason": "?"},
    )
    assert list(field_errors(response)) == ["decision"]
    assert trade_state(app) == before


# The data API


def test_an_api_key_counts_calls_until_its_quota_is_spent(app, client):
    bought = delivered_trade(app, client, product_type="api")
    granted = grant(app, bought.contract_id, api_quota=2)
    issued = client.post(
        f"{URL}/entitlements/{granted.entitlement_id}/api-key", headers=bought.buyer.headers
    )
    assert issued.status_code == 201
    headers = {"X-Api-Key": issued.get_json()["api_key"]}
    rows = f"{URL}/data-api/{bought.product_id}/rows"
    remaining = [client.get(rows, headers=headers).get_json()["remaining"] for _ in range(2)]
    assert remaining == [1, 0]
    spent = assert_problem(client.get(rows, headers=headers), 409)
    assert spent["type"] == "urn:ganshu:problem:quota-exhausted"
    assert_problem(client.get(rows), 401)
    assert_problem(client.get(rows, headers={"X-Api-Key": "gsk_x"}), 401)
    [entitlement] = get(client, "/entitlements", bought.buyer).get_json()
    assert (entitlement["api"], entitlement["quota"], entitlement["used"]) == (True, 2, 2)


def test_negotiation_prices_as_json_numbers_keep_their_fen(app, client, trade):
    response = post(
        client, "/negotiations", trade.buyer, terms_json(offer_id=trade.offer_id, price=12000.1)
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["history"][0]["price"] == "12000.10"


def test_terms_default_to_one_seat_non_exclusive(app, client, trade):
    body = {
        k: v
        for k, v in terms_json(offer_id=trade.offer_id).items()
        if k not in {"seats", "exclusive", "derivative"}
    }
    response = post(client, "/negotiations", trade.buyer, body)
    assert response.status_code == 201, response.get_json()
    first = response.get_json()["history"][0]
    assert (first["seats"], first["exclusive"], first["derivative"]) == (1, False, False)
