"""Organisations through the API: details, members, roles, verification, listing and audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from exchange.accounts.credit_code import ALPHABET
from exchange.kernel.vocabulary import Role
from tests.api.helpers import (
    assert_problem,
    field_errors,
    issue_token,
    parse_time,
    row_counts,
)
from tests.factories import Member, bearer, credit_code, make_member, organisation_data

PRIVATE_FIELDS = {
    "credit_code",
    "dcmm_certificate_no",
    "contact_name",
    "contact_phone",
    "contact_email",
    "verification_note",
    "verified_at",
    "created_at",
    "members",
}
MEMBER_FIELDS = {"user_id", "email", "display_name", "roles", "is_admin"}


@pytest.fixture
def admin(app) -> Member:
    """The administrator of a verified vendor organisation."""
    return make_member(app)


@pytest.fixture
def admin_headers(client, admin) -> dict[str, str]:
    return bearer(client, admin)


@pytest.fixture
def operator_headers(app, client) -> dict[str, str]:
    return bearer(client, make_member(app, [Role.OPERATOR]))


def url(organisation_id: int, tail: str = "") -> str:
    return f"/api/v1/organisations/{organisation_id}{tail}"


def new_member(**overrides):
    data = {
        "email": "colleague@example.cn",
        "display_name": "同事",
        "password": "Rare-Earth-Ledger-9",
        "roles": ["buyer"],
    }
    return data | overrides


def read(client, organisation_id, headers):
    return client.get(url(organisation_id), headers=headers).get_json()


def pending_organisation(app) -> Member:
    return make_member(app, verified=False)


def decide(client, organisation_id, headers, decision, note=None):
    body = {"decision": decision} | ({"note": note} if note is not None else {})
    return client.post(url(organisation_id, "/verification"), json=body, headers=headers)


# Reading


def test_member_reads_their_organisation_with_private_fields(client, admin, admin_headers):
    response = client.get(url(admin.organisation_id), headers=admin_headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == admin.organisation_id
    assert body["verification_status"] == "verified"
    assert PRIVATE_FIELDS <= body.keys()


def test_organisation_lists_its_members_with_their_roles(client, app, admin, admin_headers):
    colleague = make_member(
        app, [Role.BUYER], organisation_id=admin.organisation_id, is_admin=False
    )
    members = read(client, admin.organisation_id, admin_headers)["members"]
    assert all(set(member) == MEMBER_FIELDS for member in members)
    assert sorted((m["user_id"], m["email"], m["roles"], m["is_admin"]) for m in members) == [
        (admin.user_id, admin.email, ["vendor"], True),
        (colleague.user_id, colleague.email, ["buyer"], False),
    ]


def test_unknown_organisation_is_not_found(client, operator_headers):
    response = client.get(url(999999), headers=operator_headers)
    assert assert_problem(response, 404)["type"] == "urn:ganshu:problem:not-found"


# Updating details


def test_admin_corrects_contact_details(client, admin, admin_headers):
    changes = {"contact_name": "李娜", "contact_phone": "0791-8888 0000"}
    response = client.patch(url(admin.organisation_id), json=changes, headers=admin_headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["contact_name"] == "李娜"
    assert body["contact_phone"] == "0791-8888 0000"
    assert read(client, admin.organisation_id, admin_headers)["contact_name"] == "李娜"


def test_correcting_contacts_keeps_the_organisation_verified(client, admin, admin_headers):
    response = client.patch(
        url(admin.organisation_id), json={"contact_name": "李娜"}, headers=admin_headers
    )
    assert response.get_json()["verification_status"] == "verified"


def test_changing_the_chinese_name_sends_the_organisation_back_to_verification(
    client, admin, admin_headers
):
    response = client.patch(
        url(admin.organisation_id), json={"name_zh": "赣州稀土数据有限公司"}, headers=admin_headers
    )
    assert response.status_code == 200
    assert response.get_json()["verification_status"] == "pending"


def test_new_credit_code_is_normalised_and_sends_the_organisation_back_to_verification(
    client, admin, admin_headers
):
    code = credit_code()
    response = client.patch(
        url(admin.organisation_id), json={"credit_code": f" {code.lower()} "}, headers=admin_headers
    )
    assert response.status_code == 200
    assert response.get_json()["credit_code"] == code
    assert response.get_json()["verification_status"] == "pending"


def test_resubmitting_the_same_credit_code_changes_nothing(client, admin, admin_headers):
    code = read(client, admin.organisation_id, admin_headers)["credit_code"]
    response = client.patch(
        url(admin.organisation_id), json={"credit_code": code}, headers=admin_headers
    )
    assert response.status_code == 200
    assert response.get_json()["verification_status"] == "verified"


def test_correcting_a_rejected_organisation_sends_it_back_to_verification(
    client, app, operator_headers
):
    applicant = pending_organisation(app)
    decide(client, applicant.organisation_id, operator_headers, "rejected", "Licence unreadable")
    response = client.patch(
        url(applicant.organisation_id),
        json={"contact_phone": "0791-1234 5678"},
        headers=bearer(client, applicant),
    )
    assert response.status_code == 200
    assert response.get_json()["verification_status"] == "pending"


def test_credit_code_of_another_organisation_is_a_conflict_on_credit_code(
    client, app, admin, admin_headers
):
    other = make_member(app)
    taken = read(client, other.organisation_id, bearer(client, other))["credit_code"]
    before = read(client, admin.organisation_id, admin_headers)
    response = client.patch(
        url(admin.organisation_id), json={"credit_code": taken}, headers=admin_headers
    )
    assert assert_problem(response, 409)["errors"] == {
        "credit_code": ["An organisation with this credit code is already registered."]
    }
    assert read(client, admin.organisation_id, admin_headers) == before


def test_wrong_check_character_in_an_update_is_an_error_on_credit_code(
    client, admin, admin_headers
):
    before = read(client, admin.organisation_id, admin_headers)
    code = credit_code()
    wrong = code[:17] + next(char for char in ALPHABET if char != code[17])
    response = client.patch(
        url(admin.organisation_id), json={"credit_code": wrong}, headers=admin_headers
    )
    assert field_errors(response) == {
        "credit_code": ["The check character (the 18th) does not match; check the code for typos."]
    }
    assert read(client, admin.organisation_id, admin_headers) == before


def test_unknown_region_in_an_update_is_an_error_on_region(client, admin, admin_headers):
    response = client.patch(
        url(admin.organisation_id), json={"region": "wuhan"}, headers=admin_headers
    )
    assert field_errors(response) == {"region": ["Choose one of the listed regions."]}


def test_new_certificate_number_is_checked_against_the_level_on_record(
    client, admin, admin_headers
):
    response = client.patch(
        url(admin.organisation_id),
        json={"dcmm_certificate_no": "DCMM-2026-0042"},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["dcmm_certificate_no"] == "DCMM-2026-0042"
    assert response.get_json()["dcmm_level"] == 3


def test_certificate_for_an_organisation_without_a_level_is_an_error_on_dcmm_level(
    client, admin, admin_headers
):
    client.patch(url(admin.organisation_id), json={"dcmm_level": None}, headers=admin_headers)
    response = client.patch(
        url(admin.organisation_id),
        json={"dcmm_certificate_no": "DCMM-2026-0042"},
        headers=admin_headers,
    )
    assert field_errors(response) == {"dcmm_level": ["Give the DCMM level the certificate states."]}


def test_null_for_a_required_detail_is_an_error_on_its_field(client, admin, admin_headers):
    response = client.patch(
        url(admin.organisation_id), json={"name_en": None}, headers=admin_headers
    )
    assert field_errors(response) == {"name_en": ["Field may not be null."]}


def test_organisation_cannot_verify_itself_through_an_update(client, app):
    applicant = pending_organisation(app)
    headers = bearer(client, applicant)
    response = client.patch(
        url(applicant.organisation_id), json={"verification_status": "verified"}, headers=headers
    )
    assert field_errors(response) == {"verification_status": ["Unknown field."]}
    assert read(client, applicant.organisation_id, headers)["verification_status"] == "pending"


def test_overlong_detail_in_an_update_is_an_error_on_its_field(client, admin, admin_headers):
    response = client.patch(
        url(admin.organisation_id), json={"contact_phone": "1" * 33}, headers=admin_headers
    )
    assert field_errors(response) == {"contact_phone": ["Enter between 1 and 32 characters."]}


# Members


def test_admin_adds_a_colleague_who_can_then_sign_in(client, app, admin, admin_headers):
    response = client.post(
        url(admin.organisation_id, "/members"), json=new_member(), headers=admin_headers
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["email"] == "colleague@example.cn"
    assert body["roles"] == ["buyer"]
    assert body["is_admin"] is False
    colleague = Member(body["user_id"], admin.organisation_id, body["email"], "Rare-Earth-Ledger-9")
    me = client.get("/api/v1/me", headers=bearer(client, colleague)).get_json()
    [membership] = me["memberships"]
    assert membership["organisation_id"] == admin.organisation_id
    assert membership["roles"] == ["buyer"]


def test_added_colleague_appears_among_the_members(client, admin, admin_headers):
    client.post(url(admin.organisation_id, "/members"), json=new_member(), headers=admin_headers)
    members = read(client, admin.organisation_id, admin_headers)["members"]
    assert "colleague@example.cn" in [member["email"] for member in members]


def test_admin_can_add_another_admin(client, admin, admin_headers):
    response = client.post(
        url(admin.organisation_id, "/members"),
        json=new_member(is_admin=True),
        headers=admin_headers,
    )
    assert response.status_code == 201
    assert response.get_json()["is_admin"] is True


def test_colleague_without_a_role_is_refused_and_not_created(client, app, admin, admin_headers):
    before = row_counts(app)
    response = client.post(
        url(admin.organisation_id, "/members"), json=new_member(roles=[]), headers=admin_headers
    )
    assert "roles" in field_errors(response)
    assert row_counts(app) == before


def test_colleague_with_a_taken_email_is_a_conflict_on_email(client, app, admin, admin_headers):
    before = row_counts(app)
    response = client.post(
        url(admin.organisation_id, "/members"),
        json=new_member(email=admin.email.upper()),
        headers=admin_headers,
    )
    assert assert_problem(response, 409)["errors"] == {
        "email": ["An account with this email already exists."]
    }
    assert row_counts(app) == before


def test_colleague_with_a_common_password_is_an_error_on_password(
    client, app, admin, admin_headers
):
    before = row_counts(app)
    response = client.post(
        url(admin.organisation_id, "/members"),
        json=new_member(password="12345678"),
        headers=admin_headers,
    )
    assert field_errors(response) == {"password": ["This password is too common; choose another."]}
    assert row_counts(app) == before


def test_colleague_with_an_unknown_role_is_an_error_naming_the_choices(
    client, app, admin, admin_headers
):
    before = row_counts(app)
    response = client.post(
        url(admin.organisation_id, "/members"),
        json=new_member(roles=["auditor"]),
        headers=admin_headers,
    )
    assert field_errors(response) == {
        "roles.0": ["Choose one of: vendor, buyer, regulator, operator."]
    }
    assert row_counts(app) == before


def test_colleague_without_the_required_fields_is_refused(client, app, admin, admin_headers):
    before = row_counts(app)
    response = client.post(
        url(admin.organisation_id, "/members"), json={"roles": ["buyer"]}, headers=admin_headers
    )
    assert set(field_errors(response)) == {"email", "display_name", "password"}
    assert row_counts(app) == before


# Roles


def test_admin_replaces_a_members_roles(client, app, admin, admin_headers):
    colleague = make_member(
        app, [Role.VENDOR], organisation_id=admin.organisation_id, is_admin=False
    )
    response = client.put(
        url(admin.organisation_id, f"/members/{colleague.user_id}/roles"),
        json={"roles": ["buyer"]},
        headers=admin_headers,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == MEMBER_FIELDS
    assert (body["user_id"], body["email"], body["roles"], body["is_admin"]) == (
        colleague.user_id,
        colleague.email,
        ["buyer"],
        False,
    )
    members = read(client, admin.organisation_id, admin_headers)["members"]
    assert next(m for m in members if m["user_id"] == colleague.user_id)["roles"] == ["buyer"]


def test_roles_of_someone_outside_the_organisation_are_not_found(client, app, admin, admin_headers):
    outsider = make_member(app)
    response = client.put(
        url(admin.organisation_id, f"/members/{outsider.user_id}/roles"),
        json={"roles": ["buyer"]},
        headers=admin_headers,
    )
    body = assert_problem(response, 404)
    assert body["detail"] == "That person is not a member of this organisation."


def test_unknown_role_in_a_roles_update_is_an_error_naming_the_choices(
    client, admin, admin_headers
):
    response = client.put(
        url(admin.organisation_id, f"/members/{admin.user_id}/roles"),
        json={"roles": ["vendor", "king"]},
        headers=admin_headers,
    )
    assert field_errors(response) == {
        "roles.1": ["Choose one of: vendor, buyer, regulator, operator."]
    }


# Verification


def test_operator_verifies_a_pending_organisation(client, app, operator_headers):
    applicant = pending_organisation(app)
    response = decide(client, applicant.organisation_id, operator_headers, "verified")
    assert response.status_code == 200
    body = response.get_json()
    assert body["verification_status"] == "verified"
    assert abs(parse_time(body["verified_at"]) - datetime.now(UTC)) < timedelta(minutes=1)


def test_members_see_their_organisation_verified(client, app, operator_headers):
    applicant = pending_organisation(app)
    decide(client, applicant.organisation_id, operator_headers, "verified")
    me = client.get("/api/v1/me", headers=bearer(client, applicant)).get_json()
    assert me["memberships"][0]["verification_status"] == "verified"


def test_operator_rejects_a_registration_with_a_note(client, app, operator_headers):
    applicant = pending_organisation(app)
    response = decide(
        client, applicant.organisation_id, operator_headers, "rejected", "营业执照无法辨认"
    )
    assert response.status_code == 200
    assert response.get_json()["verification_status"] == "rejected"
    assert response.get_json()["verification_note"] == "营业执照无法辨认"


@pytest.mark.parametrize("note", [None, "   "])
def test_rejection_without_a_note_is_an_error_on_note(client, app, operator_headers, note):
    applicant = pending_organisation(app)
    response = decide(client, applicant.organisation_id, operator_headers, "rejected", note)
    assert field_errors(response) == {"note": ["Say why the registration is rejected."]}
    status = read(client, applicant.organisation_id, operator_headers)["verification_status"]
    assert status == "pending"


def test_pending_is_not_a_decision(client, app, operator_headers):
    applicant = pending_organisation(app)
    response = decide(client, applicant.organisation_id, operator_headers, "pending")
    assert field_errors(response) == {"decision": ["Decide verified or rejected."]}


def test_unknown_decision_is_an_error_naming_the_choices(client, app, operator_headers):
    applicant = pending_organisation(app)
    response = decide(client, applicant.organisation_id, operator_headers, "approved")
    assert field_errors(response) == {"decision": ["Choose one of: pending, verified, rejected."]}


def test_decided_organisation_cannot_be_decided_again(client, admin, operator_headers):
    response = decide(client, admin.organisation_id, operator_headers, "rejected", "Second look")
    body = assert_problem(response, 409)
    assert body["detail"] == "This organisation is not awaiting verification."
    assert read(client, admin.organisation_id, operator_headers)["verification_status"] == (
        "verified"
    )


def test_verifying_an_unknown_organisation_is_not_found(client, operator_headers):
    assert_problem(decide(client, 999999, operator_headers, "verified"), 404)


# Listing


def test_operator_lists_only_organisations_awaiting_verification(
    client, app, admin, operator_headers
):
    applicants = [pending_organisation(app).organisation_id for _ in range(2)]
    response = client.get("/api/v1/organisations?status=pending", headers=operator_headers)
    assert response.status_code == 200
    assert [org["id"] for org in response.get_json()] == applicants


def test_list_without_a_status_has_every_organisation(client, app, admin, operator_headers):
    applicant = pending_organisation(app)
    listed = client.get("/api/v1/organisations", headers=operator_headers).get_json()
    assert {admin.organisation_id, applicant.organisation_id} <= {org["id"] for org in listed}
    assert len(listed) == 3  # with the operator's own organisation


def test_listed_organisation_shows_code_and_member_count_but_no_contacts(
    client, app, admin, operator_headers
):
    make_member(app, organisation_id=admin.organisation_id, is_admin=False)
    listed = client.get("/api/v1/organisations", headers=operator_headers).get_json()
    entry = next(org for org in listed if org["id"] == admin.organisation_id)
    assert entry["member_count"] == 2
    assert entry["credit_code"]
    assert not {"contact_email", "contact_phone", "contact_name", "members"} & entry.keys()


def test_unknown_status_filter_is_an_error_naming_the_choices(client, operator_headers):
    response = client.get("/api/v1/organisations?status=approved", headers=operator_headers)
    assert field_errors(response) == {"status": ["Choose one of: pending, verified, rejected."]}


# Audit log


def test_audit_log_shows_the_registration(client, operator_headers):
    data = organisation_data()
    assert client.post("/api/v1/registrations", json=data).status_code == 202
    first = Member(0, 0, str(data["email"]), str(data["password"]))
    token = issue_token(client, first)["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    registered = {
        "user_id": me["user_id"],
        "organisation_id": me["memberships"][0]["organisation_id"],
    }
    events = client.get("/api/v1/audit-events", headers=operator_headers).get_json()
    event = next(e for e in events if e["action"] == "organisation.registered")
    assert event["organisation_id"] == registered["organisation_id"]
    assert event["actor_id"] == registered["user_id"]
    assert event["subject"] == data["email"]
    assert event["detail"] == {"roles": ["vendor"]}


def test_audit_log_records_who_changed_an_organisation(
    client, admin, admin_headers, operator_headers
):
    client.patch(url(admin.organisation_id), json={"contact_name": "李娜"}, headers=admin_headers)
    events = client.get("/api/v1/audit-events", headers=operator_headers).get_json()
    event = next(e for e in events if e["action"] == "organisation.updated")
    assert event["actor_id"] == admin.user_id
    assert event["organisation_id"] == admin.organisation_id
    assert event["detail"] == {"fields": ["contact_name"]}


def test_audit_log_is_newest_first(client, admin, operator_headers):
    issue_token(client, admin)
    ids = [e["id"] for e in client.get("/api/v1/audit-events", headers=operator_headers).get_json()]
    assert len(ids) >= 3
    assert ids == sorted(ids, reverse=True)


def test_audit_log_pages_with_limit_and_before_id(client, admin, operator_headers):
    issue_token(client, admin)
    everything = client.get("/api/v1/audit-events", headers=operator_headers).get_json()
    first = client.get("/api/v1/audit-events?limit=2", headers=operator_headers).get_json()
    after = client.get(
        f"/api/v1/audit-events?limit=2&before_id={first[-1]['id']}", headers=operator_headers
    ).get_json()
    assert [e["id"] for e in first + after] == [e["id"] for e in everything[:4]]


@pytest.mark.parametrize("limit", [0, 501])
def test_audit_limit_outside_1_to_500_is_an_error_on_limit(client, operator_headers, limit):
    response = client.get(f"/api/v1/audit-events?limit={limit}", headers=operator_headers)
    assert set(field_errors(response)) == {"limit"}
