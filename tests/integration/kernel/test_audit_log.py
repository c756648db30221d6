"""Security-relevant actions land in the audit log: when (UTC), who, which organisation, whence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from exchange.accounts.models import Organisation, User
from exchange.extensions import db
from exchange.kernel.records import AuditEvent
from exchange.kernel.vocabulary import Role
from tests.factories import bearer, csrf_token, make_member, organisation_data, sign_in

ADDRESS = "203.0.113.7"


@pytest.fixture
def remote_client(client):
    """A client whose requests come from a documentation address, not localhost."""
    client.environ_base["REMOTE_ADDR"] = ADDRESS
    return client


def events(app, action: str) -> list[dict[str, Any]]:
    """The audit events of one action, oldest first, as plain data."""
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return [
            {
                "occurred_at": row.occurred_at,
                "actor_id": row.actor_id,
                "organisation_id": row.organisation_id,
                "subject": row.subject,
                "client_address": row.client_address,
                "detail": row.detail,
            }
            for row in rows
        ]


def only_event(app, action: str) -> dict[str, Any]:
    found = events(app, action)
    assert len(found) == 1, found
    return found[0]


def fail_sign_in(client, email: str) -> None:
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in", data={"email": email, "password": "Wrong-Password-1", "csrf_token": token}
    )
    assert response.status_code == 401


def test_audit_time_is_aware_utc_and_current(app, remote_client):
    member = make_member(app)
    before = datetime.now(UTC)
    sign_in(remote_client, member)
    occurred = only_event(app, "auth.signed_in")["occurred_at"]
    assert occurred.tzinfo is not None
    assert occurred.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= occurred <= datetime.now(UTC) + timedelta(seconds=1)


def test_sign_in_records_actor_and_client_address(app, remote_client):
    member = make_member(app)
    sign_in(remote_client, member)
    event = only_event(app, "auth.signed_in")
    assert event["actor_id"] == member.user_id
    assert event["subject"] == member.email
    assert event["client_address"] == ADDRESS


def test_default_client_address_is_recorded_too(app, client):
    member = make_member(app)
    sign_in(client, member)
    assert only_event(app, "auth.signed_in")["client_address"] == "127.0.0.1"


def test_failed_sign_in_records_the_account_and_address(app, remote_client):
    member = make_member(app)
    fail_sign_in(remote_client, member.email)
    event = only_event(app, "auth.sign_in_failed")
    assert event["actor_id"] == member.user_id
    assert event["subject"] == member.email
    assert event["client_address"] == ADDRESS
    assert events(app, "auth.signed_in") == []


def test_failed_sign_in_for_unknown_email_records_the_attempted_email(app, remote_client):
    fail_sign_in(remote_client, "nobody@example.cn")
    event = only_event(app, "auth.sign_in_failed")
    assert event["actor_id"] is None
    assert event["subject"] == "nobody@example.cn"
    assert event["client_address"] == ADDRESS


def test_throttled_sign_in_is_recorded(app, remote_client):
    app.config["SIGNIN_MAX_FAILURES"] = 1
    member = make_member(app)
    fail_sign_in(remote_client, member.email)
    token = csrf_token(remote_client, "/sign-in")
    response = remote_client.post(
        "/sign-in", data={"email": member.email, "password": member.password, "csrf_token": token}
    )
    assert response.status_code == 429
    event = only_event(app, "auth.sign_in_throttled")
    assert event["subject"] == member.email
    assert event["client_address"] == ADDRESS


def test_sign_out_is_recorded(app, remote_client):
    member = make_member(app)
    sign_in(remote_client, member)
    token = csrf_token(remote_client, "/profile")
    assert remote_client.post("/sign-out", data={"csrf_token": token}).status_code == 302
    event = only_event(app, "auth.signed_out")
    assert event["actor_id"] == member.user_id
    assert event["client_address"] == ADDRESS


def test_token_creation_is_recorded(app, remote_client):
    member = make_member(app)
    response = remote_client.post(
        "/api/v1/auth/tokens", json={"email": member.email, "password": member.password}
    )
    assert response.status_code == 201
    event = only_event(app, "token.created")
    assert event["actor_id"] == member.user_id
    assert event["client_address"] == ADDRESS
    assert event["detail"] == {"token_id": response.get_json()["id"]}


def test_token_revocation_is_recorded(app, remote_client):
    member = make_member(app)
    headers = bearer(remote_client, member)
    token_id = only_event(app, "token.created")["detail"]["token_id"]
    response = remote_client.delete(f"/api/v1/auth/tokens/{token_id}", headers=headers)
    assert response.status_code == 204
    event = only_event(app, "token.revoked")
    assert event["actor_id"] == member.user_id
    assert event["client_address"] == ADDRESS
    assert event["detail"] == {"token_id": token_id}


def test_revoking_a_revoked_token_records_nothing_more(app, client):
    member = make_member(app)
    headers = bearer(client, member)
    spare = bearer(client, member)
    token_id = events(app, "token.created")[0]["detail"]["token_id"]
    assert client.delete(f"/api/v1/auth/tokens/{token_id}", headers=spare).status_code == 204
    assert client.delete(f"/api/v1/auth/tokens/{token_id}", headers=spare).status_code == 204
    assert len(events(app, "token.revoked")) == 1
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_role_change_records_before_and_after(app, remote_client):
    admin = make_member(app, [Role.VENDOR])
    colleague = make_member(
        app, [Role.VENDOR], organisation_id=admin.organisation_id, is_admin=False
    )
    response = remote_client.put(
        f"/api/v1/organisations/{admin.organisation_id}/members/{colleague.user_id}/roles",
        json={"roles": ["buyer", "vendor"]},
        headers=bearer(remote_client, admin),
    )
    assert response.status_code == 200
    event = only_event(app, "membership.roles_changed")
    assert event["actor_id"] == admin.user_id
    assert event["organisation_id"] == admin.organisation_id
    assert event["subject"] == colleague.email
    assert event["client_address"] == ADDRESS
    assert event["detail"] == {"before": ["vendor"], "after": ["buyer", "vendor"]}


def test_unchanged_roles_record_nothing(app, client):
    admin = make_member(app, [Role.VENDOR])
    response = client.put(
        f"/api/v1/organisations/{admin.organisation_id}/members/{admin.user_id}/roles",
        json={"roles": ["vendor"]},
        headers=bearer(client, admin),
    )
    assert response.status_code == 200
    assert events(app, "membership.roles_changed") == []


def test_verification_decision_is_recorded(app, remote_client):
    operator = make_member(app, [Role.OPERATOR])
    applicant = make_member(app, [Role.VENDOR], verified=False)
    response = remote_client.post(
        f"/api/v1/organisations/{applicant.organisation_id}/verification",
        json={"decision": "rejected", "note": "Licence photo unreadable"},
        headers=bearer(remote_client, operator),
    )
    assert response.status_code == 200
    event = only_event(app, "organisation.verification_decided")
    assert event["actor_id"] == operator.user_id
    assert event["organisation_id"] == applicant.organisation_id
    assert event["client_address"] == ADDRESS
    assert event["detail"] == {"decision": "rejected", "note": "Licence photo unreadable"}


def test_refused_verification_records_no_decision(app, client):
    vendor = make_member(app, [Role.VENDOR])
    applicant = make_member(app, [Role.VENDOR], verified=False)
    response = client.post(
        f"/api/v1/organisations/{applicant.organisation_id}/verification",
        json={"decision": "verified"},
        headers=bearer(client, vendor),
    )
    assert response.status_code == 403
    assert events(app, "organisation.verification_decided") == []


def test_registration_is_recorded_with_its_organisation(app, remote_client):
    data = organisation_data()
    response = remote_client.post("/api/v1/registrations", json=data)
    assert response.status_code == 202
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == data["email"]))
        organisation = db.session.scalar(
            select(Organisation).where(Organisation.credit_code == data["credit_code"])
        )
        created = {"user_id": user.id, "organisation_id": organisation.id}
    event = only_event(app, "organisation.registered")
    assert event["actor_id"] == created["user_id"]
    assert event["organisation_id"] == created["organisation_id"]
    assert event["subject"] == data["email"]
    assert event["client_address"] == ADDRESS
