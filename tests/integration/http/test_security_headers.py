"""Security headers on every response in every mode, and pages a strict policy can serve:
no inline script, event-handler attribute, javascript: URL, inline style or style attribute."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import BuildError, Rule
from werkzeug.test import TestResponse

from exchange import ROOT
from exchange.accounts.models import User
from exchange.extensions import db
from exchange.kernel.vocabulary import Role
from tests.catalog import PASSWORD, Person, person
from tests.factories import Member, sign_in
from tests.trading import agreed_contract

CSP = "Content-Security-Policy"
HSTS = "Strict-Transport-Security"
DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
TEMPLATES = ROOT / "exchange" / "web" / "templates"
# What a policy without 'unsafe-inline' refuses, written into a page.
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "event-handler attribute": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.I),
}
STATIC_FILES = (
    "/static/exchange.css",
    "/static/exchange.js",
    "/static/swagger-init.js",
    "/bootstrap/static/css/bootstrap.min.css",
    "/api/docs/assets/swagger-ui-bundle.js",
)


def assert_secured(response: TestResponse, where: str, *, https: bool = False) -> None:
    """The headers every response carries; HSTS exactly when the request came over HTTPS."""
    headers = response.headers
    policy = dict(
        (part.split(" ", 1) + [""])[:2] for part in (p.strip() for p in headers[CSP].split(";"))
    )
    for directive, value in DIRECTIVES.items():
        assert policy.get(directive) == value, (where, directive, headers[CSP])
    assert "unsafe-inline" not in headers[CSP] and "unsafe-eval" not in headers[CSP], where
    assert headers["X-Content-Type-Options"] == "nosniff", where
    assert headers["X-Frame-Options"] == "DENY", where
    assert headers["Referrer-Policy"] == "no-referrer", where
    if https:
        assert headers[HSTS] == "max-age=31536000; includeSubDomains", where
    else:
        assert HSTS not in headers, where


def inline_code(html: str) -> list[str]:
    """What in the page a strict Content-Security-Policy would refuse to run or apply."""
    return [name for name, pattern in INLINE.items() if pattern.search(html)]


def sample_url(app: Flask, rule: Rule, ids: dict[str, int]) -> str | None:
    """The rule's URL with a known id (else 1) for each number and 'x' for each word."""
    adapter = app.url_map.bind("localhost")
    values: dict[str, object] = {}
    for name in rule.arguments:
        values[name] = ids.get(name, 1)
    try:
        return adapter.build(rule.endpoint, values)
    except (BuildError, ValueError):
        values = {name: "x" for name in rule.arguments}
        try:
            return adapter.build(rule.endpoint, values)
        except (BuildError, ValueError):
            return None


def get_routes(app: Flask, ids: dict[str, int]) -> list[str]:
    """A URL for every rule that answers GET."""
    urls = [
        sample_url(app, rule, ids)
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ())
    ]
    return sorted({url for url in urls if url})


def signed_in(app: Flask, who: Person) -> FlaskClient:
    """A browser-like client signed in as the person through the sign-in page."""
    with app.app_context():
        email = db.session.get(User, who.user_id).email
    client = app.test_client()
    sign_in(client, Member(who.user_id, who.organisation_id, email, PASSWORD))
    return client


@pytest.fixture
def market(app: Flask, client: FlaskClient) -> Iterator[dict[str, object]]:
    """A listed product with a file and an agreed contract, and one person per role."""
    agreed, contract_id = agreed_contract(app, client)
    people = {
        "vendor": agreed.vendor,
        "buyer": agreed.buyer,
        "regulator": person(app, [Role.REGULATOR]),
        "operator": agreed.operator,
    }
    ids = {
        "product_id": agreed.product_id,
        "contract_id": contract_id,
        "organisation_id": agreed.vendor.organisation_id,
    }
    yield {"people": people, "ids": ids}


