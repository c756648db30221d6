"""The rights registry's pages through the test client with CSRF on, on SQLite and PostgreSQL:
the product's rights, the registration form, the notice board, objections and decisions,
certificates and their verification, the dashboards and document downloads."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select, update

from exchange.extensions import db
from exchange.kernel.vocabulary import Role
from exchange.rights.domain import ObjectionStatus, RegistrationStatus
from exchange.rights.models import RightsDocument, RightsObjection, RightsRegistration
from tests.catalog import person, review, submit
from tests.integration.catalog_pages import english, feedback, post, sign_in_as, text
from tests.rights import (
    PDF,
    PNG,
    application,
    apply_for,
    certify,
    claim,
    grant,
    object_to,
    own_product,
)

MULTIPART = "multipart/form-data"


@pytest.fixture
def vendor(app):
    return person(app, [Role.VENDOR])


@pytest.fixture
def rival(app):
    return person(app, [Role.VENDOR, Role.BUYER])


@pytest.fixture
def operator(app):
    return person(app, [Role.OPERATOR])


@pytest.fixture
def product(app, vendor):
    return own_product(app.test_client(), vendor)


def listed(app, vendor, operator) -> dict:
    """A product of the vendor's that anyone can see."""
    api = app.test_client()
    made = own_product(api, vendor)
    assert submit(api, vendor, made["id"]).status_code == 200
    assert review(api, operator, made["id"]).get_json()["status"] == "listed"
    return made


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        found = tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (RightsRegistration, RightsObjection, RightsDocument)
        )
        db.session.remove()
    return found  # type: ignore[return-value]


def status_of(app, registration_id: int) -> RegistrationStatus:
    with app.app_context():
        status = db.session.get(RightsRegistration, registration_id).status
        db.session.remove()
    return status


def end_notice(app, registration_id: int) -> None:
    """As if the public-notice period had run out."""
    with app.app_context():
        db.session.execute(
            update(RightsRegistration)
            .where(RightsRegistration.id == registration_id)
            .values(notice_ends_at=RightsRegistration.created_at)
        )
        db.session.commit()
        db.session.remove()


def open_objection(app, registration_id: int) -> int:
    with app.app_context():
        found = db.session.scalars(
            select(RightsObjection.id).where(
                RightsObjection.registration_id == registration_id,
                RightsObjection.status == ObjectionStatus.OPEN,
            )
        ).one()
        db.session.remove()
    return found


def certificate_number(app, registration_id: int) -> str:
    with app.app_context():
        number = db.session.get(RightsRegistration, registration_id).certificate.number
        db.session.remove()
    return number


def registration_form(**overrides) -> dict:
    """The registration form as a browser posts it: the holding right over two uses, a PDF
    (documents given as (bytes, name), streams made afresh for each post)."""
    today = date.today().isoformat()
    data = {
        "claim_holding": "on",
        "uses_holding": ["internal", "research"],
        "territory_holding": "mainland",
        "exclusive_holding": "on",
        "starts_on_holding": today,
        "ends_on_holding": "",
        "source": "self_generated",
        "source_reference": "",
        "basis_grant_ids": "",
        "documents": [(PDF, "数据来源说明.pdf")],
    }
    for right in ("processing", "operation"):
        data |= {f"territory_{right}": "mainland", f"starts_on_{right}": today}
    data |= overrides
    data["documents"] = [(io.BytesIO(content), name) for content, name in data["documents"]]
    return data


def register(client, product_id: int, **overrides):
    path = f"/products/{product_id}/rights/new"
    return post(client, path, registration_form(**overrides), content_type=MULTIPART)


# The product page and the registration form -------------------------------------------------


def test_the_product_page_shows_rights_and_offers_the_vendor_to_register(
    app, client, vendor, operator
):
    made = listed(app, vendor, operator)
    apply_for(app, vendor, made["id"])
    english(client)

    body = text(client.get(f"/products/{made['id']}"))
    rows = re.findall(r'data-testid="right-row" data-right="(\w+)"', body)
    assert rows == ["holding", "operation", "processing"]
    assert "Holding right" in body and "Awaiting certificate" in body and "Exclusive" in body
    assert 'data-testid="register-rights"' not in body

    sign_in_as(client, vendor)
    body = text(client.get(f"/products/{made['id']}"))
    assert f'href="/products/{made["id"]}/rights/new"' in body


