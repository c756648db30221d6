"""Two of issue 17's classes seen where their own tests did not look, on SQLite and PostgreSQL:
a page's id past every column names nothing (404, never a 500), and a product's JSON file nested
100,000 deep is refused through the API on its file field with nothing stored."""

from __future__ import annotations

import re

import pytest

from exchange.kernel.vocabulary import Role
from tests.api.helpers import assert_problem, english_client
from tests.catalog import catalog_state, create_product, person, upload
from tests.factories import signed_in_session

HUGE_IDS = (2**31, 2**63, 10**30)


@pytest.mark.parametrize("number", HUGE_IDS)
def test_a_pages_id_past_what_a_column_holds_names_nothing(app, number):
    member = person(app, (Role.VENDOR, Role.BUYER))
    signed_in = english_client(app)
    signed_in_session(signed_in, member.user_id)
    tried = 0
    for rule in app.url_map.iter_rules():
        page = not rule.rule.startswith("/api/") and "GET" in (rule.methods or ())
        if not page or "<int:" not in rule.rule:
            continue
        filled = re.sub(r"<int:[^>]+>", str(number), rule.rule)
        url = re.sub(r"<[^>]+>", "x", filled)
        for visitor in (english_client(app), signed_in):
            response = visitor.get(url)
            assert response.status_code == 404, (url, response.status_code)
        tried += 1
    assert tried > 10  # 14 pages today


def test_a_json_file_nested_past_the_depth_limit_is_refused_and_nothing_is_stored(app):
    client = english_client(app)
    vendor = person(app, (Role.VENDOR,))
    product_id = create_product(client, vendor.headers, with_file=False)["id"]
    before = catalog_state(app)
    deep = b'[{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]"
    body = assert_problem(upload(client, vendor.headers, product_id, deep, "copper.json"), 422)
    assert body["errors"] == {"file": ["The JSON is nested deeper than 64 levels"]}
    assert catalog_state(app) == before
