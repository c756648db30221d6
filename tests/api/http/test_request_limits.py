"""Every API operation against hostile request handling, as classes: JSON nested 100,000 deep or
not UTF-8, ids past what a column holds, a stranger's invalid body (401 before 422), and JSON on
routes that take large uploads; each a precise 4xx problem+json with nothing written."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.routing import Rule

from exchange.http.request_limits import requires_api_key, requires_bearer
from exchange.kernel.vocabulary import Role
from tests.api.helpers import assert_problem, row_counts
from tests.catalog import catalog_counts, person

DEEP = b"[" * 100_000 + b"]" * 100_000
NOT_UTF8 = b'{"email": "\xff\xfe@example.cn", "name": "\xc3\x28"}'
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")
HUGE_IDS = (2**31, 2**63, 10**30)


def operations(app: Flask) -> Iterator[tuple[Rule, str]]:
    """Each API route and method (HEAD and OPTIONS aside)."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                yield rule, method


def path(rule: Rule, number: int = 1) -> str:
    """The rule's path with every int argument set to `number` and every other to "x"."""
    filled = re.sub(r"<int:[^>]+>", str(number), rule.rule)
    return re.sub(r"<[^>]+>", "x", filled)


def written(app: Flask) -> dict[str, int]:
    return row_counts(app) | catalog_counts(app)


@pytest.mark.parametrize("body", [DEEP, NOT_UTF8], ids=["nested-100000-deep", "not-utf8"])
def test_every_json_body_is_bounded_before_it_is_parsed(app, client, body):
    member = person(app, (Role.VENDOR, Role.BUYER))
    before = written(app)
    answered = 0
    for rule, method in operations(app):
        if method not in BODY_METHODS:
            continue
        for headers in ({}, member.headers):
            response = client.open(
                path(rule),
                method=method,
                data=body,
                content_type="application/json",
                headers=headers,
            )
            view = app.view_functions[rule.endpoint]
            expected = 401 if not headers and requires_bearer(view) else 400
            problem = assert_problem(response, expected)
            if expected == 400:
                assert problem["type"].endswith("malformed-body"), (rule.rule, problem)
            answered += 1
    assert answered > 60
    assert written(app) == before


def test_a_stranger_is_told_to_sign_in_before_anything_is_validated(app, client):
    junk = {"unknown": "x" * 100, "price": "1e309", "id": 2**63}
    refused = 0
    for rule, method in operations(app):
        view = app.view_functions[rule.endpoint]
        if not (requires_bearer(view) or requires_api_key(view)):
            continue
        response = client.open(path(rule) + "?unknown=1&limit=-5", method=method, json=junk)
        problem = assert_problem(response, 401)
        assert problem["type"] == "urn:ganshu:problem:not-authenticated", rule.rule
        refused += 1
    assert refused > 60


@pytest.mark.parametrize("number", HUGE_IDS)
def test_an_id_past_what_a_column_holds_names_nothing(app, client, number):
    member = person(app, (Role.VENDOR, Role.BUYER))
    tried = 0
    for rule, method in operations(app):
        if "<int:" not in rule.rule:
            continue
        huge = path(rule, number)
        view = app.view_functions[rule.endpoint]
        # The data API is called with its key, not a member's token.
        credentials = {"X-Api-Key": "gsk_" + "x" * 43} if requires_api_key(view) else member.headers
        assert_problem(client.open(huge, method=method, json={}, headers=credentials), 404)
        # A stranger is asked for a token (or key) first, as for any id that names nothing.
        anonymous = client.open(huge, method=method, json={})
        assert_problem(anonymous, 401 if requires_bearer(view) or requires_api_key(view) else 404)
        tried += 1
    assert tried > 40


@pytest.mark.parametrize(
    "query",
    ["price_min=1e26", "price_max=1e309", "price_min=" + "9" * 40 + ".5", "page=" + str(2**63)],
)
def test_numbers_past_their_columns_in_a_search_are_refused(app, client, query):
    response = client.get(f"/api/v1/products?{query}")
    assert_problem(response, 422)
    page = client.get(f"/products?{query}", headers={"Accept-Language": "en"})
    assert page.status_code in (200, 422)
    assert page.mimetype == "text/html"


@pytest.mark.parametrize("price", ["1e26", "1e309", 1e26, 2**63, "-1e26"])
def test_a_price_past_the_money_column_is_refused_and_nothing_is_written(app, client, price):
    vendor = person(app, (Role.VENDOR,))
    before = written(app)
    response = client.post(
        "/api/v1/products",
        json={"offers": [{"price": price}]},
        headers=vendor.headers,
    )
    assert_problem(response, 422)
    assert written(app) == before


def test_json_on_a_route_that_takes_large_uploads_keeps_the_json_cap(app, client):
    vendor = person(app, (Role.VENDOR,))
    limit = app.config["JSON_MAX_BYTES"]
    body = b'{"a": "' + b"x" * limit + b'"}'
    for rule, method in operations(app):
        view = app.view_functions[rule.endpoint]
        if not getattr(view, "accepts_upload", False):
            continue
        response = client.open(
            path(rule),
            method=method,
            data=body,
            content_type="application/json",
            headers=vendor.headers,
        )
        assert_problem(response, 413)
