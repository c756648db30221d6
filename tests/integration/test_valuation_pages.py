"""Valuations on pages: the product page's card and form, and a valuation's chart and tables."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from exchange.domain.vocabulary import Role
from exchange.extensions import db
from exchange.models import Valuation
from tests.catalog import create_product, listed_product, person
from tests.integration.catalog_pages import english, feedback, post, sign_in_as, text

COSTS = {
    "cost.planning": "10000",
    "cost.collection": "20000.50",
    "cost.labour": "30000",
    "cost.return_rate": "0.2",
    "cost.total_life_months": "36",
    "cost.remaining_life_months": "30",
}


@pytest.fixture
def vendor(app):
    return person(app, [Role.VENDOR])


@pytest.fixture
def operator(app):
    return person(app, [Role.OPERATOR])


@pytest.fixture
def api(app):
    return app.test_client()


def valuations(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Valuation)) or 0
        db.session.remove()
    return count


def ask(client, product_id: int, data: dict[str, str]):
    return post(client, f"/products/{product_id}/valuations", data)


def test_vendor_values_with_costs_and_lands_on_the_chart(client, api, vendor):
    product = create_product(api, vendor.headers)
    sign_in_as(client, vendor)
    english(client)
    page = text(client.get(f"/products/{product['id']}"))
    assert 'data-testid="valuation-form"' in page and 'name="cost.labour"' in page

    offer_id = str(product["offers"][0]["id"])
    response = ask(client, product["id"], COSTS | {"offer_id": offer_id})

    assert response.status_code == 302
    body = text(client.get(response.headers["Location"]))
    chart = re.search(r"<svg[^>]*data-testid=\"band-chart\".*?</svg>", body, re.S)
    assert chart and 'role="img"' in chart.group(0) and 'data-testid="band-bar"' in chart.group(0)
    table = re.search(r'data-testid="band-table">(.*?)</table>', body, re.S).group(1)
    assert "Floor" in table and "Reference" in table and "Cost approach" in table
    assert 'data-testid="factors-cost"' in body and "replacement_cost" in body
    skipped = re.search(r'data-testid="skipped">(.*?)</ul>', body, re.S).group(1)
    assert "Market approach" in skipped and "comparable" in skipped
    card = text(client.get(f"/products/{product['id']}"))
    assert 'data-testid="latest-band"' in card and "Cost approach 100%" in card


def test_buyer_values_a_listed_product_by_the_market(app, client, api, vendor, operator):
    for _ in range(3):
        listed_product(api, person(app, [Role.VENDOR]), operator)
    product = listed_product(api, vendor, operator)
    buyer = person(app, [Role.BUYER])
    sign_in_as(client, buyer)
    english(client)
    page = text(client.get(f"/products/{product['id']}"))
    assert 'data-testid="valuation-form"' in page and "cost.labour" not in page

    response = ask(client, product["id"], {"offer_id": str(product["offers"][0]["id"])})

    assert response.status_code == 302
    body = text(client.get(response.headers["Location"]))
    assert body.count('data-testid="comparable-dot"') == 3
    assert "Market approach" in body and 'data-testid="comparables"' in body
    assert "for purchase" in body


def test_buyer_without_comparables_sees_why_in_place(app, client, api, vendor, operator):
    product = listed_product(api, vendor, operator)
    sign_in_as(client, person(app, [Role.BUYER]))
    english(client)

    response = ask(client, product["id"], {})

    assert response.status_code == 422
    error = re.search(r'data-testid="action-error">(.*?)</div>\s*</form>', text(response), re.S)
    assert error and "comparable" in error.group(1)
    assert valuations(app) == 0


def test_bad_cost_input_is_shown_in_place_and_stores_nothing(app, client, api, vendor):
    product = create_product(api, vendor.headers)
    sign_in_as(client, vendor)
    english(client)

    response = ask(client, product["id"], COSTS | {"cost.labour": "lots"})

    assert response.status_code == 422
    assert feedback(response, "cost.labour") == ["Enter a number, e.g. 1200.00."]
    assert 'value="lots"' in text(response) and '<details class="mb-3" open' in text(response)
    assert valuations(app) == 0


def test_negative_cost_is_refused_by_pricing_in_place(app, client, api, vendor):
    product = create_product(api, vendor.headers)
    sign_in_as(client, vendor)

    response = ask(client, product["id"], COSTS | {"cost.labour": "-5"})

    assert response.status_code == 422
    assert feedback(response, "cost.labour")
    assert valuations(app) == 0


def test_stranger_gets_404_on_someone_elses_valuation(app, client, api, vendor):
    product = create_product(api, vendor.headers)
    sign_in_as(client, vendor)
    location = ask(client, product["id"], COSTS).headers["Location"]

    sign_in_as(client, person(app, [Role.BUYER]))

    assert client.get(location).status_code == 404


def test_anonymous_visitors_see_no_valuation_card(app, client, api, vendor, operator):
    product = listed_product(api, vendor, operator)
    sign_in_as(client, vendor)
    ask(client, product["id"], COSTS)
    client.get("/sign-out")
    anonymous = app.test_client()

    page = text(anonymous.get(f"/products/{product['id']}"))

    assert "valuation-card" not in page and "valuation-form" not in page