def test_the_product_page_shows_a_licence_only_to_its_parties(app, client, vendor, rival, operator):
    made = listed(app, vendor, operator)
    certify(app, vendor, made["id"])
    grant(app, vendor, rival, made["id"], contract_ref="GSC-PAGE-1")

    assert "GSC-PAGE-1" not in text(client.get(f"/products/{made['id']}"))
    sign_in_as(client, rival)
    body = text(client.get(f"/products/{made['id']}"))
    assert 'data-testid="grant-row"' in body and "GSC-PAGE-1" in body


def test_the_vendor_registers_rights_through_the_form(app, client, vendor, product):
    sign_in_as(client, vendor)
    english(client)
    form = client.get(f"/products/{product['id']}/rights/new")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in text(form)

    response = register(client, product["id"])

    assert response.status_code == 302
    registration_id = int(re.search(r"/rights/registrations/(\d+)$", response.location).group(1))
    page = text(client.get(response.location))
    assert "The application is on public notice." in page
    assert re.findall(r'data-testid="right-row" data-right="(\w+)"', page) == ["holding"]
    assert "数据来源说明.pdf" in page
    assert status_of(app, registration_id) == RegistrationStatus.NOTICE


def test_the_form_is_only_for_the_vendors_members(app, client, vendor, rival, product):
    sign_in_as(client, rival)  # another organisation does not even see a draft
    assert client.get(f"/products/{product['id']}/rights/new").status_code == 404
    assert register(client, product["id"]).status_code == 404
    buyer = person(app, [Role.BUYER], organisation_id=vendor.organisation_id)
    sign_in_as(client, buyer)  # a colleague without the vendor role sees it but may not apply
    assert client.get(f"/products/{product['id']}/rights/new").status_code == 403
    assert register(client, product["id"]).status_code == 403
    assert counts(app) == (0, 0, 0)


def test_an_anonymous_visitor_is_sent_to_sign_in(client, product):
    response = client.get(f"/products/{product['id']}/rights/new")
    assert response.status_code == 302 and "/sign-in" in response.location


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"documents": []}, "documents", "Attach at least one basis document."),
        (
            {"documents": [(PNG, "来源.pdf")]},
            "documents",
            "is not what its name says",
        ),
        ({"source": "contract"}, "source_reference", "Say which authorisation or contract"),
        ({"ends_on_holding": "2000-01-01"}, "rights", "A right cannot end before it starts."),
        ({"claim_holding": None}, "rights", "Claim at least one of the three rights."),
        ({"starts_on_holding": ""}, "starts_on_holding", "Say from which day the right is held."),
    ],
    ids=["no-document", "png-named-pdf", "no-reference", "ends-first", "nothing", "no-start"],
)
def test_a_bad_application_shows_errors_in_place_and_writes_nothing(
    app, client, vendor, product, overrides, field, message
):
    sign_in_as(client, vendor)
    english(client)
    data = {k: v for k, v in registration_form(**overrides).items() if v is not None}

    response = post(client, f"/products/{product['id']}/rights/new", data, content_type=MULTIPART)

    assert response.status_code in (409, 413, 422)
    body = text(response)
    if field == "rights":
        errors = re.search(r'data-testid="rights-errors">(.*?)</div>\s*</div>', body, re.S)
        assert errors and message in errors.group(1)
    else:
        assert any(message in m for m in feedback(response, field)), feedback(response, field)
    assert 'value="research" id="f-uses_holding-research" checked' in body  # input kept
    assert counts(app) == (0, 0, 0)


def test_the_registration_form_needs_the_csrf_token(app, client, vendor, product):
    sign_in_as(client, vendor)
    response = client.post(
        f"/products/{product['id']}/rights/new",
        data={k: v for k, v in registration_form().items()},
        content_type=MULTIPART,
    )
    assert response.status_code == 400
    assert counts(app) == (0, 0, 0)


# The notice board and the registration page -------------------------------------------------


def test_the_notice_board_lists_applications_and_certificates_for_anyone(
    app, client, vendor, product
):
    on_notice = apply_for(app, vendor, product["id"])
    other = own_product(app.test_client(), vendor)
    certified = certify(app, vendor, other["id"], application(claim("operation")))

    body = text(client.get("/rights/notices"))

    board = re.search(r'data-testid="on-notice"(.*?)</table>', body, re.S).group(1)
    done = re.search(r'data-testid="certified"(.*?)</table>', body, re.S).group(1)
    assert f'data-registration-id="{on_notice}"' in board
    assert f'data-registration-id="{certified}"' in done
    assert certificate_number(app, certified) in done


