"""Sign-in throttling: growing delays per account and address that a stranger cannot turn into
a lockout of the owner, and that hold under concurrent attempts, in memory and in Redis."""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from exchange.app import create_app
from exchange.extensions import db
from tests.api.helpers import assert_problem, english_client
from tests.components import REDIS_URL
from tests.factories import bearer, csrf_token, make_member
from tests.serving import served

TOKENS = "/api/v1/auth/tokens"
WRONG = "Not-The-Password-1"
STRANGER, OWNER = "203.0.113.9", "198.51.100.7"


def from_address(app: Flask, address: str) -> FlaskClient:
    client = english_client(app)
    client.environ_base["REMOTE_ADDR"] = address
    return client


def token_attempt(client: FlaskClient, email: str, password: str) -> int:
    return client.post(TOKENS, json={"email": email, "password": password}).status_code


def form_attempt(client: FlaskClient, email: str, password: str) -> int:
    token = csrf_token(client, "/sign-in")
    data = {"email": email, "password": password, "csrf_token": token}
    return client.post("/sign-in", data=data).status_code


@contextmanager
def app_with(database_url: str, tmp_path: Any, **config: Any) -> Iterator[Flask]:
    """A second exchange on the test's database with its own throttle settings."""
    other = create_app(
        {
            "MODE": "test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(tmp_path / f"instance-{uuid.uuid4().hex[:8]}"),
            **config,
        }
    )
    try:
        yield other
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def concurrent_statuses(
    port: int, method: str, path: str, bodies: list[dict[str, Any]], **headers: str
) -> Counter[int]:
    """Send every body at once (released together by a barrier) and count the statuses."""
    barrier = threading.Barrier(len(bodies))

    def send(body: dict[str, Any]) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        payload = json.dumps(body)
        barrier.wait()
        connection.request(method, path, payload, {"Content-Type": "application/json", **headers})
        status = connection.getresponse().status
        connection.close()
        return status

    with ThreadPoolExecutor(len(bodies)) as pool:
        return Counter(pool.map(send, bodies))


# A stranger cannot lock the owner out -------------------------------------------------------


def test_a_strangers_failures_do_not_lock_the_owner_out(app):
    member = make_member(app)
    stranger = from_address(app, STRANGER)
    statuses = [token_attempt(stranger, member.email, WRONG) for _ in range(10)]
    assert statuses == [401] * 5 + [429] * 5
    assert token_attempt(from_address(app, OWNER), member.email, member.password) == 201


def test_failures_from_the_owners_address_make_even_the_right_password_wait(app):
    member = make_member(app)
    owner = from_address(app, OWNER)
    for _ in range(5):
        assert token_attempt(owner, member.email, WRONG) == 401
    response = owner.post(TOKENS, json={"email": member.email, "password": member.password})
    body = assert_problem(response, 429)
    assert body["type"] == "urn:ganshu:problem:too-many-attempts"
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_right_password_works_again_once_the_wait_has_passed(database_url, tmp_path):
    with app_with(database_url, tmp_path, SIGNIN_MAX_FAILURES=2, SIGNIN_WINDOW_SECONDS=1) as app:
        member = make_member(app)
        client = from_address(app, OWNER)
        assert [token_attempt(client, member.email, WRONG) for _ in range(3)] == [401, 401, 429]
        time.sleep(1.1)
        assert token_attempt(client, member.email, member.password) == 201


def test_the_wait_grows_as_failures_go_on(database_url, tmp_path):
    with app_with(database_url, tmp_path, SIGNIN_MAX_FAILURES=2, SIGNIN_WINDOW_SECONDS=1) as app:
        member = make_member(app)
        client = from_address(app, OWNER)
        assert [token_attempt(client, member.email, WRONG) for _ in range(2)] == [401, 401]
        first = client.post(TOKENS, json={"email": member.email, "password": WRONG})
        assert_problem(first, 429)
        assert first.headers["Retry-After"] == "1"
        time.sleep(1.1)
        assert [token_attempt(client, member.email, WRONG) for _ in range(2)] == [401, 401]
        second = client.post(TOKENS, json={"email": member.email, "password": WRONG})
        assert_problem(second, 429)
        # The second tier: four attempts in eight seconds, so the wait is now several seconds.
        assert 2 <= int(second.headers["Retry-After"]) <= 8


def test_many_addresses_guessing_one_account_lock_only_browsers_it_never_used(app):
    app.config["SIGNIN_MAX_FAILURES_PER_ACCOUNT"] = 3
    member = make_member(app)
    owners_browser = from_address(app, OWNER)
    assert form_attempt(owners_browser, member.email, member.password) == 302
    owners_browser.post("/sign-out", data={"csrf_token": csrf_token(owners_browser, "/profile")})
    for n in range(3):
        assert token_attempt(from_address(app, f"203.0.113.{n + 20}"), member.email, WRONG) == 401
    assert token_attempt(from_address(app, "203.0.113.99"), member.email, member.password) == 429
    assert form_attempt(owners_browser, member.email, member.password) == 302


