"""GET and PATCH /api/v1/me: who the token belongs to, and their own profile."""

from __future__ import annotations

import pytest

from exchange.kernel.vocabulary import Role
from tests.api.helpers import assert_problem, field_errors, row_counts
from tests.factories import PASSWORD, Member, bearer, make_member

ME = "/api/v1/me"
NEW_PASSWORD = "Tungsten-Ledger-2027"


@pytest.fixture
def member(app) -> Member:
    return make_member(app, [Role.VENDOR, Role.BUYER])


@pytest.fixture
def headers(client, member) -> dict[str, str]:
    return bearer(client, member)


def test_me_returns_the_token_owner(client, member, headers):
    response = client.get(ME, headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["user_id"] == member.user_id
    assert body["email"] == member.email
    assert body["locale"] is None


def test_me_lists_the_membership_with_its_roles_and_status(client, member, headers):
    response = client.get(ME, headers=headers)
    [membership] = response.get_json()["memberships"]
    assert membership["organisation_id"] == member.organisation_id
    # Roles are a set: their order in the response carries no meaning.
    assert sorted(membership["roles"]) == ["buyer", "vendor"]
    assert membership["is_admin"] is True
    assert membership["verification_status"] == "verified"


def test_me_of_a_plain_member_shows_no_admin_rights(client, app, member):
    colleague = make_member(
        app, [Role.VENDOR], organisation_id=member.organisation_id, is_admin=False
    )
    response = client.get(ME, headers=bearer(client, colleague))
    [membership] = response.get_json()["memberships"]
    assert membership["organisation_id"] == member.organisation_id
    assert membership["roles"] == ["vendor"]
    assert membership["is_admin"] is False


def test_me_never_shows_the_password_hash(client, headers):
    body = client.get(ME, headers=headers).get_json()
    assert set(body) == {"user_id", "email", "display_name", "locale", "memberships"}
    assert "argon2" not in str(body)


def test_me_without_a_token_is_unauthenticated(client):
    response = client.get(ME)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="ganshu"'


def test_profile_update_without_a_token_is_unauthenticated(client):
    response = client.patch(ME, json={"display_name": "匿名"})
    assert_problem(response, 401)


def test_display_name_can_be_changed(client, headers):
    response = client.patch(ME, json={"display_name": "李娜"}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["display_name"] == "李娜"
    assert client.get(ME, headers=headers).get_json()["display_name"] == "李娜"


def test_display_name_is_trimmed(client, headers):
    response = client.patch(ME, json={"display_name": "  李娜 \n"}, headers=headers)
    assert response.get_json()["display_name"] == "李娜"


def test_blank_display_name_is_an_error_on_display_name(client, headers):
    response = client.patch(ME, json={"display_name": "   "}, headers=headers)
    assert field_errors(response) == {"display_name": ["Enter between 1 and 80 characters."]}


def test_overlong_display_name_is_an_error_and_changes_nothing(client, headers):
    before = client.get(ME, headers=headers).get_json()
    response = client.patch(ME, json={"display_name": "名" * 81}, headers=headers)
    assert field_errors(response) == {"display_name": ["Enter between 1 and 80 characters."]}
    assert client.get(ME, headers=headers).get_json() == before


def test_language_can_be_set_to_english(client, headers):
    response = client.patch(ME, json={"locale": "en"}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["locale"] == "en"


def test_unsupported_language_is_an_error_on_locale(client, headers):
    response = client.patch(ME, json={"locale": "fr"}, headers=headers)
    assert field_errors(response) == {"locale": ["Choose Chinese or English."]}


def test_email_cannot_be_changed_through_the_profile(client, member, headers):
    response = client.patch(ME, json={"email": "new@example.cn"}, headers=headers)
    assert field_errors(response) == {"email": ["Unknown field."]}
    assert client.get(ME, headers=headers).get_json()["email"] == member.email


def test_wrong_type_in_profile_update_is_an_error_on_its_field(client, headers):
    response = client.patch(ME, json={"display_name": ["李娜"]}, headers=headers)
    assert field_errors(response) == {"display_name": ["Not a valid string."]}


def test_malformed_profile_update_is_a_bad_request(client, headers):
    response = client.patch(
        ME, data="{display_name", content_type="application/json", headers=headers
    )
    assert assert_problem(response, 400)["detail"] == "Invalid JSON body."


def test_empty_profile_update_changes_nothing(client, headers):
    before = client.get(ME, headers=headers).get_json()
    response = client.patch(ME, json={}, headers=headers)
    assert response.status_code == 200
    assert response.get_json() == before


def test_new_password_replaces_the_old_one(client, member, headers):
    response = client.patch(
        ME, json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}, headers=headers
    )
    assert response.status_code == 200
    old = client.post("/api/v1/auth/tokens", json={"email": member.email, "password": PASSWORD})
    new = client.post("/api/v1/auth/tokens", json={"email": member.email, "password": NEW_PASSWORD})
    assert old.status_code == 401
    assert new.status_code == 201


def test_password_change_without_the_current_password_is_refused(client, member, headers):
    response = client.patch(ME, json={"new_password": NEW_PASSWORD}, headers=headers)
    assert field_errors(response) == {"current_password": ["The current password is wrong."]}
    again = client.post("/api/v1/auth/tokens", json={"email": member.email, "password": PASSWORD})
    assert again.status_code == 201


def test_password_change_with_a_wrong_current_password_is_refused(client, member, headers):
    response = client.patch(
        ME, json={"current_password": "Guess-1234", "new_password": NEW_PASSWORD}, headers=headers
    )
    assert field_errors(response) == {"current_password": ["The current password is wrong."]}
    assert (
        client.post(
            "/api/v1/auth/tokens", json={"email": member.email, "password": NEW_PASSWORD}
        ).status_code
        == 401
    )


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("Gx7#kq2", "Use at least 8 characters."),
        ("Gx7#kq2!" * 16 + "x", "Use at most 128 characters."),
        ("password1", "This password is too common; choose another."),
    ],
)
def test_unacceptable_new_password_is_an_error_on_new_password(
    client, app, headers, new_password, message
):
    before = row_counts(app)
    response = client.patch(
        ME, json={"current_password": PASSWORD, "new_password": new_password}, headers=headers
    )
    assert field_errors(response) == {"new_password": [message]}
    assert row_counts(app) == before


def test_refused_password_change_keeps_the_other_changes_out_too(client, headers):
    response = client.patch(
        ME,
        json={"display_name": "李娜", "current_password": "Guess-1234", "new_password": "short"},
        headers=headers,
    )
    assert set(field_errors(response)) == {"current_password", "new_password"}
    assert client.get(ME, headers=headers).get_json()["display_name"] != "李娜"
