"""Anonymous catalog pages and catalog answers may be seconds old; nobody else's page is shared."""

from __future__ import annotations

import re

import pytest

from exchange.app import create_app
from exchange.extensions import db
from tests.catalog import listed_product, person
from tests.factories import signed_in_session

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def cached_app(database_url, tmp_path):
    """The exchange with its production caching: pages and answers kept for a minute."""
    app = create_app(
        {
            "MODE": "test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "PAGE_CACHE_SECONDS": 60,
            "CATALOG_CACHE_SECONDS": 60,
        }
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_test_mode_caches_nothing_unless_asked(app):
    assert app.config["PAGE_CACHE_SECONDS"] == app.config["CATALOG_CACHE_SECONDS"] == 0


def test_production_keeps_pages_and_answers_ten_seconds(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_SECRET_KEY", "s")
    monkeypatch.setenv("EXCHANGE_MASTER_KEY", "m")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["PAGE_CACHE_SECONDS"] == app.config["CATALOG_CACHE_SECONDS"] == 10


def test_a_visitor_gets_the_page_another_visitor_caused_with_their_own_token(cached_app):
    first, second = cached_app.test_client(), cached_app.test_client()
    miss = first.get("/products?q=铜")
    hit = second.get("/products?q=铜")
    assert (miss.headers["X-Page-Cache"], hit.headers["X-Page-Cache"]) == ("miss", "hit")
    first_token = TOKEN.search(miss.get_data(as_text=True)).group(1)
    second_token = TOKEN.search(hit.get_data(as_text=True)).group(1)
    assert first_token != second_token
    assert TOKEN.sub("", miss.get_data(as_text=True)) == TOKEN.sub("", hit.get_data(as_text=True))
    # The served token belongs to the second visitor's session: their language switch works.
    response = second.post("/language", data={"locale": "en", "csrf_token": second_token})
    assert response.status_code == 302


def test_a_signed_in_member_never_gets_a_shared_page(cached_app):
    member = person(cached_app, ["buyer"])
    client = cached_app.test_client()
    signed_in_session(client, member.user_id)
    cached_app.test_client().get("/products")
    response = client.get("/products")
    assert "X-Page-Cache" not in response.headers
    assert member.display_name in response.get_data(as_text=True)


def test_each_language_has_its_own_page(cached_app):
    chinese = cached_app.test_client()
    chinese.get("/products")
    english = cached_app.test_client()
    token = TOKEN.search(english.get("/").get_data(as_text=True)).group(1)
    english.post("/language", data={"locale": "en", "csrf_token": token})
    page = english.get("/products")
    assert page.headers["X-Page-Cache"] == "miss"
    assert '<html lang="en">' in page.get_data(as_text=True)


def test_a_new_listing_shows_once_the_cached_answer_expires(cached_app):
    client = cached_app.test_client()
    vendor, operator = person(cached_app, ["vendor"]), person(cached_app, ["operator"])
    assert client.get("/api/v1/products").get_json()["total"] == 0
    listed_product(client, vendor, operator)
    assert client.get("/api/v1/products").get_json()["total"] == 0  # seconds old, by design
    cached_app.extensions["catalog_cache"].clear()
    assert client.get("/api/v1/products").get_json()["total"] == 1