def test_the_registration_page_is_public_but_documents_are_not(app, client, vendor, product):
    registration_id = apply_for(app, vendor, product["id"])
    english(client)

    body = text(client.get(f"/rights/registrations/{registration_id}"))
    assert "数据来源说明.pdf" in body and 'data-testid="document-link"' not in body
    assert 'href="/ledger/' in body and 'data-testid="registration-hash"' in body
    assert 'data-testid="objection-form"' not in body and 'data-testid="withdraw-form"' not in body
    assert "Sign in to object" in body

    sign_in_as(client, vendor)
    body = text(client.get(f"/rights/registrations/{registration_id}"))
    assert 'data-testid="document-link"' in body and 'data-testid="withdraw-form"' in body
    assert 'data-testid="objection-form"' not in body  # not against oneself


def test_an_unknown_registration_is_not_found(client):
    assert client.get("/rights/registrations/999999").status_code == 404


def test_another_organisation_objects_on_the_page(app, client, vendor, rival, product):
    registration_id = apply_for(app, vendor, product["id"])
    sign_in_as(client, rival)
    assert 'data-testid="objection-form"' in text(
        client.get(f"/rights/registrations/{registration_id}")
    )

    response = post(
        client,
        f"/rights/registrations/{registration_id}/objections",
        {"reasons": "该数据由我方采集。", "evidence": [(io.BytesIO(PDF), "采集记录.pdf")]},
        content_type=MULTIPART,
    )

    assert response.status_code == 302
    body = text(client.get(response.location))
    assert "该数据由我方采集。" in body and "采集记录.pdf" in body
    assert counts(app) == (1, 1, 2)
    client.post("/sign-out", data={})
    anonymous = app.test_client()
    assert "该数据由我方采集。" not in text(
        anonymous.get(f"/rights/registrations/{registration_id}")
    )


def test_an_objection_without_reasons_is_refused_in_place(app, client, vendor, rival, product):
    registration_id = apply_for(app, vendor, product["id"])
    sign_in_as(client, rival)
    english(client)

    response = post(
        client, f"/rights/registrations/{registration_id}/objections", {"reasons": "  "}
    )

    assert response.status_code == 422
    assert feedback(response, "reasons") == ["Say why you object."]
    assert counts(app) == (1, 0, 1)


def test_an_objection_after_the_period_is_refused(app, client, vendor, rival, product):
    registration_id = apply_for(app, vendor, product["id"])
    end_notice(app, registration_id)
    sign_in_as(client, rival)
    english(client)
    assert 'data-testid="objection-form"' not in text(
        client.get(f"/rights/registrations/{registration_id}")
    )

    response = post(
        client, f"/rights/registrations/{registration_id}/objections", {"reasons": "太晚了。"}
    )

    assert response.status_code == 409
    assert "objections are closed" in text(response)
    assert counts(app) == (1, 0, 1)


def test_the_objection_form_needs_the_csrf_token(app, client, vendor, rival, product):
    registration_id = apply_for(app, vendor, product["id"])
    sign_in_as(client, rival)
    response = client.post(
        f"/rights/registrations/{registration_id}/objections", data={"reasons": "异议。"}
    )
    assert response.status_code == 400
    assert counts(app) == (1, 0, 1)


def test_the_applicant_withdraws_on_the_page(app, client, vendor, rival, product):
    registration_id = apply_for(app, vendor, product["id"])
    sign_in_as(client, rival)
    assert post(client, f"/rights/registrations/{registration_id}/withdraw").status_code == 403
    assert status_of(app, registration_id) == RegistrationStatus.NOTICE

    sign_in_as(client, vendor)
    response = post(client, f"/rights/registrations/{registration_id}/withdraw")

    assert response.status_code == 302
    assert status_of(app, registration_id) == RegistrationStatus.WITHDRAWN


# Operators' decisions -----------------------------------------------------------------------


def test_the_operator_sees_the_queue_and_dismisses_to_certify(
    app, client, vendor, rival, operator, product
):
    registration_id = apply_for(app, vendor, product["id"])
    objection_id = object_to(app, rival, registration_id)
    end_notice(app, registration_id)
    sign_in_as(client, operator)

    queue = text(client.get("/rights/objections"))
    assert f'data-registration-id="{registration_id}"' in queue
    page = text(client.get(f"/rights/registrations/{registration_id}"))
    assert 'data-testid="decide-form"' in page and "该数据由我方采集。" in page

    response = post(
        client,
        f"/rights/registrations/{registration_id}/objections/{objection_id}/decision",
        {"decision": "dismiss", "reason": "异议缺乏证据。"},
    )

    assert response.status_code == 302
    assert status_of(app, registration_id) == RegistrationStatus.CERTIFIED
    assert 'data-testid="queue-empty"' in text(client.get("/rights/objections"))
    assert 'data-testid="certificate-link"' in text(client.get(response.location))


