"""The quota of an API or computation licence is negotiated like its price: each round names the
calls or queries it proposes (the offer's own when it names none), both sides see the price of
one, the valuation band is priced at the quota on the table, and the contract, its text and the
licence its payment gives hold the quota agreed. A copy has no quota to negotiate."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from exchange.compute.models import ComputeLicence
from exchange.extensions import db
from exchange.kernel.vocabulary import Role
from exchange.trading import payment_outcomes, payment_start
from exchange.trading.comparables import paid_trades
from exchange.trading.extension import trading_settings
from exchange.trading.models import Negotiation, NegotiationRound, TradeContract
from exchange.valuation.inputs import comparables_from_trades
from tests.api.helpers import field_errors
from tests.catalog import Person, create_product, person, review, submit, upload
from tests.compute import computation_offer, households, save_policy
from tests.rights import certify
from tests.trading import act, paid, sign
from tests.valuation import value

URL = "/api/v1"
OFFERED = 100  # queries in the computation offer


@dataclass(frozen=True)
class Offers:
    """A listed product with its copy offer and a computation offer of 100 queries."""

    vendor: Person
    buyer: Person
    product_id: int
    copy_id: int
    computation_id: int


@pytest.fixture
def offers(app: Flask, client: FlaskClient) -> Offers:
    vendor = person(app, [Role.VENDOR])
    operator = person(app, [Role.OPERATOR])
    buyer = person(app, [Role.BUYER])
    product = create_product(client, vendor.headers, with_file=False)
    response = upload(client, vendor.headers, product["id"], households(), "power.csv")
    assert response.status_code == 201, response.get_json()
    assert save_policy(client, vendor, product["id"]).status_code == 200
    computation_id = computation_offer(client, vendor, product["id"], OFFERED)
    assert submit(client, vendor, product["id"]).status_code == 200
    assert review(client, operator, product["id"]).get_json()["status"] == "listed"
    certify(app, vendor, product["id"])
    return Offers(vendor, buyer, product["id"], product["offers"][0]["id"], computation_id)


def terms_json(**overrides: Any) -> dict[str, Any]:
    return {
        "price": "3000.00",
        "scope": "internal",
        "term_months": 12,
        "territory": "mainland",
        "seats": 5,
    } | overrides


def propose(client: FlaskClient, buyer: Person, offer_id: int, **terms: Any) -> Any:
    body = terms_json(**terms) | {"offer_id": offer_id}
    return client.post(f"{URL}/negotiations", json=body, headers=buyer.headers)


def opened(client: FlaskClient, buyer: Person, offer_id: int, **terms: Any) -> int:
    response = propose(client, buyer, offer_id, **terms)
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def history(client: FlaskClient, who: Person, negotiation_id: int) -> Any:
    response = client.get(f"{URL}/negotiations/{negotiation_id}", headers=who.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def rows(app: Flask) -> tuple[int, int]:
    with app.app_context():
        counted = tuple(
            db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Negotiation, NegotiationRound)
        )
        db.session.remove()
    return counted  # type: ignore[return-value]


def test_the_quota_agreed_is_the_contracts_and_the_licences(app, client, offers):
    negotiation_id = opened(client, offers.buyer, offers.computation_id, quota=20, price="800.00")
    countered = client.post(
        f"{URL}/negotiations/{negotiation_id}/counter",
        json=terms_json(price="1500.00", quota=50),
        headers=offers.vendor.headers,
    )
    assert countered.status_code == 200, countered.get_json()
    seen = history(client, offers.buyer, negotiation_id)
    proposed = [(r["quota"], r["unit_price"]) for r in seen["history"]]
    assert proposed == [(20, "40.00"), (50, "30.00")]  # ¥800 / 20, ¥1,500 / 50
    assert (seen["offer"]["access"], seen["offer"]["quota"]) == ("computation", OFFERED)
    assert seen["offer"]["unit_price"] == "30.00"  # ¥3,000 / 100

    accepted = client.post(
        f"{URL}/negotiations/{negotiation_id}/accept", json={}, headers=offers.buyer.headers
    )
    assert accepted.status_code == 201, accepted.get_json()
    contract_id = accepted.get_json()["contract_id"]
    contract = client.get(f"{URL}/contracts/{contract_id}", headers=offers.buyer.headers)
    body = contract.get_json()
    assert (body["terms"]["access"], body["terms"]["quota"]) == ("computation", 50)
    with app.app_context():
        row = db.session.get(TradeContract, contract_id)
        assert row is not None
        assert json.loads(row.canonical)["access"]["quota"] == 50
        assert "查询次数上限：50 次" in row.text_zh and "Queries allowed: 50." in row.text_en
        db.session.remove()

    sign(app, offers.vendor, contract_id)
    sign(app, offers.buyer, contract_id)
    paid(app, contract_id)
    with app.app_context():
        licence = db.session.scalar(
            select(ComputeLicence).where(ComputeLicence.contract_id == contract_id)
        )
        assert licence is not None and licence.query_quota == 50
        db.session.remove()


def test_a_round_without_a_quota_proposes_the_offers(app, client, offers):
    negotiation_id = opened(client, offers.buyer, offers.computation_id)
    assert [r["quota"] for r in history(client, offers.buyer, negotiation_id)["history"]] == [
        OFFERED
    ]


def test_the_band_is_priced_at_the_quota_on_the_table(app, client, offers):
    valued = value(client, offers.vendor, offers.product_id, offers.computation_id)
    at_offer = history(client, offers.buyer, opened(client, offers.buyer, offers.computation_id))
    other = person(app, [Role.BUYER])
    at_ten = history(client, other, opened(client, other, offers.computation_id, quota=10))
    # The licence table prices 10 queries at 0.25 and 100 at 1.00 (pricing/licence_terms.toml).
    assert Decimal(at_offer["band"]["reference"]) == Decimal(valued["reference"])
    expected = Decimal(valued["reference"]) * Decimal("0.25")
    assert abs(Decimal(at_ten["band"]["reference"]) - expected) <= Decimal("0.01")


@pytest.mark.parametrize(
    ("quota", "message"),
    [
        (0, "A quota is 1 to 10,000,000 calls or queries."),
        (10_000_001, "A quota is 1 to 10,000,000 calls or queries."),
    ],
)
def test_a_quota_out_of_range_is_refused_on_quota(app, client, offers, quota, message):
    before = rows(app)
    response = propose(client, offers.buyer, offers.computation_id, quota=quota)
    assert field_errors(response)["quota"] == [message]
    assert rows(app) == before


@pytest.mark.parametrize("quota", ["50", 2.5, True])
def test_a_quota_that_is_not_a_whole_number_is_refused(app, client, offers, quota):
    before = rows(app)
    response = propose(client, offers.buyer, offers.computation_id, quota=quota)
    assert "quota" in field_errors(response)
    assert rows(app) == before


def test_a_copy_has_no_quota_to_negotiate(app, client, offers):
    before = rows(app)
    response = propose(client, offers.buyer, offers.copy_id, quota=10)
    assert field_errors(response)["quota"] == ["A copy of the data has no quota."]
    assert rows(app) == before
    negotiation_id = opened(client, offers.buyer, offers.copy_id)
    (first,) = history(client, offers.buyer, negotiation_id)["history"]
    assert (first["quota"], first["unit_price"]) == (None, None)


def test_a_privacy_budget_prices_the_valuation_and_the_band_follows_the_policy(app, client, offers):
    exact = value(client, offers.vendor, offers.product_id, offers.computation_id)
    factors = {f["name"]: f for f in exact["licence"]}
    assert Decimal(factors["privacy"]["value"]) == 1
    budget = {"epsilon_budget": 1.0, "epsilon_per_query": 0.1}
    assert save_policy(client, offers.vendor, offers.product_id, **budget).status_code == 200
    # The band of the valuation made for exact answers, priced for the budget now set:
    # the table's ε 1 costs 0.60 of exact answers.
    band = history(client, offers.buyer, opened(client, offers.buyer, offers.computation_id))
    expected = Decimal(exact["reference"]) * Decimal("0.60")
    assert abs(Decimal(band["band"]["reference"]) - expected) <= Decimal("0.01")

    noisy = value(client, offers.vendor, offers.product_id, offers.computation_id)
    factors = {f["name"]: f for f in noisy["licence"]}
    assert Decimal(factors["privacy"]["value"]) == Decimal("0.60")
    assert Decimal(noisy["reference"]) < Decimal(exact["reference"])


def test_a_counter_is_suggested_only_between_prices_of_one_quota(app, client, offers):
    value(client, offers.vendor, offers.product_id, offers.computation_id)
    negotiation_id = opened(client, offers.buyer, offers.computation_id, quota=20)

    def answer(who: Person, **terms: Any) -> Any:
        response = client.post(
            f"{URL}/negotiations/{negotiation_id}/counter",
            json=terms_json(**terms),
            headers=who.headers,
        )
        assert response.status_code == 200, response.get_json()
        return history(client, offers.buyer, negotiation_id)["suggested_counter"]

    assert answer(offers.vendor, price="1500.00", quota=50) is None  # 20 queries against 50
    suggested = answer(offers.buyer, price="1000.00", quota=50)
    assert suggested is not None
    assert (suggested["buyer_price"], suggested["vendor_price"]) == ("1000.00", "1500.00")


def test_a_paid_computation_trade_is_a_comparable_at_its_frozen_budget(app, client, offers):
    budget = {"epsilon_budget": 1.0, "epsilon_per_query": 0.5}
    assert save_policy(client, offers.vendor, offers.product_id, **budget).status_code == 200
    negotiation_id = opened(client, offers.buyer, offers.computation_id, quota=20)
    accepted = client.post(
        f"{URL}/negotiations/{negotiation_id}/accept", json={}, headers=offers.vendor.headers
    )
    assert accepted.status_code == 201, accepted.get_json()
    contract_id = accepted.get_json()["contract_id"]
    sign(app, offers.vendor, contract_id)
    sign(app, offers.buyer, contract_id)
    operator = person(app, [Role.OPERATOR])
    bank = trading_settings(app).gateway()
    started = act(app, offers.buyer, payment_start.start_payment, contract_id, gateway=bank)
    act(app, operator, payment_outcomes.confirm_bank_transfer, started["id"], amount="3000.00")
    with app.app_context():
        (trade,) = paid_trades(db.session, exclude=0)
        assert trade.privacy_budget == Decimal("1.0")
        (comparable,) = comparables_from_trades([trade])
        assert (comparable.licence.privacy_budget, comparable.licence.quota) == (Decimal(1), 20)
        db.session.remove()
