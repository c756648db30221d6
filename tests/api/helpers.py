"""What the API tests share: an English-speaking client, problem checks, row counts, tokens."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cached_property
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from exchange.accounts.models import ApiToken, Membership, Organisation, User
from exchange.extensions import db
from exchange.kernel.records import AuditEvent
from exchange.kernel.vocabulary import Role
from tests.catalog import Person, person
from tests.factories import Member

PROBLEM = "application/problem+json"
PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance"}
# The problem types of the refusals the role matrices expect.
PROBLEM_TYPES = {
    401: "urn:ganshu:problem:not-authenticated",
    403: "urn:ganshu:problem:forbidden",
    404: "urn:ganshu:problem:not-found",
}
COUNTED = (Organisation, User, Membership, ApiToken, AuditEvent)


def english_client(app: Flask) -> FlaskClient:
    """A client whose every request asks for English, so messages can be compared."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def assert_problem(response: TestResponse, status: int) -> dict[str, Any]:
    """Check an RFC 9457 problem+json response with this status and return its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert PROBLEM_MEMBERS <= body.keys(), body
    assert body["status"] == status
    assert body["instance"] == response.request.path
    assert body["title"] and body["detail"]
    return body


def field_errors(response: TestResponse, status: int = 422) -> dict[str, list[str]]:
    """The `errors` member of a problem response with this status."""
    body = assert_problem(response, status)
    assert isinstance(body.get("errors"), dict), body
    return body["errors"]


def row_counts(app: Flask) -> dict[str, int]:
    """How many rows each table of accounts, organisations, tokens and audit events holds."""
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in COUNTED
        }


def issue_token(client: FlaskClient, member: Member, **extra: Any) -> dict[str, Any]:
    """A new token for the member, as the API returns it (id, token, name, expires_at)."""
    response = client.post(
        "/api/v1/auth/tokens",
        json={"email": member.email, "password": member.password, **extra},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def authorization(issued: dict[str, Any]) -> dict[str, str]:
    """The Authorization header for an issued token."""
    return {"Authorization": f"Bearer {issued['token']}"}


def parse_time(value: str) -> datetime:
    """An ISO 8601 timestamp from a response body."""
    return datetime.fromisoformat(value)


MATRIX_ROLES = ("anonymous", "vendor", "other_vendor", "buyer", "operator", "regulator")


class RolePeople:
    """One person per role of an authorisation matrix, each made when first needed."""

    def __init__(self, app: Flask, client: FlaskClient) -> None:
        self.app = app
        self.client = client

    @cached_property
    def vendor(self) -> Person:
        return person(self.app, [Role.VENDOR])

    @cached_property
    def other_vendor(self) -> Person:
        return person(self.app, [Role.VENDOR])

    @cached_property
    def buyer(self) -> Person:
        return person(self.app, [Role.BUYER])

    @cached_property
    def operator(self) -> Person:
        return person(self.app, [Role.OPERATOR])

    @cached_property
    def regulator(self) -> Person:
        return person(self.app, [Role.REGULATOR])

    def headers(self, role: str) -> dict[str, str]:
        """The role's bearer header; none for the anonymous visitor."""
        return {} if role == "anonymous" else getattr(self, role).headers


def matrix_answers(
    world: Any,
    endpoint: Any,
    call: Callable[[Any, Any, str, Any], TestResponse],
    state: Callable[[], Any],
    problem_types: Mapping[int, str],
) -> tuple[dict[str, int], list[str], list[str]]:
    """Each role's status on one endpoint of an authorisation matrix, the refused roles whose
    call changed `state()`, and those whose refusal is not the problem of its status.

    Refusals go first, on one target; each allowed role then acts, on a target of its own when
    the endpoint changes it (`reads` false)."""
    expected: dict[str, int] = endpoint.expected
    roles = list(expected)  # MATRIX_ROLES, and any a matrix adds
    allowed = [role for role in roles if expected[role] < 400]
    target = world.target(endpoint.stage) if endpoint.stage else None
    got: dict[str, int] = {}
    wrote: list[str] = []
    malformed: list[str] = []
    for role in roles:
        if role in allowed:
            continue
        before = state()
        response = call(world, endpoint, role, target)
        got[role] = response.status_code
        if state() != before:
            wrote.append(role)
        problem = response.get_json(silent=True) or {}
        if problem.get("type") != problem_types.get(response.status_code):
            malformed.append(role)
    for index, role in enumerate(allowed):
        if index > 0 and endpoint.stage and not endpoint.reads:
            target = world.target(endpoint.stage)
        got[role] = call(world, endpoint, role, target).status_code
    return got, wrote, malformed
