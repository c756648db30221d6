"""The API's contract with every client: RFC 9457 problem details for each error status, and
an OpenAPI 3 description with browsable docs that load nothing from outside the exchange."""

from __future__ import annotations

import logging
import re

from exchange.kernel.vocabulary import Role
from tests.api.helpers import assert_problem
from tests.factories import bearer, make_member, organisation_data

BEARER_PATHS = {
    "/api/v1/auth/tokens": {"get"},
    "/api/v1/auth/tokens/{token_id}": {"delete"},
    "/api/v1/me": {"get", "patch"},
    "/api/v1/organisations": {"get"},
    "/api/v1/organisations/{organisation_id}": {"get", "patch"},
    "/api/v1/organisations/{organisation_id}/members": {"post"},
    "/api/v1/organisations/{organisation_id}/members/{user_id}/roles": {"put"},
    "/api/v1/organisations/{organisation_id}/verification": {"post"},
    "/api/v1/audit-events": {"get"},
}
OPEN_PATHS = {
    "/api/v1/registrations": {"post"},
    "/api/v1/auth/tokens": {"post"},
}


def explode():
    raise RuntimeError("secret internals")


# One problem+json body per status


def test_malformed_json_is_a_400_problem(client):
    response = client.post(
        "/api/v1/auth/tokens", data=b'{"email": "a@b.cn",', content_type="application/json"
    )
    body = assert_problem(response, 400)
    assert body["type"] == "urn:ganshu:problem:malformed-request"
    assert body["title"] == "Bad request"
    assert body["detail"] == "Invalid JSON body."
    assert "errors" not in body


def test_missing_token_is_a_401_problem_with_a_bearer_challenge(client):
    response = client.get("/api/v1/audit-events")
    body = assert_problem(response, 401)
    assert body["type"] == "urn:ganshu:problem:not-authenticated"
    assert body["title"] == "Sign in first"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="ganshu"'


def test_forbidden_action_is_a_403_problem(client, app):
    vendor = make_member(app)
    response = client.get("/api/v1/audit-events", headers=bearer(client, vendor))
    body = assert_problem(response, 403)
    assert body["type"] == "urn:ganshu:problem:forbidden"
    assert body["title"] == "You are not allowed to do that"
    assert "WWW-Authenticate" not in response.headers


def test_unknown_address_is_a_404_problem(client):
    response = client.get("/api/v1/no-such-thing")
    body = assert_problem(response, 404)
    assert body["type"] == "about:blank"
    assert body["detail"] == "There is nothing at this address."


def test_unknown_record_is_a_404_problem(client, app):
    operator = make_member(app, [Role.OPERATOR])
    response = client.get("/api/v1/organisations/424242", headers=bearer(client, operator))
    body = assert_problem(response, 404)
    assert body["type"] == "urn:ganshu:problem:not-found"
    assert body["instance"] == "/api/v1/organisations/424242"


def test_wrong_method_is_a_405_problem_naming_the_allowed_ones(client):
    response = client.delete("/api/v1/me")
    assert_problem(response, 405)
    assert {"GET", "PATCH"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_conflict_is_a_409_problem_naming_the_field(client):
    data = organisation_data()
    client.post("/api/v1/registrations", json=data)
    response = client.post(
        "/api/v1/registrations", json=organisation_data(credit_code=data["credit_code"])
    )
    body = assert_problem(response, 409)
    assert body["type"] == "urn:ganshu:problem:conflict"
    assert body["title"] == "That conflicts with existing data"
    assert set(body["errors"]) == {"credit_code"}


def test_oversized_body_is_a_413_problem(client, app):
    padding = b"x" * app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        "/api/v1/auth/tokens",
        data=b'{"email": "a@b.cn", "password": "' + padding + b'"}',
        content_type="application/json",
    )
    body = assert_problem(response, 413)
    assert body["title"] == "The request is too large"
    assert body["detail"] == "The request body is larger than the exchange accepts."