def test_the_form_and_the_token_endpoint_share_one_count(app):
    member = make_member(app)
    browser = from_address(app, OWNER)
    for _ in range(5):
        assert form_attempt(browser, member.email, WRONG) == 401
    assert token_attempt(from_address(app, OWNER), member.email, member.password) == 429


def test_failures_across_many_accounts_from_one_address_are_throttled(app):
    app.config["SIGNIN_MAX_FAILURES_PER_ADDRESS"] = 4
    sprayer = from_address(app, STRANGER)
    statuses = [token_attempt(sprayer, f"user{n}@example.cn", WRONG) for n in range(6)]
    assert statuses == [401] * 4 + [429] * 2
    member = make_member(app)
    assert token_attempt(from_address(app, OWNER), member.email, member.password) == 201


# The current password asked before a change -------------------------------------------------


def test_guessing_the_current_password_through_the_api_is_throttled(app, client):
    member = make_member(app)
    headers = bearer(client, member)
    guess = {"current_password": WRONG, "new_password": "Copper-Ledger-2026!"}
    for _ in range(5):
        assert client.patch("/api/v1/me", json=guess, headers=headers).status_code == 422
    right = guess | {"current_password": member.password}
    response = client.patch("/api/v1/me", json=right, headers=headers)
    assert_problem(response, 429)
    assert int(response.headers["Retry-After"]) > 0
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # nothing changed


def test_guessing_the_current_password_on_the_profile_page_is_throttled(app):
    member = make_member(app)
    browser = from_address(app, OWNER)
    assert form_attempt(browser, member.email, member.password) == 302

    def change(current: str) -> int:
        token = csrf_token(browser, "/profile")
        data = {"current_password": current, "new_password": "Copper-Ledger-2026!"}
        return browser.post("/profile", data=data | {"csrf_token": token}).status_code

    assert [change(WRONG) for _ in range(6)] == [422] * 5 + [429]


# Concurrent attempts -----------------------------------------------------------------------


def test_twenty_concurrent_guesses_get_no_more_than_the_limit(app):
    member = make_member(app)
    bodies = [{"email": member.email, "password": WRONG}] * 20
    with served(app) as port:
        statuses = concurrent_statuses(port, "POST", TOKENS, bodies)
    assert statuses == Counter({401: 5, 429: 15})


def test_twenty_concurrent_current_password_guesses_get_no_more_than_the_limit(app, client):
    member = make_member(app)
    headers = bearer(client, member)
    bodies = [{"current_password": WRONG, "new_password": "Copper-Ledger-2026!"}] * 20
    with served(app) as port:
        statuses = concurrent_statuses(port, "PATCH", "/api/v1/me", bodies, **headers)
    assert statuses == Counter({422: 5, 429: 15})


def test_twenty_concurrent_guesses_in_redis_get_no_more_than_the_limit(
    database_url, tmp_path, redis_prefix
):
    redis_config = {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": redis_prefix}
    with app_with(database_url, tmp_path, **redis_config) as app:
        member = make_member(app)
        bodies = [{"email": member.email, "password": WRONG}] * 20
        with served(app) as port:
            statuses = concurrent_statuses(port, "POST", TOKENS, bodies)
    assert statuses == Counter({401: 5, 429: 15})


def test_two_processes_sharing_redis_share_the_count(database_url, tmp_path, redis_prefix):
    redis_config = {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": redis_prefix}
    with (
        app_with(database_url, tmp_path, **redis_config) as first,
        app_with(database_url, tmp_path, **redis_config) as second,
    ):
        member = make_member(first)
        for _ in range(5):
            assert token_attempt(english_client(first), member.email, WRONG) == 401
        assert token_attempt(english_client(second), member.email, member.password) == 429


def test_success_forgives_the_accounts_count(app):
    member = make_member(app)
    client = from_address(app, OWNER)
    for _ in range(2):
        assert [token_attempt(client, member.email, WRONG) for _ in range(4)] == [401] * 4
        assert token_attempt(client, member.email, member.password) == 201


def test_a_throttle_whose_storage_is_down_refuses_with_a_503_not_an_uncounted_attempt(
    database_url, tmp_path
):
    unreachable = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"}  # nothing listens on port 1
    with app_with(database_url, tmp_path, **unreachable) as app:
        member = make_member(app)
        client = english_client(app)
        response = client.post(TOKENS, json={"email": member.email, "password": member.password})
        problem = assert_problem(response, 503)
        assert problem["type"].endswith("throttle-unavailable")
        assert response.headers["Retry-After"] == "60"
