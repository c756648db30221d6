"""Idempotency-Key on every state-changing API call: a retry gets the first answer and writes
nothing more, a key reused for another request is refused, concurrent duplicates make one,
and keys belong to their user."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from exchange.catalog.models import DataProduct, ProductVersion
from exchange.extensions import db
from exchange.kernel.records import IdempotencyRecord
from exchange.trading.models import NegotiationRound
from tests.api.helpers import assert_problem, english_client
from tests.catalog import person, product_data, upload
from tests.trading import market

PRODUCTS = "/api/v1/products"


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(model))
        db.session.remove()
        return int(total or 0)


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return headers | {"Idempotency-Key": key}


def terms_json(**overrides: Any) -> dict[str, Any]:
    return {
        "price": "10000.00",
        "scope": "internal",
        "term_months": 12,
        "territory": "mainland",
        "exclusive": False,
        "seats": 5,
        "derivative": False,
    } | overrides


def test_a_retried_product_creation_gets_the_first_answer_and_writes_nothing_more(app):
    client = english_client(app)
    vendor = person(app)
    first = client.post(PRODUCTS, json=product_data(), headers=keyed(vendor.headers, "k-1"))
    assert first.status_code == 201, first.get_json()
    assert "Idempotent-Replayed" not in first.headers
    again = client.post(PRODUCTS, json=product_data(), headers=keyed(vendor.headers, "k-1"))
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.mimetype == "application/json"
    assert again.get_json() == first.get_json()
    assert count(app, DataProduct) == 1


def test_a_retried_proposal_and_counter_are_made_once(app, client):
    found = market(app, client)
    client = english_client(app)
    body = terms_json(offer_id=found.offer_id, price="9000.00")
    answers = [
        client.post("/api/v1/negotiations", json=body, headers=keyed(found.buyer.headers, "p"))
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].get_json() == answers[1].get_json()
    path = f"/api/v1/negotiations/{answers[0].get_json()['id']}/counter"
    counters = [
        client.post(
            path, json=terms_json(price="9500.00"), headers=keyed(found.vendor.headers, "c")
        )
        for _ in range(2)
    ]
    assert [c.status_code for c in counters] == [200, 200]
    assert counters[1].headers["Idempotent-Replayed"] == "true"
    assert counters[0].get_json() == counters[1].get_json()
    assert count(app, NegotiationRound) == 2  # the proposal and one counter


def test_a_key_reused_for_a_different_request_is_refused_and_writes_nothing(app):
    client = english_client(app)
    vendor = person(app)
    headers = keyed(vendor.headers, "k-2")
    assert client.post(PRODUCTS, json=product_data(), headers=headers).status_code == 201
    other = client.post(PRODUCTS, json=product_data(title_en="Other copper"), headers=headers)
    body = assert_problem(other, 422)
    assert body["type"] == "urn:ganshu:problem:idempotency-key-reused"
    elsewhere = client.patch(
        f"{PRODUCTS}/{1}", json={"title_en": "Renamed copper"}, headers=headers
    )
    assert_problem(elsewhere, 422)
    assert count(app, DataProduct) == 1


def test_keys_belong_to_their_user(app):
    client = english_client(app)
    first, second = person(app), person(app)
    for vendor in (first, second):
        response = client.post(PRODUCTS, json=product_data(), headers=keyed(vendor.headers, "k"))
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response.headers
    assert count(app, DataProduct) == 2


def test_a_refused_request_does_not_hold_its_key(app):
    client = english_client(app)
    vendor = person(app)
    headers = keyed(vendor.headers, "k-3")
    for _ in range(2):  # refused each time on its merits, not replayed or called in progress
        response = client.post(PRODUCTS, json=product_data(board="no-such-board"), headers=headers)
        assert response.status_code == 422
        assert "Idempotent-Replayed" not in response.headers
    assert count(app, IdempotencyRecord) == 0
    assert client.post(PRODUCTS, json=product_data(), headers=headers).status_code == 201


def test_an_unusable_key_is_a_422(app):
    client = english_client(app)
    vendor = person(app)
    response = client.post(PRODUCTS, json=product_data(), headers=keyed(vendor.headers, "x" * 256))
    assert "Idempotency-Key" in assert_problem(response, 422)["errors"]
    assert count(app, DataProduct) == 0


def test_concurrent_duplicates_create_one(app):
    vendor = person(app)
    headers = keyed(vendor.headers, "k-4")
    barrier = threading.Barrier(4)
    answers: list[Any] = [None] * 4

    def send(index: int) -> None:
        client = english_client(app)
        barrier.wait()
        answers[index] = client.post(PRODUCTS, json=product_data(), headers=headers)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(answer.status_code for answer in answers)
    assert set(statuses) <= {201, 409}, [a.get_data(as_text=True) for a in answers]
    assert 201 in statuses
    made = {answer.get_json()["id"] for answer in answers if answer.status_code == 201}
    assert len(made) == 1
    for answer in answers:
        if answer.status_code == 409:
            assert assert_problem(answer, 409)["type"].endswith("idempotency-key-in-progress")
            assert answer.headers["Retry-After"] == "1"
    assert count(app, DataProduct) == 1


def test_the_header_is_documented_on_state_changing_calls_with_a_token(app, client):
    paths = client.get("/api/openapi.json").get_json()["paths"]

    def takes_key(path: str, method: str) -> bool:
        parameters = paths[path][method].get("parameters", [])
        return any(p.get("name") == "Idempotency-Key" for p in parameters)

    assert takes_key("/api/v1/products", "post")
    assert takes_key("/api/v1/products/{product_id}", "patch")
    assert takes_key("/api/v1/negotiations/{negotiation_id}/counter", "post")
    assert takes_key("/api/v1/payments", "post")
    assert not takes_key("/api/v1/products", "get")
    assert not takes_key("/api/v1/auth/tokens", "post")
    assert not takes_key("/api/v1/payments/stripe/webhook", "post")
    assert {"409", "422"} <= paths["/api/v1/products"]["post"]["responses"].keys()


def test_a_retried_upload_makes_one_version(app):
    client = english_client(app)
    vendor = person(app)
    product_id = client.post(PRODUCTS, json=product_data(), headers=vendor.headers).get_json()["id"]
    headers = keyed(vendor.headers, "upload")
    first = upload(client, headers, product_id)
    assert first.status_code == 201, first.get_json()
    again = upload(client, headers, product_id)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    other = upload(client, headers, product_id, content=b"date,price\n2026-10-08,1\n")
    assert_problem(other, 422)
    assert count(app, ProductVersion) == 1
