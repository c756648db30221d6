"""Web sessions live on the server: signing out, a new password or age ends them for good."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from exchange.accounts.models import WebSession
from exchange.extensions import db
from tests.factories import Member, bearer, csrf_token, make_member, sign_in

COOKIE = "ganshu_session"
NEW_PASSWORD = "Copper-Ledger-2026!"


@pytest.fixture
def member(app: Flask) -> Member:
    return make_member(app)


def signed_in(app: Flask, member: Member) -> FlaskClient:
    """A browser of its own, signed in as the member."""
    browser = app.test_client()
    sign_in(browser, member)
    return browser


def is_signed_in(browser: FlaskClient) -> bool:
    """True when the profile page opens rather than sending the browser to sign in."""
    status = browser.get("/profile").status_code
    assert status in (200, 302)
    return status == 200


def saved_cookie(browser: FlaskClient) -> str:
    cookie = browser.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def browser_with(app: Flask, cookie: str) -> FlaskClient:
    """A new browser replaying a saved session cookie."""
    replay = app.test_client()
    replay.set_cookie(COOKIE, cookie)
    return replay


def sign_out(browser: FlaskClient) -> None:
    token = csrf_token(browser, "/profile")
    assert browser.post("/sign-out", data={"csrf_token": token}).status_code == 302


def change_password_on_the_page(browser: FlaskClient, current: str, new: str) -> int:
    token = csrf_token(browser, "/profile")
    response = browser.post(
        "/profile",
        data={"current_password": current, "new_password": new, "csrf_token": token},
    )
    return response.status_code


def age_sessions(app: Flask, **columns: timedelta) -> None:
    """Move every session's timestamps back by the given amounts."""
    now = datetime.now(UTC)
    with app.app_context():
        db.session.execute(update(WebSession).values({k: now - v for k, v in columns.items()}))
        db.session.commit()


def test_cookie_saved_before_sign_out_no_longer_signs_in(app, member):
    browser = signed_in(app, member)
    cookie = saved_cookie(browser)
    assert is_signed_in(browser_with(app, cookie))
    sign_out(browser)
    assert not is_signed_in(browser_with(app, cookie))


def test_sign_out_records_the_end_of_the_session(app, member):
    browser = signed_in(app, member)
    sign_out(browser)
    with app.app_context():
        [row] = db.session.scalars(select(WebSession)).all()
    assert row.user_id == member.user_id
    assert row.ended_at is not None


def test_the_database_holds_only_a_hash_of_the_session_id(app, member):
    browser = signed_in(app, member)
    with browser.session_transaction() as session:
        sid = session["sid"]
    with app.app_context():
        [row] = db.session.scalars(select(WebSession)).all()
    assert len(row.sid_hash) == 64
    assert sid not in row.sid_hash


def test_signing_in_again_ends_the_browsers_earlier_session(app, member):
    browser = signed_in(app, member)
    earlier = saved_cookie(browser)
    token = csrf_token(browser, "/profile")
    again = {"email": member.email, "password": member.password, "csrf_token": token}
    assert browser.post("/sign-in", data=again).status_code == 302
    assert is_signed_in(browser)
    assert not is_signed_in(browser_with(app, earlier))


def test_new_password_on_the_page_ends_other_sessions_but_keeps_this_one(app, member):
    here, elsewhere = signed_in(app, member), signed_in(app, member)
    assert change_password_on_the_page(here, member.password, NEW_PASSWORD) == 302
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)


def test_new_password_on_the_page_revokes_every_api_token(app, client, member):
    headers = bearer(client, member)
    browser = signed_in(app, member)
    assert change_password_on_the_page(browser, member.password, NEW_PASSWORD) == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_new_password_through_the_api_ends_web_sessions_and_revokes_tokens(app, client, member):
    browser = signed_in(app, member)
    caller, other = bearer(client, member), bearer(client, member)
    response = client.patch(
        "/api/v1/me",
        json={"current_password": member.password, "new_password": NEW_PASSWORD},
        headers=caller,
    )
    assert response.status_code == 200
    assert not is_signed_in(browser)
    assert client.get("/api/v1/me", headers=other).status_code == 401
    assert client.get("/api/v1/me", headers=caller).status_code == 401
    renewed = Member(member.user_id, member.organisation_id, member.email, NEW_PASSWORD)
    assert client.get("/api/v1/me", headers=bearer(client, renewed)).status_code == 200


def test_wrong_current_password_ends_nothing(app, client, member):
    headers = bearer(client, member)
    here, elsewhere = signed_in(app, member), signed_in(app, member)
    assert change_password_on_the_page(here, "Not-The-Password-9", NEW_PASSWORD) == 422
    assert is_signed_in(here) and is_signed_in(elsewhere)
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_other_users_sessions_and_tokens_survive_a_password_change(app, client, member):
    other = make_member(app)
    their_browser, their_token = signed_in(app, other), bearer(client, other)
    assert change_password_on_the_page(signed_in(app, member), member.password, NEW_PASSWORD) == 302
    assert is_signed_in(their_browser)
    assert client.get("/api/v1/me", headers=their_token).status_code == 200


def test_session_ends_after_its_absolute_lifetime_however_busy(app, member):
    browser = signed_in(app, member)
    lifetime = timedelta(seconds=app.config["SESSION_ABSOLUTE_SECONDS"])
    assert lifetime == timedelta(hours=12)
    age_sessions(app, created_at=lifetime - timedelta(minutes=1))
    assert is_signed_in(browser)
    age_sessions(app, created_at=lifetime + timedelta(seconds=1))
    assert not is_signed_in(browser)
    with app.app_context():
        assert db.session.scalar(select(WebSession.ended_at)) is not None


def test_absolute_lifetime_follows_configuration(app, member):
    app.config["SESSION_ABSOLUTE_SECONDS"] = 600
    browser = signed_in(app, member)
    age_sessions(app, created_at=timedelta(seconds=601))
    assert not is_signed_in(browser)


def test_session_unused_for_longer_than_the_idle_lifetime_ends(app, member):
    browser = signed_in(app, member)
    idle = app.permanent_session_lifetime
    age_sessions(app, last_seen_at=idle - timedelta(minutes=1))
    assert is_signed_in(browser)
    age_sessions(app, last_seen_at=idle + timedelta(seconds=1))
    assert not is_signed_in(browser)


def test_a_cookie_without_a_server_session_signs_no_one_in(app, member):
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = str(member.user_id)
        session["_fresh"] = True
    assert not is_signed_in(browser)
