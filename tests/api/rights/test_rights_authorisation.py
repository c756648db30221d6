"""Who may do what in the rights registry, proven through HTTP: each endpoint against every role.

The product and its registration belong to the vendor's organisation; "other vendor" sells
under another one. Each test is one row of the matrix: the refusals first, all on one target in
the stage the endpoint needs (each must leave the registry, the catalog, the ledger and the
object store as they were, and be a problem of its status), then each allowed role on a target
of its own unless the endpoint only reads.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from tests.api.helpers import MATRIX_ROLES, PROBLEM_TYPES, RolePeople, matrix_answers
from tests.api.rights.test_rights_api import registry_state
from tests.rights import PDF, apply_for, certify, object_to, own_product

ROLES = MATRIX_ROLES
URL = "/api/v1/rights"


class World(RolePeople):
    """The people of the matrix and targets at any stage."""

    def target(self, stage: str) -> Any:
        """What the endpoint's path needs, taken to the stage: an id or a certificate number."""
        product_id = own_product(self.client, self.vendor)["id"]
        if stage == "product":
            return product_id
        if stage == "certified":
            registration_id = certify(self.app, self.vendor, product_id)
            detail = self.client.get(f"{URL}/registrations/{registration_id}").get_json()
            return detail["certificate"]
        registration_id = apply_for(self.app, self.vendor, product_id)
        if stage == "on_notice":
            return registration_id
        if stage == "objected":
            return object_to(self.app, self.other_vendor, registration_id)
        assert stage == "document"
        detail = self.client.get(
            f"{URL}/registrations/{registration_id}", headers=self.vendor.headers
        ).get_json()
        return detail["documents"][0]["id"]


@pytest.fixture
def world(app, client) -> World:
    return World(app, client)


def application(product_id: int) -> dict[str, Any]:
    claim = {
        "right": "holding",
        "uses": ["research"],
        "territory": "jiangxi",
        "starts_on": date.today().isoformat(),
    }
    return {"product_id": product_id, "rights": [claim], "source": "self_generated"}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # {target} stands for what the stage gives
    stage: str | None  # None when the endpoint needs nothing made first
    expected: dict[str, int]  # role -> status
    json: Callable[[], Any] | None = None
    applies: bool = False  # a multipart application for the target product
    reads: bool = False  # the roles allowed may share one target


def answers(allowed: dict[str, int], **refused: int) -> dict[str, int]:
    """Each role's status: the allowed ones, then the refusals (403 unless told, 401 anonymous)."""
    refusals = {role: 401 if role == "anonymous" else 403 for role in ROLES} | refused
    return {role: allowed.get(role, refusals[role]) for role in ROLES}


EVERYONE = dict.fromkeys(ROLES, 200)
SIGNED_IN = {role: 200 for role in ROLES if role != "anonymous"}

ENDPOINTS = {
    "apply": Endpoint(
        "POST",
        "/registrations",
        "product",
        # A draft is hidden from outsiders; supervisors see it but are not its vendor.
        answers({"vendor": 201}, other_vendor=404, buyer=404),
        applies=True,
    ),
    "read a registration": Endpoint(
        "GET", "/registrations/{target}", "on_notice", EVERYONE, reads=True
    ),
    "withdraw": Endpoint(
        "POST", "/registrations/{target}/withdraw", "on_notice", answers({"vendor": 200})
    ),
    "read the notice board": Endpoint("GET", "/notices", None, EVERYONE, reads=True),
    "object": Endpoint(
        "POST",
        "/registrations/{target}/objections",
        "on_notice",
        # The operators decide objections, so they do not raise them.
        answers({r: 201 for r in ("other_vendor", "buyer", "regulator")}),
        json=lambda: {"reasons": "该数据由我方采集。"},
        reads=True,  # each objector speaks for its own organisation, on the same registration
    ),
    "decide an objection": Endpoint(
        "POST",
        "/objections/{target}/decision",
        "objected",
        answers({"operator": 200}),
        json=lambda: {"decision": "dismiss", "reason": "异议缺乏证据。"},
    ),
    "read the objection queue": Endpoint(
        "GET", "/objections", None, answers({"operator": 200}), reads=True
    ),
    "read a product's rights": Endpoint(
        "GET",
        "/products/{target}",
        "product",  # a draft: its rights are seen by those who see the draft
        answers(
            {"vendor": 200, "operator": 200, "regulator": 200},
            anonymous=404,
            other_vendor=404,
            buyer=404,
        ),
        reads=True,
    ),
    "read my rights": Endpoint("GET", "/mine", None, answers(SIGNED_IN), reads=True),
    "read a certificate": Endpoint(
        "GET", "/certificates/{target}", "certified", EVERYONE, reads=True
    ),
    "verify a certificate": Endpoint(
        "GET", "/certificates/{target}/verification", "certified", EVERYONE, reads=True
    ),
    "read the certificate key": Endpoint("GET", "/certificate-key", None, EVERYONE, reads=True),
    "download a certificate's proof": Endpoint(
        "GET", "/certificates/{target}/proof", "certified", EVERYONE, reads=True
    ),
    "download a basis document": Endpoint(
        "GET",
        "/documents/{target}",
        "document",
        answers(
            {"vendor": 200, "operator": 200, "regulator": 200},
            anonymous=404,
            other_vendor=404,
            buyer=404,
        ),
        reads=True,
    ),
}