def test_a_decision_without_a_reason_is_refused_in_place(
    app, client, vendor, rival, operator, product
):
    registration_id = apply_for(app, vendor, product["id"])
    objection_id = object_to(app, rival, registration_id)
    sign_in_as(client, operator)
    english(client)

    response = post(
        client,
        f"/rights/registrations/{registration_id}/objections/{objection_id}/decision",
        {"decision": "uphold", "reason": ""},
    )

    assert response.status_code == 422
    assert "Give a reason." in text(response)
    assert status_of(app, registration_id) == RegistrationStatus.NOTICE


def test_only_operators_see_the_queue_and_decide(app, client, vendor, rival, product):
    registration_id = apply_for(app, vendor, product["id"])
    objection_id = object_to(app, rival, registration_id)
    sign_in_as(client, rival)

    assert client.get("/rights/objections").status_code == 403
    assert 'data-testid="decide-form"' not in text(
        client.get(f"/rights/registrations/{registration_id}")
    )
    response = post(
        client,
        f"/rights/registrations/{registration_id}/objections/{objection_id}/decision",
        {"decision": "uphold", "reason": "我方才是持有人。"},
    )
    assert response.status_code == 403
    assert status_of(app, registration_id) == RegistrationStatus.NOTICE


def test_a_same_data_flag_links_the_other_registration(app, client, vendor, rival, operator):
    from tests.catalog import COPPER_CSV, create_product, upload

    api = app.test_client()
    row = b"2026-10-12,1.00,1,13512345678\n"
    mine = create_product(api, vendor.headers, with_file=False)
    upload(api, vendor.headers, mine["id"], COPPER_CSV + row)
    theirs = create_product(api, rival.headers, with_file=False)
    upload(api, rival.headers, theirs["id"], COPPER_CSV + row)
    first = apply_for(app, vendor, mine["id"])
    second = apply_for(app, rival, theirs["id"])
    english(client)

    body = text(client.get(f"/rights/registrations/{second}"))

    assert 'data-testid="flagged"' in body
    assert f'href="/rights/registrations/{first}"' in body


# Certificates -------------------------------------------------------------------------------


def test_the_certificate_is_public_printable_and_links_its_verification(
    app, client, vendor, product
):
    registration_id = certify(app, vendor, product["id"])
    number = certificate_number(app, registration_id)
    english(client)

    response = client.get(f"/rights/certificates/{number}")

    body = text(response)
    assert response.status_code == 200 and number in body
    assert "<svg" in body
    # Printable: the page opts into the stylesheet's print rules (no inline style under the CSP).
    assert re.search(r'<body class="[^"]*\bcertificate-page\b', body), body[:400]
    with client.get("/static/exchange.css") as css:
        stylesheet = css.get_data(as_text=True)
    assert re.search(r"@media print \{[^@]*\.certificate-page nav\.navbar", stylesheet)
    assert f"http://localhost/rights/certificates/{number}/verify" in body
    assert re.findall(r'<tr data-right="(\w+)"', body) == ["holding", "processing", "operation"]
    assert 'data-testid="credit-code"' in body and 'data-testid="signature"' in body


def test_verification_reports_each_check_and_waits_for_the_anchor(app, client, vendor, product):
    registration_id = certify(app, vendor, product["id"])
    number = certificate_number(app, registration_id)
    english(client)

    body = text(client.get(f"/rights/certificates/{number}/verify"))

    assert re.search(r'data-testid="verdict" data-status="pending"', body)
    assert "Pending anchoring" in body and "The exchange's signature" in body
    checks = dict(re.findall(r'data-check="(\w+)" data-ok="(\w+)"', body))
    assert checks["signature"] == checks["registration"] == checks["ledger_entry"] == "true"
    assert 'data-testid="public-key"' in body
    proof = client.get(f"/rights/certificates/{number}/proof.json")
    assert f'href="/rights/certificates/{number}/proof.json"' in body
    assert proof.status_code == 200 and proof.get_json()["format"] == "ganshu-ledger-proof/1"
    assert f"{number}-proof.json" in proof.headers["Content-Disposition"]


