"""An API product's key reaches its buyer once (API and contract page), is kept only as a hash,
and can be rotated and revoked by the buyer's buyers alone; the data API serves and counts
calls only on the live key."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from exchange.delivery.models import Entitlement
from exchange.extensions import db
from exchange.kernel.records import AuditEvent
from exchange.kernel.vocabulary import Role
from tests.api.helpers import assert_problem
from tests.catalog import Person, person
from tests.delivery import Trade, grant, trade
from tests.integration.catalog_pages import english, post, sign_in_as

URL = "/api/v1"


def api_trade(app: Flask, client: FlaskClient) -> tuple[Trade, int]:
    bought = trade(app, client, product_type="api")
    return bought, grant(app, bought.contract_id, api_quota=5).entitlement_id


def issue(client: FlaskClient, who: Person, entitlement_id: int) -> Any:
    return client.post(f"{URL}/entitlements/{entitlement_id}/api-key", headers=who.headers)


def revoke(client: FlaskClient, who: Person, entitlement_id: int) -> Any:
    return client.delete(f"{URL}/entitlements/{entitlement_id}/api-key", headers=who.headers)


def call(client: FlaskClient, key: str, product_id: int) -> Any:
    return client.get(f"{URL}/data-api/{product_id}/rows", headers={"X-Api-Key": key})


def stored(app: Flask, entitlement_id: int) -> tuple[str | None, int]:
    with app.app_context():
        row = db.session.get(Entitlement, entitlement_id)
        found = (row.api_key_hash, row.used)
        db.session.remove()
    return found


def test_delivery_issues_no_key_until_the_buyer_asks_and_then_shows_it_once(app, client):
    bought, entitlement_id = api_trade(app, client)
    [listed] = client.get(f"{URL}/entitlements", headers=bought.buyer.headers).get_json()
    assert listed["api_key"] == {
        "live": False,
        "hint": None,
        "issued_at": None,
        "revoked_at": None,
        "quota": 5,
        "used": 0,
    }

    issued = issue(client, bought.buyer, entitlement_id)
    assert issued.status_code == 201 and issued.headers["Cache-Control"] == "no-store"
    key = issued.get_json()["api_key"]
    assert key.startswith("gsk_") and issued.get_json()["rotated"] is False
    assert call(client, key, bought.product_id).get_json()["remaining"] == 4

    digest, _ = stored(app, entitlement_id)
    assert digest is not None and key not in digest
    [listed] = client.get(f"{URL}/entitlements", headers=bought.buyer.headers).get_json()
    assert listed["api_key"]["live"] and listed["api_key"]["hint"] == key[-4:]
    assert key not in str(listed)
    sign_in_as(client, bought.buyer)
    page = client.get(f"/contracts/{bought.contract_id}").get_data(as_text=True)
    assert key not in page and key[-4:] in page
    with app.app_context():
        details = db.session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action.like("entitlement.api_key.%"))
        ).all()
        db.session.remove()
    assert details and all(key not in str(detail) for detail in details)


def test_a_rotated_key_stops_working_and_the_new_one_works(app, client):
    bought, entitlement_id = api_trade(app, client)
    old = issue(client, bought.buyer, entitlement_id).get_json()["api_key"]
    assert call(client, old, bought.product_id).status_code == 200

    rotated = issue(client, bought.buyer, entitlement_id).get_json()
    assert rotated["rotated"] is True and rotated["api_key"] != old
    assert_problem(call(client, old, bought.product_id), 401)
    assert call(client, rotated["api_key"], bought.product_id).get_json()["used"] == 2


def test_a_revoked_key_stops_working_until_a_new_one_is_issued(app, client):
    bought, entitlement_id = api_trade(app, client)
    key = issue(client, bought.buyer, entitlement_id).get_json()["api_key"]

    revoked = revoke(client, bought.buyer, entitlement_id)
    assert revoked.status_code == 200
    assert revoked.get_json()["live"] is False and revoked.get_json()["revoked_at"]
    assert_problem(call(client, key, bought.product_id), 401)
    assert stored(app, entitlement_id) == (None, 0)
    again = assert_problem(revoke(client, bought.buyer, entitlement_id), 409)
    assert again["type"] == "urn:ganshu:problem:no-live-key"

    fresh = issue(client, bought.buyer, entitlement_id).get_json()["api_key"]
    assert call(client, fresh, bought.product_id).status_code == 200
    assert_problem(call(client, key, bought.product_id), 401)


def test_nobody_but_the_buyers_buyers_issues_rotates_or_revokes(app, client):
    bought, entitlement_id = api_trade(app, client)
    key = issue(client, bought.buyer, entitlement_id).get_json()["api_key"]
    stranger = person(app, [Role.BUYER])
    for outsider in (stranger, bought.vendor):
        assert_problem(issue(client, outsider, entitlement_id), 404)
        assert_problem(revoke(client, outsider, entitlement_id), 404)
    assert_problem(client.post(f"{URL}/entitlements/{entitlement_id}/api-key"), 401)
    before = stored(app, entitlement_id)
    assert call(client, key, bought.product_id).status_code == 200  # the buyer's key still works
    assert stored(app, entitlement_id) == (before[0], before[1] + 1)


def test_data_to_download_has_no_key(app, client):
    bought = trade(app, client)
    entitlement_id = grant(app, bought.contract_id).entitlement_id
    refused = assert_problem(issue(client, bought.buyer, entitlement_id), 409)
    assert refused["type"] == "urn:ganshu:problem:not-an-api-product"
    assert_problem(call(client, "not-even-a-key", bought.product_id), 401)


def test_the_contract_page_shows_a_new_key_once_and_rotates_and_revokes_it(app, client):
    bought, entitlement_id = api_trade(app, client)
    sign_in_as(client, bought.buyer)
    path = f"/contracts/{bought.contract_id}"
    assert 'data-testid="issue-api-key"' in client.get(path).get_data(as_text=True)

    shown = post(client, f"{path}/api-key")
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    first = re.search(r'data-testid="issued-api-key">([^<]+)<', shown.get_data(as_text=True))
    assert first
    assert call(client, first.group(1), bought.product_id).status_code == 200
    assert first.group(1) not in client.get(path).get_data(as_text=True)

    rotated = post(client, f"{path}/api-key").get_data(as_text=True)
    second = re.search(r'data-testid="issued-api-key">([^<]+)<', rotated)
    assert second and second.group(1) != first.group(1)
    assert_problem(call(client, first.group(1), bought.product_id), 401)

    assert post(client, f"{path}/api-key/revoke").status_code == 302
    assert_problem(call(client, second.group(1), bought.product_id), 401)
    english(client)
    assert "revoked" in client.get(path).get_data(as_text=True)


def test_another_organisation_cannot_rotate_or_revoke_on_the_page(app, client):
    bought, entitlement_id = api_trade(app, client)
    key = issue(client, bought.buyer, entitlement_id).get_json()["api_key"]
    sign_in_as(client, person(app, [Role.BUYER]))
    path = f"/contracts/{bought.contract_id}"
    assert post(client, f"{path}/api-key").status_code == 404
    assert post(client, f"{path}/api-key/revoke").status_code == 404
    assert call(client, key, bought.product_id).status_code == 200