def test_every_get_route_is_secured_for_every_role(app, client, market):
    ids = market["ids"]
    people: dict[str, Person] = market["people"]
    urls = get_routes(app, ids)
    assert len(urls) > 50, urls  # the walk reached the pages, the API and the files
    visitors = {"anonymous": (client, {})} | {
        role: (signed_in(app, who), who.headers) for role, who in people.items()
    }
    for role, (visitor, headers) in visitors.items():
        for url in urls:
            response = visitor.get(url, headers=headers if url.startswith("/api/") else {})
            where = f"{role} GET {url} -> {response.status_code}"
            assert response.status_code < 500, where
            assert_secured(response, where)
            if response.mimetype == "text/html":
                assert inline_code(response.get_data(as_text=True)) == [], where
            response.close()


def test_static_files_and_the_api_documentation_are_secured(client):
    for url in (*STATIC_FILES, "/api/docs", "/api/openapi.json"):
        with client.get(url) as response:
            assert response.status_code == 200, url
            assert_secured(response, url)
    page = client.get("/api/docs").get_data(as_text=True)
    assert inline_code(page) == []


def test_error_answers_are_secured(app, client):
    answers = {
        "page not found": client.get("/no-such-page"),
        "problem not found": client.get("/api/v1/products/999999"),
        "not signed in": client.get("/api/v1/me"),
        "method not allowed": client.put("/sign-in"),
        "CSRF refused": client.post("/sign-in", data={"email": "a@b.cn", "password": "x"}),
    }
    assert answers["CSRF refused"].status_code == 400
    assert answers["not signed in"].mimetype == "application/problem+json"
    for name, response in answers.items():
        assert response.status_code >= 400, name
        assert_secured(response, name)
        if response.mimetype == "text/html":
            assert inline_code(response.get_data(as_text=True)) == [], name


def test_server_error_page_is_secured(configured_app):
    app = configured_app(TESTING=False)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken() -> str:
        raise RuntimeError("a defect, for the test")

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    app.add_url_rule("/api/v1/broken-for-test", "api_broken_for_test", broken)
    client = app.test_client()
    for url in ("/broken-for-test", "/api/v1/broken-for-test"):
        response = client.get(url)
        assert response.status_code == 500, url
        assert_secured(response, url)


def test_hsts_only_over_https(client):
    assert_secured(client.get("/"), "http", https=False)
    assert_secured(client.get("/", base_url="https://localhost"), "https", https=True)
    assert_secured(client.get("/api/v1/me", base_url="https://localhost"), "api", https=True)


@pytest.mark.parametrize("proxies", [0, 1])
def test_hsts_behind_a_proxy_only_when_the_proxy_is_trusted(proxies, configured_app):
    app = configured_app(TRUSTED_PROXIES=proxies)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    response = app.test_client().get("/sign-in", headers=forwarded)
    assert_secured(response, f"{proxies} trusted proxies", https=bool(proxies))


@pytest.mark.parametrize("mode", ["demo", "production"])
def test_every_mode_sends_the_headers(mode, configured_app):
    secrets = {"SECRET_KEY": "s" * 40, "MASTER_KEY": "m" * 40} if mode == "production" else {}
    app = configured_app(MODE=mode, **secrets)
    client = app.test_client()
    for url in ("/", "/sign-in", "/no-such-page", "/api/v1/me", "/api/docs", *STATIC_FILES):
        with client.get(url, base_url="https://localhost") as response:
            assert response.status_code < 500, url
            assert_secured(response, f"{mode} {url}", https=True)
    assert_secured(client.get("/sign-in"), f"{mode} over http", https=False)


def test_no_template_holds_inline_code():
    found = {
        str(path.relative_to(TEMPLATES)): inline_code(path.read_text())
        for path in sorted(Path(TEMPLATES).rglob("*.html"))
    }
    assert len(found) >= 50  # the templates were found where they live
    assert {name: kinds for name, kinds in found.items() if kinds} == {}
