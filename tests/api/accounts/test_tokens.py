"""Bearer tokens: issued for a password, kept as a hash, expiring, revocable, and throttled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from exchange.accounts.models import ApiToken, User
from exchange.app import create_app
from exchange.extensions import db
from exchange.kernel.records import AuditEvent
from tests.api.helpers import (
    assert_problem,
    authorization,
    english_client,
    field_errors,
    issue_token,
    parse_time,
    row_counts,
)
from tests.factories import PASSWORD, Member, bearer, make_member

TOKENS = "/api/v1/auth/tokens"
TOKEN_FIELDS = {"id", "name", "created_at", "expires_at", "revoked_at"}
WRONG_PASSWORD = "Not-The-Password-1"


@pytest.fixture
def member(app) -> Member:
    return make_member(app)


def sign_in(client, email, password):
    return client.post(TOKENS, json={"email": email, "password": password})


def sign_in_with(client, member, **extra):
    return client.post(TOKENS, json={"email": member.email, "password": member.password, **extra})


def fail_sign_ins(client, email, times):
    for _ in range(times):
        assert sign_in(client, email, WRONG_PASSWORD).status_code == 401


def expire(app, token_id, when):
    with app.app_context():
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(expires_at=when))
        db.session.commit()


def test_right_password_gets_a_token(client, member):
    response = sign_in(client, member.email, member.password)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"id", "token", "name", "expires_at"}
    assert body["name"] == "api"
    assert len(body["token"]) >= 32


def test_token_opens_the_api(client, member):
    issued = issue_token(client, member)
    response = client.get("/api/v1/me", headers=authorization(issued))
    assert response.status_code == 200
    assert response.get_json()["user_id"] == member.user_id


def test_each_sign_in_gets_a_different_token(client, member):
    assert issue_token(client, member)["token"] != issue_token(client, member)["token"]


def test_email_is_matched_whatever_its_case(client, member):
    response = sign_in(client, member.email.upper(), member.password)
    assert response.status_code == 201


def test_token_is_stored_only_as_a_hash(client, app, member):
    issued = issue_token(client, member)
    with app.app_context():
        row = db.session.get(ApiToken, issued["id"])
        columns = ApiToken.__table__.columns
        stored = {column.key: str(getattr(row, column.key)) for column in columns}
    assert all(issued["token"] not in value for value in stored.values())
    assert len(stored["token_hash"]) == 64


def test_token_lasts_the_configured_lifetime_by_default(client, app, member):
    issued = issue_token(client, member)
    expected = datetime.now(UTC) + timedelta(hours=app.config["TOKEN_LIFETIME_HOURS"])
    assert abs(parse_time(issued["expires_at"]) - expected) < timedelta(minutes=1)


def test_token_lifetime_can_be_shortened(client, member):
    issued = issue_token(client, member, lifetime_hours=2)
    expected = datetime.now(UTC) + timedelta(hours=2)
    assert abs(parse_time(issued["expires_at"]) - expected) < timedelta(minutes=1)


def test_token_keeps_the_name_it_was_given(client, member):
    issued = issue_token(client, member, name="nightly price export")
    assert issued["name"] == "nightly price export"


@pytest.mark.parametrize("hours", [0, -1, 24 * 30 + 1])
def test_lifetime_outside_one_hour_to_the_maximum_is_an_error_on_lifetime_hours(
    client, app, member, hours
):
    before = row_counts(app)
    response = sign_in_with(client, member, lifetime_hours=hours)
    assert field_errors(response) == {"lifetime_hours": ["Choose between 1 and 720 hours."]}
    assert row_counts(app) == before


def test_token_request_with_unknown_field_is_refused(client, app, member):
    before = row_counts(app)
    response = sign_in_with(client, member, scope="admin")
    assert field_errors(response) == {"scope": ["Unknown field."]}
    assert row_counts(app) == before


def test_token_request_without_password_is_an_error_on_password(client, member):
    response = client.post(TOKENS, json={"email": member.email})
    assert field_errors(response) == {"password": ["Missing data for required field."]}


def test_wrong_password_is_refused_with_a_bearer_challenge(client, app, member):
    before = row_counts(app)["api_tokens"]
    response = sign_in(client, member.email, WRONG_PASSWORD)
    body = assert_problem(response, 401)
    assert body["detail"] == "The email or password is wrong."
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert row_counts(app)["api_tokens"] == before


def test_unknown_email_is_refused_exactly_like_a_wrong_password(client, member):
    unknown = sign_in(client, "nobody@example.cn", WRONG_PASSWORD)
    wrong = sign_in(client, member.email, WRONG_PASSWORD)
    assert assert_problem(unknown, 401)["detail"] == assert_problem(wrong, 401)["detail"]


def test_disabled_account_gets_no_token(client, app, member):
    with app.app_context():
        db.session.execute(update(User).where(User.id == member.user_id).values(is_active=False))
        db.session.commit()
    response = sign_in(client, member.email, member.password)
    assert assert_problem(response, 401)["detail"] == "The email or password is wrong."


def test_tokens_are_listed_newest_first_without_their_secrets(client, member):
    first = issue_token(client, member, name="first")
    second = issue_token(client, member, name="second")
    response = client.get(TOKENS, headers=authorization(second))
    assert response.status_code == 200
    listed = response.get_json()
    assert [token["id"] for token in listed] == [second["id"], first["id"]]
    assert all(set(token) == TOKEN_FIELDS for token in listed)
    assert first["token"] not in response.get_data(as_text=True)
    assert second["token"] not in response.get_data(as_text=True)


def test_list_shows_only_the_callers_own_tokens(client, app, member):
    other = make_member(app)
    issue_token(client, other)
    mine = issue_token(client, member)
    listed = client.get(TOKENS, headers=authorization(mine)).get_json()
    assert [token["id"] for token in listed] == [mine["id"]]


def test_revoking_a_token_answers_no_content(client, member):
    spare = issue_token(client, member)
    response = client.delete(f"{TOKENS}/{spare['id']}", headers=bearer(client, member))
    assert response.status_code == 204
    assert response.get_data() == b""


def test_revoked_token_is_refused(client, member):
    spare = issue_token(client, member)
    client.delete(f"{TOKENS}/{spare['id']}", headers=bearer(client, member))
    response = client.get("/api/v1/me", headers=authorization(spare))
    body = assert_problem(response, 401)
    assert body["detail"] == "The token is invalid, expired or revoked."
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_can_revoke_itself(client, member):
    issued = issue_token(client, member)
    headers = authorization(issued)
    assert client.delete(f"{TOKENS}/{issued['id']}", headers=headers).status_code == 204
    assert_problem(client.get("/api/v1/me", headers=headers), 401)


def test_revoked_token_is_listed_with_its_revocation_time(client, member):
    spare = issue_token(client, member)
    headers = bearer(client, member)
    client.delete(f"{TOKENS}/{spare['id']}", headers=headers)
    listed = {token["id"]: token for token in client.get(TOKENS, headers=headers).get_json()}
    revoked_at = parse_time(listed[spare["id"]]["revoked_at"])
    assert abs(revoked_at - datetime.now(UTC)) < timedelta(minutes=1)


def test_revoking_a_revoked_token_again_changes_nothing(client, member):
    spare = issue_token(client, member)
    headers = bearer(client, member)
    client.delete(f"{TOKENS}/{spare['id']}", headers=headers)
    first = {t["id"]: t for t in client.get(TOKENS, headers=headers).get_json()}[spare["id"]]
    assert client.delete(f"{TOKENS}/{spare['id']}", headers=headers).status_code == 204
    again = {t["id"]: t for t in client.get(TOKENS, headers=headers).get_json()}[spare["id"]]
    assert again["revoked_at"] == first["revoked_at"]


def test_revoking_someone_elses_token_is_not_found_and_leaves_it_working(client, app, member):
    other = make_member(app)
    theirs = issue_token(client, other)
    response = client.delete(f"{TOKENS}/{theirs['id']}", headers=bearer(client, member))
    assert assert_problem(response, 404)["type"] == "urn:ganshu:problem:not-found"
    assert client.get("/api/v1/me", headers=authorization(theirs)).status_code == 200


def test_revoking_an_unknown_token_is_not_found(client, member):
    response = client.delete(f"{TOKENS}/999999", headers=bearer(client, member))
    assert_problem(response, 404)


def test_expired_token_is_refused(client, app, member):
    issued = issue_token(client, member)
    expire(app, issued["id"], datetime.now(UTC) - timedelta(seconds=1))
    response = client.get("/api/v1/me", headers=authorization(issued))
    body = assert_problem(response, 401)
    assert body["detail"] == "The token is invalid, expired or revoked."
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_not_yet_expired_still_works(client, app, member):
    issued = issue_token(client, member)
    expire(app, issued["id"], datetime.now(UTC) + timedelta(minutes=1))
    assert client.get("/api/v1/me", headers=authorization(issued)).status_code == 200


def test_token_of_a_disabled_account_is_refused(client, app, member):
    issued = issue_token(client, member)
    with app.app_context():
        db.session.execute(update(User).where(User.id == member.user_id).values(is_active=False))
        db.session.commit()
    assert_problem(client.get("/api/v1/me", headers=authorization(issued)), 401)


def test_unknown_token_is_refused(client):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer gsx_made-up"})
    assert assert_problem(response, 401)["detail"] == "The token is invalid, expired or revoked."


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "Token abc"])
def test_request_without_a_bearer_token_is_unauthenticated(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    body = assert_problem(response, 401)
    assert body["type"] == "urn:ganshu:problem:not-authenticated"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="ganshu"'


def test_bearer_scheme_is_case_insensitive(client, member):
    issued = issue_token(client, member)
    response = client.get("/api/v1/me", headers={"Authorization": f"bearer {issued['token']}"})
    assert response.status_code == 200


def test_sign_in_after_fewer_failures_than_the_limit_still_works(client, member):
    fail_sign_ins(client, member.email, 4)
    assert sign_in(client, member.email, member.password).status_code == 201


def test_sign_in_after_five_failures_from_one_address_waits_even_with_the_right_password(
    client, app, member
):
    fail_sign_ins(client, member.email, 5)
    before = row_counts(app)["api_tokens"]
    response = sign_in(client, member.email, member.password)
    body = assert_problem(response, 429)
    assert body["type"] == "urn:ganshu:problem:too-many-attempts"
    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= app.config["SIGNIN_WINDOW_SECONDS"]
    assert body["detail"] == f"Too many attempts; try again in {wait} seconds."
    assert row_counts(app)["api_tokens"] == before


def test_failures_before_a_successful_sign_in_are_forgiven(client, member):
    fail_sign_ins(client, member.email, 4)
    assert sign_in(client, member.email, member.password).status_code == 201
    fail_sign_ins(client, member.email, 4)
    assert sign_in(client, member.email, member.password).status_code == 201


def test_throttling_counts_failures_whatever_the_email_case(client, member):
    fail_sign_ins(client, member.email.upper(), 5)
    assert_problem(sign_in(client, member.email, member.password), 429)


def test_throttling_one_email_leaves_other_accounts_alone(client, app, member):
    other = make_member(app)
    fail_sign_ins(client, member.email, 5)
    assert sign_in(client, other.email, PASSWORD).status_code == 201


def test_throttled_attempts_are_audited(client, app, member):
    fail_sign_ins(client, member.email, 5)
    sign_in(client, member.email, member.password)
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.subject == member.email)
        ).all()
    assert actions.count("auth.sign_in_failed") == 5
    assert actions.count("auth.sign_in_throttled") == 1


@pytest.fixture
def strict_app(app, database_url, tmp_path):
    """The exchange on the same database, tolerating only two failed sign-ins in ten minutes."""
    strict = create_app(
        {
            "MODE": "test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(tmp_path / "strict"),
            "SIGNIN_MAX_FAILURES": 2,
            "SIGNIN_WINDOW_SECONDS": 600,
        }
    )
    yield strict
    with strict.app_context():
        db.session.remove()
        db.engine.dispose()


def test_throttling_follows_the_configured_limit_and_window(strict_app):
    client = english_client(strict_app)
    member = make_member(strict_app)
    fail_sign_ins(client, member.email, 2)
    response = sign_in(client, member.email, member.password)
    assert_problem(response, 429)
    assert 60 < int(response.headers["Retry-After"]) <= 600