def test_verification_fails_a_tampered_registration(app, client, vendor, product):
    registration_id = certify(app, vendor, product["id"])
    number = certificate_number(app, registration_id)
    with app.app_context():
        db.session.execute(
            update(RightsRegistration)
            .where(RightsRegistration.id == registration_id)
            .values(canonical='{"tampered": true}')
        )
        db.session.commit()
        db.session.remove()

    body = text(client.get(f"/rights/certificates/{number}/verify"))

    assert re.search(r'data-testid="verdict" data-status="failed"', body)
    assert 'data-check="registration" data-ok="false"' in body


def test_an_unknown_certificate_is_not_found(client):
    assert client.get("/rights/certificates/GSC-2026-999999").status_code == 404
    assert client.get("/rights/certificates/GSC-2026-999999/verify").status_code == 404


# Dashboards and downloads -------------------------------------------------------------------


def test_my_rights_shows_the_organisations_rights_and_licences(app, client, vendor, rival, product):
    certify(app, vendor, product["id"])
    grant(app, vendor, rival, product["id"], contract_ref="GSC-MINE-1")
    other = own_product(app.test_client(), vendor)
    on_notice = apply_for(app, vendor, other["id"])
    object_to(app, rival, on_notice)

    sign_in_as(client, vendor)
    body = text(client.get("/rights/mine"))
    assert re.search(r'data-testid="my-registrations".*?data-registration-id', body, re.S)
    assert re.search(r'data-testid="my-records".*?data-right="holding"', body, re.S)
    assert re.search(r'data-testid="licences-granted".*?GSC-MINE-1', body, re.S)

    sign_in_as(client, rival)
    body = text(client.get("/rights/mine"))
    assert re.search(r'data-testid="licences-received".*?GSC-MINE-1', body, re.S)
    raised = re.search(r'data-testid="objections-raised"(.*?)</table>', body, re.S).group(1)
    assert f'data-registration-id="{on_notice}"' in raised


def test_my_rights_needs_signing_in(client):
    response = client.get("/rights/mine")
    assert response.status_code == 302 and "/sign-in" in response.location


def test_documents_download_for_the_applicant_only(app, client, vendor, rival, product):
    registration_id = apply_for(app, vendor, product["id"])
    with app.app_context():
        document_id = db.session.scalars(
            select(RightsDocument.id).where(RightsDocument.registration_id == registration_id)
        ).one()
        db.session.remove()
    path = f"/rights/documents/{document_id}"

    assert client.get(path).status_code == 404
    sign_in_as(client, rival)
    assert client.get(path).status_code == 404
    sign_in_as(client, vendor)
    response = client.get(path)
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")


# Languages and navigation -------------------------------------------------------------------


def test_pages_read_in_chinese_by_default_and_in_english_on_request(app, client, vendor, product):
    registration_id = certify(app, vendor, product["id"])
    number = certificate_number(app, registration_id)
    chinese_words = {
        "/rights/notices": "权利登记公示栏",
        f"/rights/registrations/{registration_id}": "数据资源持有权",
        f"/rights/certificates/{number}": "数据权利登记证书",
        f"/rights/certificates/{number}/verify": "交易所签名",
    }
    paths = list(chinese_words)
    for path, words in chinese_words.items():
        chinese = client.get(path)
        assert chinese.status_code == 200 and '<html lang="zh-CN">' in text(chinese)
        assert words in text(chinese), path
    english(client)
    for path in paths:
        page = text(client.get(path))
        assert '<html lang="en">' in page and ">Catalog<" in page
        assert "Holding right" in page or path.endswith("/verify")


def test_the_navigation_offers_each_role_its_rights_pages(client, vendor, operator):
    assert 'href="/rights/notices"' in text(client.get("/"))
    assert 'href="/rights/mine"' not in text(client.get("/"))
    sign_in_as(client, vendor)
    assert 'href="/rights/mine"' in text(client.get("/rights/notices"))
    assert 'href="/rights/objections"' not in text(client.get("/rights/notices"))
    sign_in_as(client, operator)
    assert 'href="/rights/objections"' in text(client.get("/rights/notices"))


def test_an_open_ended_right_reads_until_further_notice(app, client, vendor, product):
    certify(app, vendor, product["id"], application(claim(ends_on=None)))
    english(client)
    sign_in_as(client, vendor)
    held = re.search(
        r'data-testid="my-records"(.*?)</table>', text(client.get("/rights/mine")), re.S
    )
    assert f"{date.today().isoformat()} – until further notice" in held.group(1)
