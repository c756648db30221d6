"""Who may do what in the catalog, proven through HTTP: each endpoint against every role.

The product belongs to the vendor's organisation; "other vendor" sells under another one. Each
test is one row of the matrix: every role calls the endpoint, the refusals first, all on one
product in the stage the endpoint needs (each refusal must leave the catalog, the ledger and the
object store exactly as they were), then each allowed role on a product of its own.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from exchange.kernel.vocabulary import Role
from tests.api.helpers import MATRIX_ROLES, PROBLEM_TYPES, RolePeople, assert_problem
from tests.catalog import (
    COPPER_CSV,
    catalog_state,
    create_product,
    person,
    post,
    product_data,
    review,
    submit,
    upload,
)

ROLES = MATRIX_ROLES


class World(RolePeople):
    """The people of the matrix and products at any stage."""

    def product(self, stage: str) -> int:
        """The vendor's product (with its file) taken to the stage."""
        grade = "important" if stage == "in_review" else "general"
        product_id = create_product(self.client, self.vendor.headers, grade=grade)["id"]
        if stage == "draft":
            return product_id
        assert submit(self.client, self.vendor, product_id).status_code == 200
        if stage == "submitted":
            return product_id
        assert review(self.client, self.operator, product_id).status_code == 200
        if stage in ("in_review", "listed"):
            return product_id
        assert stage == "suspended"
        url = f"/api/v1/products/{product_id}/suspend"
        assert post(self.client, url, self.operator.headers, reason="测试").status_code == 200
        return product_id


@pytest.fixture
def world(app, client) -> World:
    return World(app, client)


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # {id} stands for the product's id
    stage: str | None  # what the product must be; None when the endpoint takes no product
    allowed: dict[str, int]  # role -> status on success
    denied: int = 403
    anonymous: int = 401
    json: Callable[[], Any] | None = None
    upload: bool = False
    reads: bool = False  # a GET: the roles allowed may share one product

    def expected(self) -> dict[str, int]:
        return {
            role: self.allowed.get(role, self.anonymous if role == "anonymous" else self.denied)
            for role in ROLES
        }


ENDPOINTS = {
    "create a product": Endpoint(
        "POST",
        "/api/v1/products",
        None,
        {"vendor": 201, "other_vendor": 201},
        json=product_data,
    ),
    "edit a draft": Endpoint(
        "PATCH", "/api/v1/products/{id}", "draft", {"vendor": 200}, json=lambda: {"title_en": "X"}
    ),
    "upload a version": Endpoint(
        "POST", "/api/v1/products/{id}/versions", "draft", {"vendor": 201}, upload=True
    ),
    "describe the columns": Endpoint(
        "PUT",
        "/api/v1/products/{id}/fields",
        "draft",
        {"vendor": 200},
        json=lambda: {"fields": [{"name": "库存(吨)", "unit": "吨"}]},
    ),
    "submit a draft": Endpoint("POST", "/api/v1/products/{id}/submit", "draft", {"vendor": 200}),
    "withdraw from review": Endpoint(
        "POST", "/api/v1/products/{id}/withdraw", "submitted", {"vendor": 200}
    ),
    "approve a submitted product": Endpoint(
        "POST",
        "/api/v1/products/{id}/review",
        "submitted",
        {"operator": 200},
        json=lambda: {"decision": "approve"},
    ),
    "sign off important data": Endpoint(
        "POST",
        "/api/v1/products/{id}/review",
        "in_review",
        {"regulator": 200},
        json=lambda: {"decision": "approve"},
    ),
    "suspend a listing": Endpoint(
        "POST",
        "/api/v1/products/{id}/suspend",
        "listed",
        {"operator": 200},
        json=lambda: {"reason": "权属异议"},
    ),
    "reinstate a listing": Endpoint(
        "POST", "/api/v1/products/{id}/reinstate", "suspended", {"operator": 200}, json=dict
    ),
    "delist": Endpoint(
        "POST",
        "/api/v1/products/{id}/delist",
        "listed",
        {"vendor": 200, "operator": 200},
        json=lambda: {"reason": "停止供应"},
    ),
    "read the review queue": Endpoint(
        "GET", "/api/v1/review-queue", None, {"operator": 200, "regulator": 200}, reads=True
    ),
    "read my products": Endpoint(
        "GET", "/api/v1/my-products", None, {"vendor": 200, "other_vendor": 200}, reads=True
    ),
    "read a draft": Endpoint(
        "GET",
        "/api/v1/products/{id}",
        "draft",
        {"vendor": 200, "operator": 200, "regulator": 200},
        denied=404,
        anonymous=404,
        reads=True,
    ),
    "read a listed product": Endpoint(
        "GET",
        "/api/v1/products/{id}",
        "listed",
        dict.fromkeys(ROLES, 200),
        reads=True,
    ),
}


