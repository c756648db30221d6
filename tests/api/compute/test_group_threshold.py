"""Under a privacy budget a grouped row needs a noisy size that keeps a one-record group from
showing (δ under 10⁻⁷): the policy says which, and the product page tells buyers."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from exchange.kernel.vocabulary import Role
from tests.catalog import create_product, person, upload
from tests.compute import households, save_policy
from tests.integration.catalog_pages import english, sign_in_as, text


def test_the_policy_and_the_product_page_give_the_group_threshold(
    app: Flask, client: FlaskClient
) -> None:
    vendor = person(app, [Role.VENDOR])
    product = create_product(client, vendor.headers, with_file=False)
    assert upload(client, vendor.headers, product["id"], households(), "p.csv").status_code == 201
    path = f"/api/v1/products/{product['id']}/compute-policy"

    assert save_policy(client, vendor, product["id"]).status_code == 200
    exact = client.get(path, headers=vendor.headers).get_json()
    assert exact["group_threshold"] == exact["min_group_size"] == 5

    budget = {"epsilon_budget": 2.0, "epsilon_per_query": 0.5}
    assert save_policy(client, vendor, product["id"], **budget).status_code == 200
    private = client.get(path, headers=vendor.headers).get_json()
    assert private["group_threshold"] == 34  # 1 + ⌈ln(10⁷) / 0.5⌉

    offer = {
        "kind": "non_exclusive",
        "scope": "internal",
        "term_months": 12,
        "territory": "mainland",
        "seats": 1,
        "price": "900.00",
        "access": "computation",
        "quota": 10,
    }
    created = client.post(
        f"/api/v1/products/{product['id']}/offers", json=offer, headers=vendor.headers
    )
    assert created.status_code == 201, created.get_json()
    page_client = app.test_client()
    sign_in_as(page_client, vendor)
    english(page_client)
    page = text(page_client.get(f"/products/{product['id']}"))
    assert "reaches at least 34 records (more for a query that measures several" in page
