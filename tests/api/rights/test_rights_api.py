"""The rights registry through HTTP: applications with their documents, the notice board,
objections and decisions, rights and licences, certificates and their verification, and
documents downloaded; every refusal leaves the registry as it was."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import date, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from contracts.anchoring import anchor_pending
from contracts.ledger import canonical_json
from contracts.verify import verify_bundle
from exchange.extensions import db
from exchange.kernel.vocabulary import Role
from exchange.ledger.extension import chain_of
from exchange.rights.extension import rights_settings
from exchange.rights.models import RightsDocument, RightsObjection, RightsRecord, RightsRegistration
from tests.api.helpers import assert_problem, field_errors
from tests.catalog import Person, catalog_state, listed_product, person
from tests.rights import PDF, PNG, apply_for, certify, grant, object_to, own_product

URL = "/api/v1/rights"
RIGHTS_TABLES = (RightsRegistration, RightsRecord, RightsDocument, RightsObjection)


@pytest.fixture
def vendor(app: Flask) -> Person:
    return person(app, [Role.VENDOR])


@pytest.fixture
def rival(app: Flask) -> Person:
    return person(app, [Role.VENDOR, Role.BUYER])


@pytest.fixture
def operator(app: Flask) -> Person:
    return person(app, [Role.OPERATOR])


@pytest.fixture
def product(client: FlaskClient, vendor: Person) -> dict[str, Any]:
    return own_product(client, vendor)


def claim_json(right: str = "holding", **overrides: Any) -> dict[str, Any]:
    """One right as a client writes it: exclusive, every use, mainland, from today on."""
    return {
        "right": right,
        "uses": ["internal", "research", "commercial"],
        "territory": "mainland",
        "starts_on": date.today().isoformat(),
        "ends_on": None,
    } | overrides


def application_json(product_id: int, **overrides: Any) -> dict[str, Any]:
    """An application for all three rights over self-generated data."""
    claims = [claim_json(r) for r in ("holding", "processing", "operation")]
    return {"product_id": product_id, "rights": claims, "source": "self_generated"} | overrides


def post_application(
    client: FlaskClient,
    headers: dict[str, str],
    application: dict[str, Any] | str,
    documents: list[tuple[bytes, str]] | None = None,
    **form: Any,
) -> Any:
    """POST the application as a multipart form: its JSON and its files (one PDF by default)."""
    files = [(io.BytesIO(content), name) for content, name in documents or [(PDF, "来源.pdf")]]
    body = application if isinstance(application, str) else json.dumps(application)
    return client.post(
        f"{URL}/registrations",
        data={"application": body, "documents": files, **form},
        headers=headers,
        content_type="multipart/form-data",
    )


def registry_state(app: Flask) -> tuple[dict[str, int], Any]:
    """Rows of the registry's tables with the catalog's counts and stored files."""
    with app.app_context():
        counts = {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in RIGHTS_TABLES
        }
        db.session.remove()
    return counts, catalog_state(app)


def certificate_number(client: FlaskClient, registration_id: int) -> str:
    number: str = client.get(f"{URL}/registrations/{registration_id}").get_json()["certificate"]
    return number


# Applications


def test_an_application_goes_on_notice_with_its_documents(client, vendor, product):
    digest = hashlib.sha256(PDF).hexdigest()
    stated = [{"name": "来源.pdf", "sha256": digest.upper()}]
    response = post_application(
        client, vendor.headers, application_json(product["id"], documents=stated)
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "notice" and body["number"].startswith("GSR-")
    assert body["product"]["id"] == product["id"]
    assert body["applicant"]["id"] == vendor.organisation_id
    assert [r["right"] for r in body["records"]] == ["holding", "processing", "operation"]
    assert {r["status"] for r in body["records"]} == {"pending"}
    assert body["records"][0]["starts_on"] == date.today().isoformat()
    assert body["records"][0]["exclusive"] is True
    assert [(d["file_name"], d["sha256"]) for d in body["documents"]] == [("来源.pdf", digest)]
    assert body["notice_open"] and body["may_withdraw"] and body["documents_open"]
    assert not body["may_object"]


def test_a_registration_is_public_but_its_documents_are_not(client, app, vendor, product):
    registration_id = apply_for(app, vendor, product["id"])
    response = client.get(f"{URL}/registrations/{registration_id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == registration_id and len(body["documents"]) == 1
    assert body["documents_open"] is False and body["may_withdraw"] is False


def test_an_unknown_registration_is_not_found(client):
    assert_problem(client.get(f"{URL}/registrations/999999"), 404)


def test_the_applicant_withdraws_during_notice(client, app, vendor, product):
    registration_id = apply_for(app, vendor, product["id"])
    response = client.post(
        f"{URL}/registrations/{registration_id}/withdraw", headers=vendor.headers
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "withdrawn"
    again = client.post(f"{URL}/registrations/{registration_id}/withdraw", headers=vendor.headers)
    assert assert_problem(again, 409)["type"] == "urn:ganshu:problem:conflict"


def test_the_notice_board_shows_notices_and_certificates(client, app, vendor, product):
    on_notice = apply_for(app, vendor, product["id"])
    certified = certify(app, vendor, own_product(client, vendor)["id"])
    response = client.get(f"{URL}/notices")
    assert response.status_code == 200
    board = response.get_json()
    assert [r["id"] for r in board["on_notice"]] == [on_notice]
    assert [r["id"] for r in board["certified"]] == [certified]
    assert board["certified"][0]["certificate"].startswith("GSC-")
    assert board["on_notice"][0]["rights"] == ["holding", "processing", "operation"]


TODAY = date.today()
BAD_APPLICATIONS = {
    "not JSON": ("{product_id: 1", None, "application"),
    "not an object": ("[1, 2]", None, "application._schema"),
    "an unknown field": ({"colour": "red"}, None, "application.colour"),
    "a right of no kind": (
        {"rights": [claim_json("ownership")]},
        None,
        "application.rights.0.right",
    ),
    "a territory of no kind": (
        {"rights": [claim_json(territory="mars")]},
        None,
        "application.rights.0.territory",
    ),
    "no use": ({"rights": [claim_json(uses=[])]}, None, "application.rights.0.uses"),
    "a use twice": (
        {"rights": [claim_json(uses=["research", "research"])]},
        None,
        "application.rights.0.uses",
    ),
    "an end before the start": (
        {"rights": [claim_json(ends_on=(TODAY - timedelta(days=1)).isoformat())]},
        None,
        "application.rights.0.ends_on",
    ),
    "no right": ({"rights": []}, None, "application.rights"),
    "ten rights": ({"rights": [claim_json()] * 10}, None, "application.rights"),
    "a bad source": ({"source": "found_it"}, None, "application.source"),
    "a contract not named": ({"source": "contract"}, None, "application.source_reference"),
    "a hash that is not one": (
        {"documents": [{"name": "来源.pdf", "sha256": "abc"}]},
        None,
        "application.documents.0.sha256",
    ),
    "a hash stated for no file": (
        {"documents": [{"name": "other.pdf", "sha256": "0" * 64}]},
        None,
        "application.documents",
    ),
    "a stated hash the file lacks": (
        {"documents": [{"name": "来源.pdf", "sha256": "0" * 64}]},
        None,
        "documents",
    ),
    "PNG bytes named .pdf": ({}, [(PNG, "scan.pdf")], "documents"),
    "a spreadsheet": ({}, [(b"a,b\n", "basis.csv")], "documents"),
}


@pytest.mark.parametrize("case", list(BAD_APPLICATIONS), ids=list(BAD_APPLICATIONS))
def test_a_bad_application_is_refused_on_its_field_and_writes_nothing(
    client, app, vendor, product, case
):
    change, documents, field = BAD_APPLICATIONS[case]
    application = change if isinstance(change, str) else application_json(product["id"]) | change
    before = registry_state(app)
    response = post_application(client, vendor.headers, application, documents)
    errors = field_errors(response, 422)
    assert field in errors, errors
    assert registry_state(app) == before


def test_an_application_without_documents_is_refused(client, app, vendor, product):
    before = registry_state(app)
    response = client.post(
        f"{URL}/registrations",
        data={"application": json.dumps(application_json(product["id"]))},
        headers=vendor.headers,
        content_type="multipart/form-data",
    )
    assert "documents" in field_errors(response, 422)
    assert registry_state(app) == before


def test_an_unknown_form_field_is_refused(client, app, vendor, product):
    before = registry_state(app)
    response = post_application(
        client, vendor.headers, application_json(product["id"]), note="hello"
    )
    assert "note" in field_errors(response, 422)
    assert registry_state(app) == before


def test_a_claim_over_a_right_already_held_conflicts(client, app, vendor, product):
    apply_for(app, vendor, product["id"])
    before = registry_state(app)
    response = post_application(client, vendor.headers, application_json(product["id"]))
    body = assert_problem(response, 409)
    assert body["type"] == "urn:ganshu:problem:conflict"
    assert "application.rights" in body["errors"]
    assert registry_state(app) == before


def test_a_schema_message_inside_the_application_is_translated(client, vendor, product):
    application = application_json(product["id"], rights=[claim_json(territory="mars")])
    headers = vendor.headers | {"Accept-Language": "zh-CN"}
    errors = field_errors(post_application(client, headers, application), 422)
    assert errors["application.rights.0.territory"][0].startswith("请从以下选项中选择")


# Objections and decisions


def test_an_organisation_objects_with_reasons(client, app, vendor, rival, product):
    registration_id = apply_for(app, vendor, product["id"])
    response = client.post(
        f"{URL}/registrations/{registration_id}/objections",
        json={"reasons": "该数据由我方采集。"},
        headers=rival.headers,
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "open" and body["objection_id"]
    registration = body["registration"]
    assert registration["open_objections"] == 1
    [objection] = registration["objection_list"]
    assert objection["objector"]["id"] == rival.organisation_id
    assert objection["reasons"] == "该数据由我方采集。"


def test_an_objection_brings_evidence_as_files(client, app, vendor, rival, product):
    registration_id = apply_for(app, vendor, product["id"])
    response = client.post(
        f"{URL}/registrations/{registration_id}/objections",
        data={"reasons": "采集合同见附件。", "evidence": [(io.BytesIO(PDF), "合同.pdf")]},
        headers=rival.headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    [objection] = response.get_json()["registration"]["objection_list"]
    assert [e["file_name"] for e in objection["evidence"]] == ["合同.pdf"]
    document_id = objection["evidence"][0]["id"]
    download = client.get(f"{URL}/documents/{document_id}", headers=rival.headers)
    assert download.status_code == 200 and download.data == PDF


def test_outsiders_do_not_read_an_objections_reasons(client, app, vendor, rival, product):
    registration_id = apply_for(app, vendor, product["id"])
    object_to(app, rival, registration_id)
    [objection] = client.get(f"{URL}/registrations/{registration_id}").get_json()["objection_list"]
    assert objection["reasons"] is None and objection["status"] == "open"


def test_an_objection_after_the_period_is_refused(client, app, vendor, rival, product):
    registration_id = apply_for(app, vendor, product["id"], notice_seconds=0)
    before = registry_state(app)
    response = client.post(
        f"{URL}/registrations/{registration_id}/objections",
        json={"reasons": "太迟了。"},
        headers=rival.headers,
    )
    assert assert_problem(response, 409)["type"] == "urn:ganshu:problem:conflict"
    assert registry_state(app) == before


def test_the_applicant_cannot_object_to_itself(client, app, vendor, product):
    registration_id = apply_for(app, vendor, product["id"])
    before = registry_state(app)
    response = client.post(
        f"{URL}/registrations/{registration_id}/objections",
        json={"reasons": "自己反对自己。"},
        headers=vendor.headers,
    )
    assert assert_problem(response, 403)["type"] == "urn:ganshu:problem:forbidden"
    assert registry_state(app) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [({"reasons": "   "}, "reasons"), ({}, "reasons"), ({"reasons": "x", "proof": "y"}, "proof")],
    ids=["blank", "missing", "unknown field"],
)
def test_an_objection_without_reasons_is_refused(client, app, vendor, rival, product, body, field):
    registration_id = apply_for(app, vendor, product["id"])
    before = registry_state(app)
    response = client.post(
        f"{URL}/registrations/{registration_id}/objections", json=body, headers=rival.headers
    )
    assert field in field_errors(response, 422)
    assert registry_state(app) == before


def test_an_evidence_file_that_is_not_a_document_is_refused(client, app, vendor, rival, product):
    registration_id = apply_for(app, vendor, product["id"])
    before = registry_state(app)
    response = client.post(
        f"{URL}/registrations/{registration_id}/objections",
        data={"reasons": "见附件。", "evidence": [(io.BytesIO(PNG), "contract.pdf")]},
        headers=rival.headers,
        content_type="multipart/form-data",
    )
    assert "evidence" in field_errors(response, 422)
    assert registry_state(app) == before


def test_an_operator_dismisses_an_objection(client, app, vendor, rival, operator, product):
    registration_id = apply_for(app, vendor, product["id"])
    objection_id = object_to(app, rival, registration_id)
    response = client.post(
        f"{URL}/objections/{objection_id}/decision",
        json={"decision": "dismiss", "reason": "异议缺乏证据。"},
        headers=operator.headers,
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["objection_id"] == objection_id and body["status"] == "dismissed"
    assert body["registration"]["status"] == "notice"
    assert body["registration"]["objection_list"][0]["decision_reason"] == "异议缺乏证据。"


def test_an_upheld_objection_refuses_the_registration(
    client, app, vendor, rival, operator, product
):
    registration_id = apply_for(app, vendor, product["id"])
    objection_id = object_to(app, rival, registration_id)
    response = client.post(
        f"{URL}/objections/{objection_id}/decision",
        json={"decision": "uphold", "reason": "证据充分。"},
        headers=operator.headers,
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["registration"]["status"] == "refused"
    records = client.get(f"{URL}/registrations/{registration_id}").get_json()["records"]
    assert {r["status"] for r in records} == {"refused"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "approve", "reason": "好。"}, "decision"),
        ({"decision": "dismiss"}, "reason"),
        ({"decision": "dismiss", "reason": "x", "note": "y"}, "note"),
    ],
    ids=["no such decision", "no reason", "unknown field"],
)
def test_a_bad_decision_is_refused(client, app, vendor, rival, operator, product, body, field):
    objection_id = object_to(app, rival, apply_for(app, vendor, product["id"]))
    before = registry_state(app)
    response = client.post(
        f"{URL}/objections/{objection_id}/decision", json=body, headers=operator.headers
    )
    assert field in field_errors(response, 422)
    assert registry_state(app) == before


def test_only_an_operator_decides(client, app, vendor, rival, product):
    objection_id = object_to(app, rival, apply_for(app, vendor, product["id"]))
    before = registry_state(app)
    response = client.post(
        f"{URL}/objections/{objection_id}/decision",
        json={"decision": "uphold", "reason": "我说了算。"},
        headers=rival.headers,
    )
    assert assert_problem(response, 403)["type"] == "urn:ganshu:problem:forbidden"
    assert registry_state(app) == before


def test_the_objection_queue_lists_what_awaits_a_decision(
    client, app, vendor, rival, operator, product
):
    waiting = apply_for(app, vendor, product["id"])
    object_to(app, rival, waiting)
    apply_for(app, vendor, own_product(client, vendor)["id"])  # no objection: not queued
    response = client.get(f"{URL}/objections", headers=operator.headers)
    assert response.status_code == 200
    assert [(r["id"], r["open_objections"]) for r in response.get_json()] == [(waiting, 1)]


# Rights held and licences


def test_a_products_rights_show_its_records_and_hide_its_licences(client, app, vendor, rival):
    listed = listed_product(client, vendor, person(app, [Role.OPERATOR]))
    registration_id = certify(app, vendor, listed["id"])
    grant(app, vendor, rival, listed["id"])
    public = client.get(f"{URL}/products/{listed['id']}")
    assert public.status_code == 200
    body = public.get_json()
    holding = next(r for r in body["records"] if r["right"] == "holding")
    assert holding["status"] == "active" and holding["holder"]["id"] == vendor.organisation_id
    assert holding["territory"] == "mainland" and holding["ends_on"] is None
    assert [r["id"] for r in body["registrations"]] == [registration_id]
    assert body["grants"] == [] and body["grant_count"] == 1
    seen = client.get(f"{URL}/products/{listed['id']}", headers=rival.headers).get_json()
    [licence] = seen["grants"]
    assert licence["grantee"]["id"] == rival.organisation_id and licence["uses"] == ["commercial"]
    assert licence["ends_on"] == (TODAY + timedelta(days=360)).isoformat()


def test_a_drafts_rights_are_as_hidden_as_the_draft(client, app, vendor, rival, product):
    apply_for(app, vendor, product["id"])
    assert client.get(f"{URL}/products/{product['id']}").status_code == 404
    assert client.get(f"{URL}/products/{product['id']}", headers=rival.headers).status_code == 404
    assert client.get(f"{URL}/products/{product['id']}", headers=vendor.headers).status_code == 200
    assert client.get(f"{URL}/products/999999", headers=vendor.headers).status_code == 404


def test_my_rights_show_registrations_records_licences_and_objections(
    client, app, vendor, rival, product
):
    registration_id = certify(app, vendor, product["id"])
    grant(app, vendor, rival, product["id"])
    disputed = apply_for(app, vendor, own_product(client, vendor)["id"])
    object_to(app, rival, disputed)
    mine = client.get(f"{URL}/mine", headers=vendor.headers).get_json()
    assert [r["id"] for r in mine["registrations"]] == [disputed, registration_id]
    assert {r["right"] for r in mine["records"]} == {"holding", "processing", "operation"}
    assert mine["records"][0]["product"]["id"] == product["id"]
    assert len(mine["granted"]) == 1 and mine["received"] == []
    theirs = client.get(f"{URL}/mine", headers=rival.headers).get_json()
    assert [g["grantor"]["id"] for g in theirs["received"]] == [vendor.organisation_id]
    assert [r["id"] for r in theirs["objections_raised"]] == [disputed]


# Certificates


def test_a_certificate_is_public_and_signed_by_the_published_key(client, app, vendor, product):
    number = certificate_number(client, certify(app, vendor, product["id"]))
    certificate = client.get(f"{URL}/certificates/{number}")
    assert certificate.status_code == 200
    body = certificate.get_json()
    assert body["payload"]["holder"]["id"] == vendor.organisation_id
    key = client.get(f"{URL}/certificate-key").get_json()
    assert key["algorithm"] == "Ed25519" and key["key_id"] == body["key_id"]
    assert bytes.fromhex(key["public_key"]) == rights_settings(app).signer.public_key
    # Anyone can check the signature with the published key alone (raises if it is wrong).
    Ed25519PublicKey.from_public_bytes(bytes.fromhex(key["public_key"])).verify(
        bytes.fromhex(body["signature"]), canonical_json(body["payload"]).encode()
    )


def test_a_certificate_verifies_once_anchored(client, app, vendor, product):
    number = certificate_number(client, certify(app, vendor, product["id"]))
    before = client.get(f"{URL}/certificates/{number}/verification").get_json()
    assert before["number"] == number and before["status"] == "pending"
    with app.app_context():
        anchor_pending(db.engine, chain_of(app), force=True)
    after = client.get(f"{URL}/certificates/{number}/verification")
    assert after.status_code == 200
    report = after.get_json()
    assert report["status"] == "verified", report
    assert [c["name"] for c in report["checks"][:3]] == [
        "signature",
        "registration",
        "ledger_entry",
    ]
    assert all(c["ok"] for c in report["checks"])


def test_a_certificates_proof_checks_out_offline_and_on_chain(client, app, vendor, product):
    number = certificate_number(client, certify(app, vendor, product["id"]))
    with app.app_context():
        anchor_pending(db.engine, chain_of(app), force=True)

    bundle = client.get(f"{URL}/certificates/{number}/proof").get_json()

    certificate = client.get(f"{URL}/certificates/{number}").get_json()
    assert bundle["entry"]["seq"] == certificate["payload"]["ledger_seq"]
    assert (
        json.loads(bundle["entry"]["body"])["registration_hash"]
        == (certificate["payload"]["registration_hash"])
    )
    verdict = verify_bundle(bundle, chain_of(app))
    assert verdict.ok, verdict.reason
    assert client.get(f"{URL}/certificates/GSC-0000-000000/proof").status_code == 404


def test_a_certificate_is_still_checked_without_a_chain(client, app, vendor, product):
    number = certificate_number(client, certify(app, vendor, product["id"]))
    app.config["CHAIN"] = "rpc"  # with no node configured: the chain cannot be built
    response = client.get(f"{URL}/certificates/{number}/verification")
    assert response.status_code == 200
    report = response.get_json()
    assert report["status"] == "pending"
    assert [c["ok"] for c in report["checks"][:3]] == [True, True, True]


def test_an_unknown_certificate_is_not_found(client):
    assert_problem(client.get(f"{URL}/certificates/GSC-2000-000000"), 404)
    assert_problem(client.get(f"{URL}/certificates/GSC-2000-000000/verification"), 404)


# Documents


def document_id(client: FlaskClient, vendor: Person, registration_id: int) -> int:
    detail = client.get(f"{URL}/registrations/{registration_id}", headers=vendor.headers)
    found: int = detail.get_json()["documents"][0]["id"]
    return found


def test_the_applicant_downloads_its_basis_document(client, app, vendor, product):
    registration_id = apply_for(app, vendor, product["id"])
    response = client.get(
        f"{URL}/documents/{document_id(client, vendor, registration_id)}", headers=vendor.headers
    )
    assert response.status_code == 200
    assert response.data == PDF and response.mimetype == "application/pdf"
    assert response.content_length == len(PDF)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E6%95%B0%E6%8D%AE%E6%9D%A5%E6%BA%90%E8%AF%B4%E6%98%8E.pdf" in (
        disposition
    )


@pytest.mark.parametrize("who", ["stranger", "anonymous"])
def test_a_stranger_cannot_download_a_basis_document(client, app, vendor, rival, product, who):
    registration_id = apply_for(app, vendor, product["id"])
    headers = rival.headers if who == "stranger" else {}
    response = client.get(
        f"{URL}/documents/{document_id(client, vendor, registration_id)}", headers=headers
    )
    assert assert_problem(response, 404)["type"] == "urn:ganshu:problem:not-found"


def test_the_api_is_described_in_openapi(client):
    spec = client.get("/api/openapi.json").get_json()
    paths = {path for path in spec["paths"] if path.startswith(URL)}
    assert paths == {
        f"{URL}/{path}"
        for path in (
            "registrations",
            "registrations/{registration_id}",
            "registrations/{registration_id}/withdraw",
            "registrations/{registration_id}/objections",
            "notices",
            "objections",
            "objections/{objection_id}/decision",
            "products/{product_id}",
            "mine",
            "certificates/{number}",
            "certificates/{number}/verification",
            "certificates/{number}/proof",
            "certificate-key",
            "documents/{document_id}",
        )
    }
    apply_body = spec["paths"][f"{URL}/registrations"]["post"]["requestBody"]
    assert "multipart/form-data" in apply_body["content"]
    objection = spec["paths"][f"{URL}/registrations/{{registration_id}}/objections"]["post"]
    assert "application/json" in objection["requestBody"]["content"]
    # the body is JSON, not query parameters: the only parameter is the retry key
    assert [p["name"] for p in objection["parameters"]] == ["Idempotency-Key"]
    assert "RightsRegistration" in spec["components"]["schemas"]


def test_an_application_nested_past_the_depth_limit_is_refused_unparsed(client, app, vendor):
    before = registry_state(app)
    response = post_application(client, vendor.headers, "[" * 100_000 + "]" * 100_000)
    assert "application" in field_errors(response, 422)
    assert registry_state(app) == before