def test_body_just_under_the_limit_is_not_refused_for_its_size(client, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    prefix, suffix = b'{"email": "a@b.cn", "password": "', b'"}'
    padding = b"x" * (limit - len(prefix) - len(suffix))
    response = client.post(
        "/api/v1/auth/tokens", data=prefix + padding + suffix, content_type="application/json"
    )
    assert set(assert_problem(response, 422)["errors"]) == {"password"}


def test_invalid_fields_are_a_422_problem_with_errors_per_field(client):
    response = client.post("/api/v1/auth/tokens", json={"email": 7, "password": ["x"]})
    body = assert_problem(response, 422)
    assert body["type"] == "urn:ganshu:problem:validation-failed"
    assert body["title"] == "Some fields are not valid"
    assert body["errors"] == {
        "email": ["Not a valid email address."],
        "password": ["Not a valid string."],
    }


def test_domain_validation_is_a_422_problem_with_errors_per_field(client):
    response = client.post("/api/v1/registrations", json=organisation_data(region="beijing"))
    body = assert_problem(response, 422)
    assert body["type"] == "urn:ganshu:problem:validation-failed"
    assert body["errors"] == {"region": ["Choose one of the listed regions."]}


def test_throttled_sign_in_is_a_429_problem_with_retry_after(client, app):
    member = make_member(app)
    for _ in range(app.config["SIGNIN_MAX_FAILURES"]):
        client.post("/api/v1/auth/tokens", json={"email": member.email, "password": "Wrong-123"})
    response = client.post(
        "/api/v1/auth/tokens", json={"email": member.email, "password": member.password}
    )
    body = assert_problem(response, 429)
    assert body["type"] == "urn:ganshu:problem:too-many-attempts"
    assert body["title"] == "Too many attempts"
    assert 0 < int(response.headers["Retry-After"]) <= app.config["SIGNIN_WINDOW_SECONDS"]


def test_unhandled_error_is_a_500_problem_that_reveals_nothing(client, app):
    app.add_url_rule("/api/v1/boom", "boom", explode)
    response = client.get("/api/v1/boom")
    body = assert_problem(response, 500)
    assert body["type"] == "urn:ganshu:problem:internal-error"
    assert body["detail"] == "The error has been logged; please try again later."
    text = response.get_data(as_text=True)
    for leak in ("secret", "internals", "RuntimeError", "Traceback", "explode", ".py"):
        assert leak not in text


def test_unhandled_error_is_logged_with_its_traceback(client, app, caplog):
    app.add_url_rule("/api/v1/boom", "boom", explode)
    with caplog.at_level(logging.ERROR):
        client.get("/api/v1/boom")
    [record] = [r for r in caplog.records if r.exc_info]
    assert isinstance(record.exc_info[1], RuntimeError)
    assert str(record.exc_info[1]) == "secret internals"


# The API describes itself


def test_openapi_document_is_openapi_3(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Ganshu Data Exchange API"


def test_openapi_lists_every_endpoint_and_method(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert (BEARER_PATHS.keys() | OPEN_PATHS.keys()) <= paths.keys()
    for path, methods in BEARER_PATHS.items():
        assert methods <= set(paths[path]), path
    assert "post" in paths["/api/v1/registrations"]
    assert "post" in paths["/api/v1/auth/tokens"]


def test_openapi_declares_the_bearer_scheme(client):
    document = client.get("/api/openapi.json").get_json()
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }


def test_openapi_marks_bearer_endpoints_as_needing_the_bearer_scheme(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path, methods in BEARER_PATHS.items():
        for method in methods:
            assert paths[path][method].get("security") == [{"bearerAuth": []}], (path, method)


def test_openapi_leaves_registration_and_sign_in_open(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path, methods in OPEN_PATHS.items():
        for method in methods:
            assert "security" not in paths[path][method], (path, method)


def test_docs_page_is_html_pointing_at_the_openapi_document(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "/api/openapi.json" in response.get_data(as_text=True)


def test_docs_page_loads_its_assets_from_the_exchange_only(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets
    # Swagger UI from its package; its initialiser from the exchange's static files (no inline
    # script: the Content-Security-Policy forbids it).
    assert all(asset.startswith(("/api/docs/assets/", "/static/")) for asset in assets), assets
    assert not re.search(r"https?://|//cdn|unpkg|jsdelivr|cdnjs", page)


def test_docs_assets_are_served_locally(client):
    page = client.get("/api/docs").get_data(as_text=True)
    for asset in re.findall(r'(?:src|href)="([^"]+)"', page):
        with client.get(asset) as response:
            assert response.status_code == 200, asset
            assert len(response.get_data()) > 200, asset


def test_missing_docs_asset_is_a_404_problem(client):
    assert_problem(client.get("/api/docs/assets/no-such-file.js"), 404)


def test_docs_assets_cannot_reach_outside_their_folder(client):
    assert_problem(client.get("/api/docs/assets/..%2f..%2fexchange%2fconfig.py"), 404)
