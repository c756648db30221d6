"""Registration tells no one whether an email is known, and is limited per address."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from exchange.extensions import db
from exchange.kernel.records import AuditEvent
from tests.api.helpers import assert_problem, english_client, row_counts
from tests.factories import bearer, csrf_token, make_member, organisation_data

REGISTER = "/api/v1/registrations"


def from_address(app: Flask, address: str) -> FlaskClient:
    client = english_client(app)
    client.environ_base["REMOTE_ADDR"] = address
    return client


def form_fields(data: dict[str, object]) -> dict[str, object]:
    return {k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in data.items()}


def test_known_email_is_answered_exactly_like_a_new_one(app, client):
    member = make_member(app)
    new = client.post(REGISTER, json=organisation_data())
    known = client.post(REGISTER, json=organisation_data(email=member.email))
    assert known.status_code == new.status_code == 202
    assert known.get_data() == new.get_data()
    assert known.headers.get("Content-Type") == new.headers.get("Content-Type")


def test_known_email_changes_nothing_about_the_account(app, client):
    member = make_member(app)
    before = row_counts(app)
    data = organisation_data(email=member.email, password="Someone-Elses-2026!")
    assert client.post(REGISTER, json=data).status_code == 202
    assert {k: v for k, v in row_counts(app).items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"
    }
    stolen = {"email": member.email, "password": "Someone-Elses-2026!"}
    assert client.post("/api/v1/auth/tokens", json=stolen).status_code == 401
    owner = {"email": member.email, "password": member.password}
    assert client.post("/api/v1/auth/tokens", json=owner).status_code == 201


def test_known_email_is_recorded_for_the_operators(app, client):
    member = make_member(app)
    client.post(REGISTER, json=organisation_data(email=member.email.upper()))
    with app.app_context():
        subjects = db.session.scalars(
            select(AuditEvent.subject).where(AuditEvent.action == "registration.email_known")
        ).all()
    assert subjects == [member.email]


def test_registrations_from_one_address_wait_after_the_limit(app):
    app.config["REGISTRATIONS_PER_ADDRESS"] = 3
    client = from_address(app, "203.0.113.9")
    for _ in range(3):
        assert client.post(REGISTER, json=organisation_data()).status_code == 202
    before = row_counts(app)
    response = client.post(REGISTER, json=organisation_data())
    body = assert_problem(response, 429)
    assert body["type"] == "urn:ganshu:problem:too-many-attempts"
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    assert row_counts(app) == before
    elsewhere = from_address(app, "198.51.100.7")
    assert elsewhere.post(REGISTER, json=organisation_data()).status_code == 202


def test_probing_known_emails_counts_against_the_limit_too(app):
    app.config["REGISTRATIONS_PER_ADDRESS"] = 2
    member = make_member(app)
    client = from_address(app, "203.0.113.9")
    statuses = [
        client.post(REGISTER, json=organisation_data(email=member.email)).status_code
        for _ in range(3)
    ]
    assert statuses == [202, 202, 429]


def test_the_registration_page_says_to_wait_in_place(app):
    app.config["REGISTRATIONS_PER_ADDRESS"] = 1
    browser = from_address(app, "203.0.113.9")
    with browser.session_transaction() as session:
        session["locale"] = "en"

    def register() -> tuple[int, str]:
        token = csrf_token(browser, "/register")
        data = form_fields(organisation_data()) | {"csrf_token": token}
        response = browser.post("/register", data=data)
        return response.status_code, response.get_data(as_text=True)

    assert register()[0] == 302
    status, page = register()
    assert status == 429
    assert 'data-testid="register-form"' in page
    assert "Too many attempts; try again in" in page


def test_a_new_organisations_admin_cannot_probe_emails_by_adding_members(app, client):
    app.config["REGISTRATIONS_PER_ADDRESS"] = 3
    known = make_member(app)
    stranger = make_member(app, verified=False)  # self-registered, awaiting verification
    headers = bearer(client, stranger)
    members = f"/api/v1/organisations/{stranger.organisation_id}/members"

    def add(email: str):
        body = {"email": email, "display_name": "同事", "password": "Rare-Earth-Ledger-9"}
        return client.post(members, json=body | {"roles": ["vendor"]}, headers=headers)

    assert [add(known.email).status_code for _ in range(3)] == [409] * 3
    before = row_counts(app)
    response = add(known.email)
    assert_problem(response, 429)
    assert int(response.headers["Retry-After"]) > 0
    assert_problem(add("new.colleague@example.cn"), 429)  # waiting, whatever the email
    assert row_counts(app) == before