def call(world: World, endpoint: Endpoint, role: str, product_id: int | None) -> Any:
    path = endpoint.path.format(id=product_id)
    headers = world.headers(role)
    if endpoint.upload:
        return world.client.post(
            path,
            data={"file": (io.BytesIO(COPPER_CSV), "copper.csv")},
            headers=headers,
            content_type="multipart/form-data",
        )
    body = endpoint.json() if endpoint.json else None
    return world.client.open(path, method=endpoint.method, json=body, headers=headers)


@pytest.mark.parametrize("name", list(ENDPOINTS), ids=[n.replace(" ", "_") for n in ENDPOINTS])
def test_each_role_gets_the_expected_answer_and_refusals_write_nothing(app, world, name):
    endpoint = ENDPOINTS[name]
    target = world.product(endpoint.stage) if endpoint.stage else None
    answers: dict[str, int] = {}
    wrote: list[str] = []
    malformed: list[str] = []
    for role in ROLES:
        if role in endpoint.allowed:
            continue
        before = catalog_state(app)
        response = call(world, endpoint, role, target)
        answers[role] = response.status_code
        if catalog_state(app) != before:
            wrote.append(role)
        problem = response.get_json(silent=True) or {}
        if problem.get("type") != PROBLEM_TYPES.get(response.status_code):
            malformed.append(role)
    for index, role in enumerate(r for r in ROLES if r in endpoint.allowed):
        # The refusals left the target as it was; a second change needs a product of its own.
        if index > 0 and endpoint.stage and not endpoint.reads:
            target = world.product(endpoint.stage)
        answers[role] = call(world, endpoint, role, target).status_code
    assert answers == endpoint.expected()
    assert wrote == [], "these refusals changed the catalog"
    assert malformed == [], "these refusals are not problems of their status"


def test_a_vendor_whose_organisation_is_not_yet_verified_cannot_upload(app, client):
    pending = person(app, [Role.VENDOR], verified=False)
    product_id = create_product(client, pending.headers, with_file=False)["id"]  # a draft may
    before = catalog_state(app)
    body = assert_problem(upload(client, pending.headers, product_id), 403)
    assert body["detail"] == "Your organisation must be verified before it can upload data."
    assert catalog_state(app) == before


# Visibility beyond drafts


@pytest.mark.parametrize("stage", ["submitted", "in_review", "suspended"])
def test_product_off_the_catalog_is_hidden_from_everyone_but_insiders(world, stage):
    product_id = world.product(stage)
    seen = {
        role: world.client.get(
            f"/api/v1/products/{product_id}", headers=world.headers(role)
        ).status_code
        for role in ROLES
    }
    assert seen == {
        "anonymous": 404,
        "vendor": 200,
        "other_vendor": 404,
        "buyer": 404,
        "operator": 200,
        "regulator": 200,
    }


def test_only_insiders_see_a_products_history(world):
    product_id = world.product("listed")
    url = f"/api/v1/products/{product_id}"
    insiders = {
        role: "history" in world.client.get(url, headers=world.headers(role)).get_json()
        for role in ROLES
    }
    assert insiders == {
        "anonymous": False,
        "vendor": True,
        "other_vendor": False,
        "buyer": False,
        "operator": True,
        "regulator": True,
    }


def test_bad_token_is_refused_even_where_anyone_may_read(world):
    product_id = world.product("listed")
    response = world.client.get(
        f"/api/v1/products/{product_id}", headers={"Authorization": "Bearer gsx_forged"}
    )
    assert response.status_code == 401
    assert response.get_json()["type"] == PROBLEM_TYPES[401]
