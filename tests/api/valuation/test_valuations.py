"""Valuations through the API: vendors and buyers ask, the band is stored, bad input is named."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from exchange.extensions import db
from exchange.kernel.records import AuditEvent
from exchange.kernel.vocabulary import Role
from exchange.valuation.models import Valuation
from tests.api.helpers import assert_problem, field_errors
from tests.catalog import Person, create_product, listed_product, person

COST = {
    "planning": "10000",
    "collection": "20000.50",
    "labour": "30000",
    "return_rate": "0.2",
    "total_life_months": 36,
    "remaining_life_months": 30,
}
INCOME = {
    "method": "direct",
    "earnings": "8000",
    "discount": {"risk_free": "0.03", "management": "0.02", "security": "0.03"},
    "growth": "0.02",
    "timeliness_months": 60,
}


@pytest.fixture
def vendor(app) -> Person:
    return person(app, [Role.VENDOR])


@pytest.fixture
def operator(app) -> Person:
    return person(app, [Role.OPERATOR])


@pytest.fixture
def buyer(app) -> Person:
    return person(app, [Role.BUYER])


def value(client, who: Person | None, product_id: int, **body: Any):
    headers = who.headers if who else {}
    return client.post(f"/api/v1/products/{product_id}/valuations", json=body, headers=headers)


def latest(client, who: Person, product_id: int):
    return client.get(f"/api/v1/products/{product_id}/valuations/latest", headers=who.headers)


def list_others(app: Flask, client, operator: Person, count: int) -> None:
    """Other vendors' products of the same board and type, listed: the market's comparables."""
    for _ in range(count):
        listed_product(client, person(app, [Role.VENDOR]), operator)


def stored(app: Flask) -> tuple[int, int]:
    """How many valuations and audit events there are."""
    with app.app_context():
        counts = tuple(
            db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Valuation, AuditEvent)
        )
        db.session.remove()
    return counts[0], counts[1]


def assert_band(body: dict[str, Any]) -> None:
    floor, reference, ceiling = (Decimal(body[k]) for k in ("floor", "reference", "ceiling"))
    assert 0 < floor <= reference <= ceiling


# Vendors value while listing


def test_vendor_values_a_draft_by_its_costs(client, vendor):
    product = create_product(client, vendor.headers)

    response = value(client, vendor, product["id"], cost=COST)

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert_band(body)
    assert body["purpose"] == "listing"
    assert body["weights"] == {"cost": "1"}
    names = {factor["name"] for factor in body["approaches"]["cost"]}
    assert {"replacement_cost", "return_rate", "delta", "value"} <= names
    assert body["inputs"]["cost"]["collection"] == "20000.50"
    assert body["inputs"]["offer_id"] == product["offers"][0]["id"]
    assert body["licence"][-1]["name"] == "licence"


def test_market_approach_is_skipped_with_its_reason_below_three_comparables(
    app, client, vendor, operator
):
    list_others(app, client, operator, 2)
    product = create_product(client, vendor.headers)

    body = value(client, vendor, product["id"], cost=COST).get_json()

    assert "market" not in body["approaches"]
    assert body["skipped"]["market"]["field"] == "comparables"
    assert "only 2 comparable(s)" in body["skipped"]["market"]["reason"]


def test_reasons_and_refusals_speak_the_callers_language(client, vendor):
    product = create_product(client, vendor.headers)
    chinese = vendor.headers | {"Accept-Language": "zh-CN"}

    body = client.post(
        f"/api/v1/products/{product['id']}/valuations", json={"cost": COST}, headers=chinese
    ).get_json()
    refused = client.post(
        f"/api/v1/products/{product['id']}/valuations",
        json={"cost": COST | {"labour": "-5"}},
        headers=chinese,
    )

    assert body["skipped"]["market"]["reason"] == "足够相似的可比案例只有 0 个，至少需要 3 个"
    # The explanation keeps English beside its template, for clients that translate it.
    planning = body["approaches"]["cost"][0]
    assert planning["source"] == planning["why"] == "vendor's declared planning cost"
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"cost.labour": ["labour 不能为负数"]}


def test_market_approach_contributes_with_three_listed_products(app, client, vendor, operator):
    list_others(app, client, operator, 3)
    product = create_product(client, vendor.headers)

    body = value(client, vendor, product["id"], cost=COST, income=INCOME).get_json()

    assert_band(body)
    assert set(body["weights"]) == {"cost", "income", "market"}
    assert len(body["comparables"]) == 3
    assert all(not c["is_trade"] for c in body["comparables"])
    assert body["inputs"]["comparables"] == [c["ref"] for c in body["comparables"]]
    assert body["skipped"] == {}


def test_latest_is_the_newest_valuation(client, vendor):
    product_id = create_product(client, vendor.headers)["id"]
    value(client, vendor, product_id, cost=COST)
    newer = value(client, vendor, product_id, cost=COST | {"return_rate": "0.5"}).get_json()

    response = latest(client, vendor, product_id)

    assert response.status_code == 200
    assert response.get_json()["id"] == newer["id"]
    again = client.get(f"/api/v1/valuations/{newer['id']}", headers=vendor.headers).get_json()
    assert again == response.get_json()


def test_latest_is_404_before_any_valuation(client, vendor):
    product_id = create_product(client, vendor.headers)["id"]

    assert_problem(latest(client, vendor, product_id), 404)


# Buyers value before buying


def test_buyer_values_a_listed_product_by_the_market(app, client, vendor, operator, buyer):
    list_others(app, client, operator, 3)
    product = listed_product(client, vendor, operator)

    response = value(client, buyer, product["id"])

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert_band(body)
    assert body["purpose"] == "purchase"
    assert body["organisation_id"] == buyer.organisation_id
    assert body["weights"] == {"market": "1"}
    assert latest(client, buyer, product["id"]).get_json()["id"] == body["id"]


def test_buyer_cannot_value_a_draft(client, vendor, buyer):
    product_id = create_product(client, vendor.headers)["id"]

    assert_problem(value(client, buyer, product_id), 404)


def test_buyer_may_not_give_the_vendors_costs(app, client, vendor, operator, buyer):
    product = listed_product(client, vendor, operator)
    before = stored(app)

    errors = field_errors(value(client, buyer, product["id"], cost=COST))

    assert list(errors) == ["cost"]
    assert stored(app) == before


def test_buyer_does_not_see_the_vendors_listing_valuation(client, vendor, operator, buyer):
    product = listed_product(client, vendor, operator)
    valuation = value(client, vendor, product["id"], cost=COST).get_json()

    assert_problem(latest(client, buyer, product["id"]), 404)
    response = client.get(f"/api/v1/valuations/{valuation['id']}", headers=buyer.headers)
    assert_problem(response, 404)


# Bad input: a 422 naming the field, and nothing stored

BAD_INPUTS = {
    "negative cost": ({"cost": COST | {"labour": "-5"}}, "cost.labour"),
    "no cost at all": (
        {"cost": {"return_rate": "0.1", "total_life_months": 12, "remaining_life_months": 6}},
        "cost",
    ),
    "float money": ({"cost": COST | {"planning": 100.5}}, "cost.planning"),
    "remaining life beyond the total": (
        {"cost": COST | {"remaining_life_months": 40}},
        "cost.remaining_life_months",
    ),
    "discount rate at growth": (
        {"income": INCOME | {"growth": "0.08"}},
        "income.growth",
    ),
    "discount rate above 100%": (
        {"income": INCOME | {"discount": {"risk_free": "0.9", "security": "0.2"}}},
        "income.discount",
    ),
    "horizon beyond the licence term": (
        {"income": INCOME | {"years": 5}},
        "income.years",
    ),
    "unused income figure": ({"income": INCOME | {"revenue": "5"}}, "income.revenue"),
    "unknown field": ({"colour": "red"}, "colour"),
    "unknown cost field": ({"cost": COST | {"marketing": "5"}}, "cost.marketing"),
    "no such offer": ({"offer_id": 999999, "cost": COST}, "offer_id"),
    "nothing to value by": ({}, "cost"),
}


@pytest.mark.parametrize(("body", "field"), BAD_INPUTS.values(), ids=list(BAD_INPUTS))
def test_bad_input_is_named_and_nothing_is_stored(app, client, vendor, body, field):
    product_id = create_product(client, vendor.headers)["id"]
    before = stored(app)

    errors = field_errors(value(client, vendor, product_id, **body))

    assert field in errors, errors
    assert stored(app) == before


# Who may ask and read


def test_anonymous_callers_must_sign_in(client, vendor):
    product_id = create_product(client, vendor.headers)["id"]

    assert_problem(value(client, None, product_id, cost=COST), 401)
    assert_problem(client.get(f"/api/v1/products/{product_id}/valuations/latest"), 401)


def test_a_vendor_without_the_buyer_role_may_not_value_anothers_product(
    app, client, vendor, operator
):
    product = listed_product(client, vendor, operator)
    stranger = person(app, [Role.VENDOR])

    assert_problem(value(client, stranger, product["id"], cost=COST), 403)


def test_regulator_reads_the_latest_valuation(app, client, vendor):
    product_id = create_product(client, vendor.headers)["id"]
    valuation = value(client, vendor, product_id, cost=COST).get_json()
    regulator = person(app, [Role.REGULATOR])

    response = latest(client, regulator, product_id)

    assert response.status_code == 200
    assert response.get_json()["id"] == valuation["id"]