def call(world: World, endpoint: Endpoint, role: str, target: Any) -> Any:
    path = URL + endpoint.path.format(target=target)
    headers = world.headers(role)
    if endpoint.applies:
        return world.client.post(
            path,
            data={
                "application": json.dumps(application(target)),
                "documents": [(io.BytesIO(PDF), "basis.pdf")],
            },
            headers=headers,
            content_type="multipart/form-data",
        )
    body = endpoint.json() if endpoint.json else None
    return world.client.open(path, method=endpoint.method, json=body, headers=headers)


@pytest.mark.parametrize("name", list(ENDPOINTS), ids=[n.replace(" ", "_") for n in ENDPOINTS])
def test_each_role_gets_the_expected_answer_and_refusals_write_nothing(app, world, name):
    endpoint = ENDPOINTS[name]
    got, wrote, malformed = matrix_answers(
        world, endpoint, call, lambda: registry_state(app), PROBLEM_TYPES
    )
    assert got == endpoint.expected
    assert wrote == [], "these refusals changed the registry"
    assert malformed == [], "these refusals are not problems of their status"


def test_only_those_involved_open_an_objectors_evidence(world):
    registration_id = world.target("on_notice")
    response = world.client.post(
        f"{URL}/registrations/{registration_id}/objections",
        data={"reasons": "见附件。", "evidence": [(io.BytesIO(PDF), "evidence.pdf")]},
        headers=world.other_vendor.headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    [objection] = response.get_json()["registration"]["objection_list"]
    url = f"{URL}/documents/{objection['evidence'][0]['id']}"
    seen = {role: world.client.get(url, headers=world.headers(role)).status_code for role in ROLES}
    assert seen == {
        "anonymous": 404,
        "vendor": 200,
        "other_vendor": 200,
        "buyer": 404,
        "operator": 200,
        "regulator": 200,
    }


def test_only_those_involved_read_an_objections_reasons(world):
    registration_id = world.target("on_notice")
    object_to(world.app, world.other_vendor, registration_id, "采集合同编号 JX-2026-1。")
    url = f"{URL}/registrations/{registration_id}"
    reads = {
        role: world.client.get(url, headers=world.headers(role)).get_json()["objection_list"][0][
            "reasons"
        ]
        is not None
        for role in ROLES
    }
    assert reads == {
        "anonymous": False,
        "vendor": True,
        "other_vendor": True,
        "buyer": False,
        "operator": True,
        "regulator": True,
    }


def test_bad_token_is_refused_even_where_anyone_may_read(world):
    for path in ("/notices", "/certificate-key"):
        response = world.client.get(URL + path, headers={"Authorization": "Bearer gsx_forged"})
        # The notice board and the key take no token: a forged one changes nothing there.
        assert response.status_code == 200
    registration_id = world.target("on_notice")
    response = world.client.get(
        f"{URL}/registrations/{registration_id}", headers={"Authorization": "Bearer gsx_forged"}
    )
    assert response.status_code == 401
    assert response.get_json()["type"] == PROBLEM_TYPES[401]
