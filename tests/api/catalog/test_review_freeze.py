"""What reviewers look at cannot change under them; uploads need a signed-in member."""

from __future__ import annotations

import io

import pytest

from tests.api.helpers import assert_problem
from tests.catalog import (
    COPPER_CSV,
    catalog_state,
    create_product,
    person,
    submit,
    upload,
)


@pytest.fixture
def submitted(app, client):
    vendor = person(app, ["vendor"])
    product = create_product(client, vendor.headers)
    assert submit(client, vendor, product["id"]).status_code == 200
    return vendor, product["id"]


def test_a_submitted_product_cannot_be_edited(app, client, submitted):
    vendor, product_id = submitted
    before = catalog_state(app)
    response = client.patch(
        f"/api/v1/products/{product_id}", json={"title_en": "Changed"}, headers=vendor.headers
    )
    body = assert_problem(response, 409)
    assert "withdraw" in body["detail"]
    assert catalog_state(app) == before


def test_a_submitted_product_takes_no_new_version(app, client, submitted):
    vendor, product_id = submitted
    before = catalog_state(app)
    assert_problem(upload(client, vendor.headers, product_id), 409)
    assert catalog_state(app) == before


def test_a_submitted_product_keeps_its_offers(app, client, submitted):
    vendor, product_id = submitted
    offer_id = client.get(f"/api/v1/products/{product_id}", headers=vendor.headers).get_json()[
        "offers"
    ][0]["id"]
    response = client.delete(
        f"/api/v1/products/{product_id}/offers/{offer_id}", headers=vendor.headers
    )
    assert_problem(response, 409)


def test_withdrawing_makes_the_product_editable_again(client, submitted):
    vendor, product_id = submitted
    assert (
        client.post(f"/api/v1/products/{product_id}/withdraw", headers=vendor.headers).status_code
        == 200
    )
    response = client.patch(
        f"/api/v1/products/{product_id}", json={"title_en": "Changed"}, headers=vendor.headers
    )
    assert response.status_code == 200
    assert response.get_json()["title_en"] == "Changed"


def test_an_upload_without_a_token_is_refused_and_stores_nothing(app, client):
    vendor = person(app, ["vendor"])
    product_id = create_product(client, vendor.headers, with_file=False)["id"]
    before = catalog_state(app)
    response = client.post(
        f"/api/v1/products/{product_id}/versions",
        data={"file": (io.BytesIO(COPPER_CSV), "copper.csv")},
        content_type="multipart/form-data",
    )
    assert_problem(response, 401)
    assert catalog_state(app) == before
