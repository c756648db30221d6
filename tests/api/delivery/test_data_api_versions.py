"""The data API's versions through HTTP on SQLite and PostgreSQL: the latest ready version by
default, the one asked for by number, the one a cursor started on; a version that is not ready,
or not there, is a 404 that spends nothing."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from exchange.catalog.domain import VersionState
from exchange.catalog.models import ProductVersion
from exchange.extensions import db
from tests.api.delivery.test_data_api_rows import Keyed, call, keyed, metered, problem_type
from tests.catalog import upload
from tests.delivery import copper_prices


def publish(client: FlaskClient, bought: Keyed, seed: int) -> int:
    """The vendor uploads another version of the product; its number."""
    response = upload(
        client, bought.trade.vendor.headers, bought.product_id, copper_prices(seed=seed)
    )
    assert response.status_code == 201, response.get_json()
    return max(int(version["number"]) for version in response.get_json()["versions"])


def set_state(app: Flask, product_id: int, number: int, state: VersionState) -> None:
    with app.app_context():
        db.session.execute(
            update(ProductVersion)
            .where(ProductVersion.product_id == product_id, ProductVersion.number == number)
            .values(state=state.value)
        )
        db.session.commit()
        db.session.remove()


def test_the_latest_ready_version_is_served_by_default(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client)
    assert call(client, bought.key, bought.product_id, limit=1).get_json()["version"] == 1
    assert publish(client, bought, seed=2) == 2
    assert call(client, bought.key, bought.product_id, limit=1).get_json()["version"] == 2


def test_a_version_asked_for_by_number_is_served(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client)
    publish(client, bought, seed=2)
    first = call(client, bought.key, bought.product_id, limit=2, version=1).get_json()
    latest = call(client, bought.key, bought.product_id, limit=2).get_json()
    assert (first["version"], latest["version"]) == (1, 2)
    assert first["rows"] != latest["rows"]


def test_a_cursor_keeps_paging_the_version_it_started_on(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client)
    whole = call(client, bought.key, bought.product_id, limit=6).get_json()["rows"]
    first = call(client, bought.key, bought.product_id, limit=3).get_json()
    publish(client, bought, seed=2)
    rest = call(
        client, bought.key, bought.product_id, limit=3, cursor=first["next_cursor"]
    ).get_json()
    assert (first["version"], rest["version"]) == (1, 1)
    assert first["rows"] + rest["rows"] == whole


def test_a_version_not_yet_ready_is_not_served(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client)
    publish(client, bought, seed=2)
    set_state(app, bought.product_id, 2, VersionState.PROCESSING)
    assert call(client, bought.key, bought.product_id, limit=1).get_json()["version"] == 1
    refused = call(client, bought.key, bought.product_id, limit=1, version=2)
    assert problem_type(refused, 404) == "not-found"
    assert metered(app, bought.entitlement_id) == (1, [1])


def test_a_version_past_the_last_is_a_404_and_nothing_is_metered(
    app: Flask, client: FlaskClient
) -> None:
    bought = keyed(app, client)
    assert problem_type(call(client, bought.key, bought.product_id, version=9), 404) == (
        "not-found"
    )
    assert metered(app, bought.entitlement_id) == (0, [])
