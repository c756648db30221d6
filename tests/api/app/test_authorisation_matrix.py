"""Who may do what, proven through HTTP: every role against every endpoint, cell by cell.

Organisation A is a vendor awaiting verification; B is another vendor. The services decide;
these tests only watch what comes back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from exchange.kernel.vocabulary import Role
from tests.api.helpers import PROBLEM_TYPES, assert_problem, authorization, issue_token, row_counts
from tests.factories import Member, bearer, make_member, organisation_data

ROLES = ("anonymous", "admin_a", "member_a", "admin_b", "buyer", "regulator", "operator")
PUBLIC_FIELDS = {"id", "name_zh", "name_en", "region", "dcmm_level", "verification_status"}


class World:
    """The people of the matrix, each made only when a cell needs them."""

    def __init__(self, app: Flask, client: FlaskClient) -> None:
        self.app = app
        self.client = client

    @cached_property
    def admin_a(self) -> Member:
        return make_member(self.app, [Role.VENDOR], verified=False)

    @property
    def org_a(self) -> int:
        return self.admin_a.organisation_id

    @cached_property
    def member_a(self) -> Member:
        return make_member(self.app, [Role.VENDOR], organisation_id=self.org_a, is_admin=False)

    @cached_property
    def admin_b(self) -> Member:
        return make_member(self.app, [Role.VENDOR])

    @cached_property
    def buyer(self) -> Member:
        return make_member(self.app, [Role.BUYER])

    @cached_property
    def regulator(self) -> Member:
        return make_member(self.app, [Role.REGULATOR])

    @cached_property
    def operator(self) -> Member:
        return make_member(self.app, [Role.OPERATOR])

    @cached_property
    def admin_a_token(self) -> dict[str, Any]:
        return issue_token(self.client, self.admin_a)

    def person(self, role: str) -> Member:
        return getattr(self, role)

    def headers(self, role: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        if role == "admin_a":
            return authorization(self.admin_a_token)
        return bearer(self.client, self.person(role))


@pytest.fixture
def world(app, client) -> World:
    return World(app, client)


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: Callable[[World], str]
    body: Callable[[World], Any] | None
    allowed: dict[str, int]  # role -> success status; every other signed-in role gets `denied`
    denied: int = 403
    anonymous: int = 401
    check: Callable[[World, str, Any], None] = lambda world, role, body: None

    def expected(self, role: str) -> int:
        if role in self.allowed:
            return self.allowed[role]
        return self.anonymous if role == "anonymous" else self.denied


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES[1:], status)


def check_me(world: World, role: str, body: Any) -> None:
    assert body["user_id"] == world.person(role).user_id


def check_organisation_a(world: World, role: str, body: Any) -> None:
    assert body["id"] == world.org_a


def check_contact(world: World, role: str, body: Any) -> None:
    assert body["contact_name"] == "李娜"


def check_new_member(world: World, role: str, body: Any) -> None:
    assert body["email"] == "matrix.colleague@example.cn"
    assert body["roles"] == ["vendor"]


def check_roles(world: World, role: str, body: Any) -> None:
    assert body["user_id"] == world.member_a.user_id
    assert body["roles"] == ["buyer", "vendor"]


def check_verified(world: World, role: str, body: Any) -> None:
    assert body["verification_status"] == "verified"


def check_pending_list(world: World, role: str, body: Any) -> None:
    assert [org["id"] for org in body] == [world.org_a]


def check_audit(world: World, role: str, body: Any) -> None:
    assert body and all("action" in event for event in body)


def check_list(world: World, role: str, body: Any) -> None:
    assert isinstance(body, list) and body


def check_registered(world: World, role: str, body: Any) -> None:
    assert set(body) == {"detail"}  # the same answer whether or not the email is known


def check_token(world: World, role: str, body: Any) -> None:
    assert body["token"]


def check_openapi(world: World, role: str, body: Any) -> None:
    assert body["openapi"].startswith("3.")


ENDPOINTS = {
    "read me": Endpoint("GET", lambda w: "/api/v1/me", None, everyone(200), check=check_me),
    "update me": Endpoint(
        "PATCH",
        lambda w: "/api/v1/me",
        lambda w: {"display_name": "矩阵"},
        everyone(200),
        check=check_me,
    ),
    "list tokens": Endpoint(
        "GET", lambda w: "/api/v1/auth/tokens", None, everyone(200), check=check_list
    ),
    "revoke admin A's token": Endpoint(
        "DELETE",
        lambda w: f"/api/v1/auth/tokens/{w.admin_a_token['id']}",
        None,
        {"admin_a": 204},
        denied=404,
    ),
    "read organisation A": Endpoint(
        "GET",
        lambda w: f"/api/v1/organisations/{w.org_a}",
        None,
        everyone(200),
        check=check_organisation_a,
    ),
    "update organisation A": Endpoint(
        "PATCH",
        lambda w: f"/api/v1/organisations/{w.org_a}",
        lambda w: {"contact_name": "李娜"},
        {"admin_a": 200},
        check=check_contact,
    ),
    "add a member to A": Endpoint(
        "POST",
        lambda w: f"/api/v1/organisations/{w.org_a}/members",
        lambda w: {
            "email": "matrix.colleague@example.cn",
            "display_name": "同事",
            "password": "Rare-Earth-Ledger-9",
            "roles": ["vendor"],
        },
        {"admin_a": 201, "operator": 201},
        check=check_new_member,
    ),
    "set roles of A's member": Endpoint(
        "PUT",
        lambda w: f"/api/v1/organisations/{w.org_a}/members/{w.member_a.user_id}/roles",
        lambda w: {"roles": ["vendor", "buyer"]},
        {"admin_a": 200, "operator": 200},
        check=check_roles,
    ),
    "verify organisation A": Endpoint(
        "POST",
        lambda w: f"/api/v1/organisations/{w.org_a}/verification",
        lambda w: {"decision": "verified"},
        {"operator": 200},
        check=check_verified,
    ),
    "list organisations awaiting verification": Endpoint(
        "GET",
        lambda w: "/api/v1/organisations?status=pending",
        None,
        {"regulator": 200, "operator": 200},
        check=check_pending_list,
    ),
    "read the audit log": Endpoint(
        "GET",
        lambda w: "/api/v1/audit-events",
        None,
        {"regulator": 200, "operator": 200},
        check=check_audit,
    ),
    "register an organisation": Endpoint(
        "POST",
        lambda w: "/api/v1/registrations",
        lambda w: organisation_data(),
        everyone(202),
        anonymous=202,
        check=check_registered,
    ),
    "get a token": Endpoint(
        "POST",
        lambda w: "/api/v1/auth/tokens",
        lambda w: {"email": w.admin_a.email, "password": w.admin_a.password},
        everyone(201),
        anonymous=201,
        check=check_token,
    ),
    "read the OpenAPI document": Endpoint(
        "GET",
        lambda w: "/api/openapi.json",
        None,
        everyone(200),
        anonymous=200,
        check=check_openapi,
    ),
}

CELLS = [
    pytest.param(name, role, endpoint.expected(role), id=f"{name.replace(' ', '_')}-{role}")
    for name, endpoint in ENDPOINTS.items()
    for role in ROLES
]


@pytest.mark.parametrize(("endpoint_name", "role", "status"), CELLS)
def test_role_gets_the_expected_answer(world, client, endpoint_name, role, status):
    endpoint = ENDPOINTS[endpoint_name]
    assert world.org_a  # organisation A exists in every cell
    headers = world.headers(role)
    path = endpoint.path(world)
    body = endpoint.body(world) if endpoint.body else None
    response = client.open(path, method=endpoint.method, json=body, headers=headers)
    if status >= 400:
        problem = assert_problem(response, status)
        assert problem["type"] == PROBLEM_TYPES[status]
    else:
        assert response.status_code == status, response.get_data(as_text=True)
        if status == 204:
            assert response.get_data() == b""
        else:
            endpoint.check(world, role, response.get_json())


# Public and private fields of an organisation


@pytest.mark.parametrize("role", ["admin_a", "member_a", "regulator", "operator"])
def test_insiders_and_supervisors_see_the_private_fields(world, client, role):
    response = client.get(f"/api/v1/organisations/{world.org_a}", headers=world.headers(role))
    body = response.get_json()
    assert response.status_code == 200
    assert body["credit_code"]
    assert body["contact_email"]
    assert world.admin_a.email in [member["email"] for member in body["members"]]


@pytest.mark.parametrize("role", ["admin_b", "buyer"])
def test_other_organisations_see_only_the_public_fields(world, client, role):
    response = client.get(f"/api/v1/organisations/{world.org_a}", headers=world.headers(role))
    assert response.status_code == 200
    assert set(response.get_json()) == PUBLIC_FIELDS


@pytest.mark.parametrize("role", ["admin_b", "buyer"])
def test_other_organisations_never_see_a_member_email(world, client, role):
    response = client.get(f"/api/v1/organisations/{world.org_a}", headers=world.headers(role))
    assert world.admin_a.email not in response.get_data(as_text=True)


# Who grants which roles


def add_member_to_a(world, client, headers, roles):
    return client.post(
        f"/api/v1/organisations/{world.org_a}/members",
        json={
            "email": "granted@example.cn",
            "display_name": "受托人",
            "password": "Rare-Earth-Ledger-9",
            "roles": roles,
        },
        headers=headers,
    )


def set_roles_of_member_a(world, client, role, roles):
    return client.put(
        f"/api/v1/organisations/{world.org_a}/members/{world.member_a.user_id}/roles",
        json={"roles": roles},
        headers=world.headers(role),
    )


def roles_of_member_a(world, client):
    body = client.get(
        f"/api/v1/organisations/{world.org_a}", headers=world.headers("operator")
    ).get_json()
    return next(m["roles"] for m in body["members"] if m["user_id"] == world.member_a.user_id)


@pytest.mark.parametrize("granted", ["regulator", "operator"])
def test_org_admin_cannot_add_a_member_with_a_supervisory_role(world, client, app, granted):
    headers = world.headers("admin_a")
    before = row_counts(app)
    response = add_member_to_a(world, client, headers, ["vendor", granted])
    body = assert_problem(response, 403)
    assert body["detail"] == "Only the exchange's operators grant regulator or operator roles."
    assert row_counts(app) == before


@pytest.mark.parametrize("granted", ["regulator", "operator"])
def test_org_admin_cannot_grant_a_supervisory_role(world, client, granted):
    response = set_roles_of_member_a(world, client, "admin_a", ["vendor", granted])
    body = assert_problem(response, 403)
    assert body["detail"] == "Only the exchange's operators grant regulator or operator roles."
    assert roles_of_member_a(world, client) == ["vendor"]


# The organisation's kind: regulator and operator roles only within their own organisations,
# trading roles only within trading ones; not even an operator grants across kinds.

TRADING_ONLY = (
    "This organisation trades on the exchange: its members may hold only the vendor and buyer "
    "roles. Regulator and operator roles are granted within their own organisations."
)
MIXED = "Trading, regulator and operator roles cannot be held in one organisation."
KIND_REFUSALS = {
    "regulator": "This is a regulator organisation: its members may hold only the regulator role.",
    "operator": "This is the exchange's operating organisation: its members may hold only the "
    "operator role.",
}


def add_member(client, world, organisation_id, roles, headers=None):
    return client.post(
        f"/api/v1/organisations/{organisation_id}/members",
        json={
            "email": "granted@example.cn",
            "display_name": "受托人",
            "password": "Rare-Earth-Ledger-9",
            "roles": roles,
        },
        headers=headers or world.headers("operator"),
    )


def members_roles(world, client, organisation_id):
    body = client.get(
        f"/api/v1/organisations/{organisation_id}", headers=world.headers("operator")
    ).get_json()
    return {m["email"]: m["roles"] for m in body["members"]}


@pytest.mark.parametrize(
    ("granted", "refusal"),
    [(["regulator"], TRADING_ONLY), (["operator"], TRADING_ONLY), (["vendor", "regulator"], MIXED)],
)
def test_operator_cannot_add_a_supervisor_to_a_trading_organisation(
    world, client, app, granted, refusal
):
    headers = world.headers("operator")
    assert world.org_a
    before = row_counts(app)
    body = assert_problem(add_member_to_a(world, client, headers, granted), 422)
    assert body["errors"] == {"roles": [refusal]}
    assert row_counts(app) == before


@pytest.mark.parametrize(
    ("granted", "refusal"),
    [(["regulator"], TRADING_ONLY), (["operator"], TRADING_ONLY), (["vendor", "regulator"], MIXED)],
)
def test_operator_cannot_make_a_vendors_employee_a_supervisor(world, client, granted, refusal):
    # One checkbox on the member's roles, in place of or beside the ones held: refused.
    response = set_roles_of_member_a(world, client, "operator", granted)
    body = assert_problem(response, 422)
    assert body["errors"] == {"roles": [refusal]}
    assert roles_of_member_a(world, client) == ["vendor"]


@pytest.mark.parametrize("kind", ["regulator", "operator"])
def test_operator_adds_a_supervisor_within_a_supervisory_organisation(world, client, kind):
    organisation_id = world.person(kind).organisation_id
    response = add_member(client, world, organisation_id, [kind])
    assert response.status_code == 201, response.get_json()
    assert members_roles(world, client, organisation_id)["granted@example.cn"] == [kind]


@pytest.mark.parametrize("kind", ["regulator", "operator"])
@pytest.mark.parametrize("granted", [["vendor"], ["buyer"], ["regulator", "operator"]])
def test_supervisory_organisation_takes_no_other_role(world, client, app, kind, granted):
    organisation_id = world.person(kind).organisation_id
    headers = world.headers("operator")
    before = row_counts(app)
    body = assert_problem(add_member(client, world, organisation_id, granted, headers), 422)
    assert body["errors"]["roles"] in ([KIND_REFUSALS[kind]], [MIXED])
    assert row_counts(app) == before


@pytest.mark.parametrize("kind", ["regulator", "operator"])
def test_supervisor_cannot_be_given_a_trading_role(world, client, kind):
    who = world.person(kind)
    response = client.put(
        f"/api/v1/organisations/{who.organisation_id}/members/{who.user_id}/roles",
        json={"roles": [kind, "buyer"]},
        headers=world.headers("operator"),
    )
    assert_problem(response, 422)
    assert members_roles(world, client, who.organisation_id)[who.email] == [kind]


def test_roles_cannot_be_emptied_to_change_the_organisations_kind(world, client):
    # Emptied, the organisation would have no kind left and take a regulator next.
    body = assert_problem(set_roles_of_member_a(world, client, "operator", []), 422)
    assert body["errors"] == {"roles": ["Choose at least one role."]}
    assert roles_of_member_a(world, client) == ["vendor"]


def test_org_admin_cannot_take_away_a_role_an_operator_granted(world, client):
    regulators = world.regulator.organisation_id  # the regulator administers its organisation
    assert add_member(client, world, regulators, ["regulator"]).status_code == 201
    colleague = client.get(
        f"/api/v1/organisations/{regulators}", headers=world.headers("operator")
    ).get_json()["members"][-1]
    response = client.put(
        f"/api/v1/organisations/{regulators}/members/{colleague['user_id']}/roles",
        json={"roles": ["buyer"]},
        headers=world.headers("regulator"),
    )
    assert_problem(response, 403)
    assert members_roles(world, client, regulators)["granted@example.cn"] == ["regulator"]


def test_org_admin_cannot_grant_itself_a_supervisory_role(world, client):
    response = client.put(
        f"/api/v1/organisations/{world.org_a}/members/{world.admin_a.user_id}/roles",
        json={"roles": ["vendor", "operator"]},
        headers=world.headers("admin_a"),
    )
    assert_problem(response, 403)


# Regulators only read


@pytest.mark.parametrize(
    "decision", [{"decision": "verified"}, {"decision": "rejected", "note": "Not convinced"}]
)
def test_regulator_cannot_decide_a_verification(world, client, decision):
    response = client.post(
        f"/api/v1/organisations/{world.org_a}/verification",
        json=decision,
        headers=world.headers("regulator"),
    )
    assert_problem(response, 403)
    status = client.get(
        f"/api/v1/organisations/{world.org_a}", headers=world.headers("regulator")
    ).get_json()["verification_status"]
    assert status == "pending"


def test_org_admin_cannot_verify_its_own_organisation(world, client):
    response = client.post(
        f"/api/v1/organisations/{world.org_a}/verification",
        json={"decision": "verified"},
        headers=world.headers("admin_a"),
    )
    assert_problem(response, 403)


def test_forbidden_update_changes_nothing(world, client):
    before = client.get(
        f"/api/v1/organisations/{world.org_a}", headers=world.headers("operator")
    ).get_json()
    response = client.patch(
        f"/api/v1/organisations/{world.org_a}",
        json={"contact_name": "冒名者"},
        headers=world.headers("admin_b"),
    )
    assert_problem(response, 403)
    after = client.get(
        f"/api/v1/organisations/{world.org_a}", headers=world.headers("operator")
    ).get_json()
    assert after == before
