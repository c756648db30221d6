"""The OpenAPI document tells the truth: every error is problem+json, decimals are strings,
credentials are required exactly where the API asks for them, and Stripe's webhook is in it.
The fuzz (tests.api.fuzzing) holds every answer to the document; these tests hold the document
to what it must say, class by class."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from marshmallow import fields

from tests.api.helpers import PROBLEM, assert_problem

DOCUMENT = "/api/openapi.json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) for every operation of the document."""
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    ]


def resolved(document: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    """A response, its $ref followed."""
    ref = response.get("$ref")
    if ref is None:
        return response
    return document["components"]["responses"][ref.rsplit("/", 1)[1]]


def requires_credentials(operation: dict[str, Any]) -> bool:
    """Whether the operation's security has no anonymous ({}) alternative."""
    security = operation.get("security") or []
    return bool(security) and all(security)


# Errors


def test_every_error_response_of_every_operation_is_a_problem(client):
    document = client.get(DOCUMENT).get_json()
    not_problems = [
        (method, path, status)
        for path, method, operation in operations(document)
        for status, response in operation["responses"].items()
        if (status == "default" or int(status) >= 400)
        and resolved(document, response).get("content") != {PROBLEM: {"schema": PROBLEM_REF}}
    ]
    assert not_problems == []


def test_problem_schema_has_the_members_the_api_sends(client):
    schemas = client.get(DOCUMENT).get_json()["components"]["schemas"]
    problem = schemas["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "instance"}
    assert problem["properties"]["status"]["type"] == "integer"
    assert problem["properties"]["errors"]["additionalProperties"]["items"]["type"] == "string"
    assert "Error" not in schemas  # flask-smorest's own error shape, which the API never sends


def test_bearer_operations_document_their_401(client):
    document = client.get(DOCUMENT).get_json()
    bearer = [
        (path, method, operation)
        for path, method, operation in operations(document)
        if operation.get("security") == [{"bearerAuth": []}]
    ]
    assert bearer
    assert [(m, p) for p, m, operation in bearer if "401" not in operation["responses"]] == []


# Bodies


def test_every_success_with_a_body_documents_its_media_types(client):
    """Files and bundles a view writes itself too, not only what a schema dumps."""
    document = client.get(DOCUMENT).get_json()
    bare = [
        (method, path, status)
        for path, method, operation in operations(document)
        for status, response in operation["responses"].items()
        if status.startswith("2")
        and status != "204"
        and not resolved(document, response).get("content")
    ]
    assert bare == []


def test_a_download_documents_each_format_a_copy_is_delivered_in(client):
    content = client.get(DOCUMENT).get_json()["paths"]["/api/v1/downloads/{token}"]["get"][
        "responses"
    ]["200"]["content"]
    assert content.keys() == {
        "text/csv",
        "application/json",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.apache.parquet",
    }
    assert content["text/csv"]["schema"] == {"type": "string", "format": "binary"}


# Decimals


def test_every_decimal_the_api_reads_or_writes_is_documented_as_a_string(app: Flask, client):
    document = client.get(DOCUMENT).get_json()
    converter = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].ma_plugin.converter
    checked, wrong = 0, []
    for key, name in converter.refs.items():
        for field_name, field in key[0]._declared_fields.items():
            if isinstance(field, fields.Decimal) and field.as_string:
                documented = document["components"]["schemas"][name]["properties"]
                described = documented[field.data_key or field_name]
                checked += 1
                if described.get("type") != "string" or "pattern" not in described:
                    wrong.append((name, field_name, described))
    assert checked > 40  # prices, fees, amounts, valuation figures...
    assert wrong == []


def test_a_documented_decimal_pattern_matches_what_the_api_writes(client):
    document = client.get(DOCUMENT).get_json()
    price = document["components"]["schemas"]["Offer"]["properties"]["price"]
    for written in ("12000.00", "0.03", "-5", "999999999999.99"):
        assert re.fullmatch(price["pattern"], written), written
    assert not re.fullmatch(price["pattern"], "1E+3")


# Who may call what


def test_credentials_are_required_exactly_where_the_document_says(client):
    """Anonymously, with every id 1 and an empty JSON body: 401 where the document requires
    credentials (before the body is validated), never 401 elsewhere but where documented."""
    document = client.get(DOCUMENT).get_json()
    wrong = []
    for path, method, operation in operations(document):
        url = re.sub(r"\{[^}]+\}", "1", path)
        body = {} if method in ("post", "put", "patch") else None
        status = client.open(url, method=method.upper(), json=body).status_code
        if requires_credentials(operation):
            expected_401 = True
        elif "401" in operation["responses"]:
            continue
        else:
            expected_401 = False
        if (status == 401) != expected_401:
            wrong.append((method.upper(), path, status))
    assert wrong == []


def test_public_operations_carry_no_security_requirement(client):
    document = client.get(DOCUMENT).get_json()
    public = {
        ("post", "/api/v1/registrations"),
        ("post", "/api/v1/auth/tokens"),
        ("get", "/api/v1/boards"),
        ("get", "/api/v1/products"),
        ("get", "/api/v1/rights/notices"),
        ("get", "/api/v1/rights/certificates/{number}"),
        ("get", "/api/v1/rights/certificate-key"),
        ("get", "/api/v1/downloads/{token}"),
        ("post", "/api/v1/payments/stripe/webhook"),
    }
    assert {
        (method, path)
        for path, method, operation in operations(document)
        if (method, path) in public and operation.get("security")
    } == set()


def test_pages_anyone_may_read_document_the_token_as_optional(client):
    document = client.get(DOCUMENT).get_json()
    for path in (
        "/api/v1/products/{product_id}",
        "/api/v1/rights/products/{product_id}",
        "/api/v1/rights/registrations/{registration_id}",
    ):
        security = document["paths"][path]["get"]["security"]
        assert {} in security and {"bearerAuth": []} in security, path


def test_the_data_api_documents_its_key_as_a_security_scheme(client):
    document = client.get(DOCUMENT).get_json()
    assert document["components"]["securitySchemes"]["dataApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Api-Key",
    }
    rows = document["paths"]["/api/v1/data-api/{product_id}/rows"]["get"]
    assert rows["security"] == [{"dataApiKey": []}]
    assert {p["name"] for p in rows["parameters"]} >= {"fields", "where", "cursor", "limit"}


# Stripe's webhook


def test_the_stripe_webhook_is_documented(client):
    document = client.get(DOCUMENT).get_json()
    operation = document["paths"]["/api/v1/payments/stripe/webhook"]["post"]
    assert "security" not in operation  # Stripe's signature is the authority, not a token
    [signature] = [p for p in operation["parameters"] if p["in"] == "header"]
    assert (signature["name"], signature["required"]) == ("Stripe-Signature", True)
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    event = document["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert {"id", "type", "created", "data"} <= set(event["required"])
    assert {"200", "400", "503"} <= operation["responses"].keys()
    assert "Retry-After" in operation["responses"]["503"]["headers"]


def test_the_documented_webhook_answers_an_unsigned_event_with_a_problem(client):
    response = client.post(
        "/api/v1/payments/stripe/webhook",
        json={"id": "evt_1", "type": "payment_intent.succeeded", "created": 1, "data": {}},
    )
    assert_problem(response, 400)
