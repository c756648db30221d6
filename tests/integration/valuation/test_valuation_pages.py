"""Valuations on pages: the product page's card and form, and a valuation's chart and tables."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from exchange.extensions import db
from exchange.kernel.vocabulary import Role
from exchange.valuation.models import Valuation
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


def test_the_chinese_page_explains_every_factor_in_chinese(app, client, api, vendor, operator):
    for _ in range(3):
        listed_product(api, person(app, [Role.VENDOR]), operator)
    product = create_product(api, vendor.headers)
    sign_in_as(client, vendor)  # Chinese is the default

    response = ask(client, product["id"], COSTS | {"offer_id": str(product["offers"][0]["id"])})

    body = text(client.get(response.headers["Location"]))
    cost = re.search(r'data-testid="factors-cost">(.*?)</table>', body, re.S).group(1)
    assert "卖方申报的人工成本" in cost and "1 − 剩余经济寿命 30/36 个月" in cost
    licence = re.search(r'data-testid="factors-licence">(.*?)</table>', body, re.S).group(1)
    assert "非独占许可：许可系数表" in licence
    band = re.search(r'data-testid="factors-band">(.*?)</table>', body, re.S).group(1)
    assert "成本法，权重" in band and "市场法，权重" in band
    market = re.search(r'data-testid="factors-market">(.*?)</table>', body, re.S).group(1)
    assert market.count("挂牌价") == 3
    assert "approach, weight" not in body and "licence table" not in body


def test_a_reason_to_skip_an_approach_is_in_chinese(client, api, vendor):
    product = create_product(api, vendor.headers)
    sign_in_as(client, vendor)

    response = ask(client, product["id"], COSTS)

    skipped = re.search(
        r'data-testid="skipped">(.*?)</ul>', text(client.get(response.headers["Location"])), re.S
    )
    assert "足够相似的可比案例只有 0 个，至少需要 3 个" in skipped.group(1)


def test_pricings_refusal_is_in_chinese_in_place(app, client, api, vendor):
    product = create_product(api, vendor.headers)
    sign_in_as(client, vendor)

    response = ask(client, product["id"], COSTS | {"cost.labour": "-5"})

    assert response.status_code == 422
    assert feedback(response, "cost.labour") == ["labour 不能为负数"]
    assert valuations(app) == 0


def test_someone_who_may_not_value_is_told_so_on_the_product_page(
    app, client, api, vendor, operator
):
    product = listed_product(api, vendor, operator)
    sign_in_as(client, person(app, [Role.VENDOR]))  # another vendor, not a buyer
    english(client)

    response = ask(client, product["id"], {})

    assert response.status_code == 403
    page = text(response)
    alert = re.search(r'data-testid="form-error">(.*?)</div>', page, re.S)
    assert alert and "You are not allowed to do that" in alert.group(1)
    assert 'data-testid="valuation-form"' not in page and product["title_en"] in page
    assert valuations(app) == 0


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
