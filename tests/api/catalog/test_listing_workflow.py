"""The listing workflow through the API: draft → submitted → in review → listed → suspended or
delisted, each step with who, when and why, and an entry on the ledger."""

from __future__ import annotations

from typing import Any

import pytest

from exchange.kernel.vocabulary import Role
from tests.api.helpers import assert_problem, field_errors, parse_time
from tests.catalog import (
    Person,
    catalog_counts,
    create_product,
    listed_product,
    person,
    post,
    review,
    submit,
)

ENTRIES = "/api/v1/ledger/entries"


@pytest.fixture
def vendor(app) -> Person:
    return person(app, [Role.VENDOR])


@pytest.fixture
def operator(app) -> Person:
    return person(app, [Role.OPERATOR])


@pytest.fixture
def regulator(app) -> Person:
    return person(app, [Role.REGULATOR])


def url(product_id: int, action: str = "") -> str:
    return f"/api/v1/products/{product_id}" + (f"/{action}" if action else "")


def draft(client, vendor: Person, **overrides: Any) -> int:
    """A complete draft (file and offer) ready to submit."""
    return create_product(client, vendor.headers, **overrides)["id"]


def submitted(client, vendor: Person, **overrides: Any) -> int:
    product_id = draft(client, vendor, **overrides)
    assert submit(client, vendor, product_id).status_code == 200
    return product_id


def in_review(client, vendor: Person, operator: Person) -> int:
    """Important data the operator passed on to the regulators."""
    product_id = submitted(client, vendor, grade="important")
    assert review(client, operator, product_id).get_json()["status"] == "in_review"
    return product_id


def status_of(client, product_id: int, who: Person) -> str:
    return client.get(url(product_id), headers=who.headers).get_json()["status"]


def history_of(client, product_id: int, who: Person) -> list[dict[str, Any]]:
    return client.get(url(product_id), headers=who.headers).get_json()["history"]


def transitions_on_ledger(client, product_id: int, who: Person) -> list[dict[str, Any]]:
    """The product's listing.transition entries on the ledger, oldest first."""
    entries = client.get(
        ENTRIES, query_string={"entry_type": "listing.transition"}, headers=who.headers
    ).get_json()
    return [e for e in reversed(entries) if e["body"]["product_id"] == product_id]


def steps(history: list[dict[str, Any]]) -> list[tuple[str | None, str]]:
    return [(step["from_status"], step["to_status"]) for step in history]


def catalog_ids(client) -> list[int]:
    return [item["id"] for item in client.get("/api/v1/products").get_json()["items"]]


# General data: one operator's approval


def test_submitting_a_complete_draft_sends_it_to_review(client, vendor):
    product_id = draft(client, vendor)
    response = submit(client, vendor, product_id)
    assert response.status_code == 200
    assert response.get_json() == {"id": product_id, "status": "submitted"}


def test_operator_approval_lists_general_data(client, vendor, operator):
    product_id = submitted(client, vendor)
    response = review(client, operator, product_id)
    assert response.status_code == 200
    assert response.get_json()["status"] == "listed"
    assert product_id in catalog_ids(client)
    assert client.get(url(product_id)).get_json()["listed_at"]


def test_history_says_who_moved_the_product_when(client, vendor, operator):
    product_id = submitted(client, vendor)
    review(client, operator, product_id)
    history = history_of(client, product_id, vendor)
    assert steps(history) == [(None, "draft"), ("draft", "submitted"), ("submitted", "listed")]
    assert [step["actor"] for step in history] == [
        vendor.display_name,
        vendor.display_name,
        operator.display_name,
    ]
    times = [parse_time(step["at"]) for step in history]
    assert times == sorted(times)


def test_each_transition_is_an_entry_on_the_ledger(client, vendor, operator):
    product_id = submitted(client, vendor)
    review(client, operator, product_id)
    history = history_of(client, product_id, vendor)
    entries = transitions_on_ledger(client, product_id, operator)
    assert [e["seq"] for e in entries] == [step["ledger_seq"] for step in history]
    assert [(e["body"]["from_status"], e["body"]["to_status"]) for e in entries] == steps(history)


def test_ledger_entry_names_the_reviewer_and_the_data_it_approved(client, vendor, operator):
    product_id = submitted(client, vendor)
    review(client, operator, product_id)
    product = client.get(url(product_id), headers=vendor.headers).get_json()
    approval = transitions_on_ledger(client, product_id, operator)[-1]
    assert approval["body"]["actor_user_id"] == operator.user_id
    assert approval["body"]["actor_organisation_id"] == operator.organisation_id
    assert approval["body"]["data_sha256"] == product["latest"]["sha256"]
    assert sorted(approval["parties"]) == sorted([vendor.organisation_id, operator.organisation_id])


# Important data: the operator, then a regulator


def test_operator_approval_sends_important_data_to_the_regulators(client, vendor, operator):
    product_id = submitted(client, vendor, grade="important")
    response = review(client, operator, product_id)
    assert response.get_json() == {"id": product_id, "status": "in_review"}
    assert product_id not in catalog_ids(client)


def test_regulator_approval_lists_important_data(client, vendor, operator, regulator):
    product_id = in_review(client, vendor, operator)
    response = review(client, regulator, product_id)
    assert response.get_json()["status"] == "listed"
    assert steps(history_of(client, product_id, vendor))[-2:] == [
        ("submitted", "in_review"),
        ("in_review", "listed"),
    ]
    assert product_id in catalog_ids(client)


def test_operator_cannot_give_the_regulators_sign_off(client, vendor, operator):
    product_id = in_review(client, vendor, operator)
    assert_problem(review(client, operator, product_id), 403)
    assert status_of(client, product_id, vendor) == "in_review"


def test_regulator_cannot_review_before_the_operator(client, vendor, regulator):
    product_id = submitted(client, vendor, grade="important")
    assert_problem(review(client, regulator, product_id), 403)
    assert status_of(client, product_id, vendor) == "submitted"


def test_regulator_rejection_sends_important_data_back_to_draft(
    client, vendor, operator, regulator
):
    product_id = in_review(client, vendor, operator)
    response = review(client, regulator, product_id, "reject", reason="含未脱敏的坐标。")
    assert response.get_json()["status"] == "draft"
    assert history_of(client, product_id, vendor)[-1]["reason"] == "含未脱敏的坐标。"


# Core data and incomplete drafts never reach review


def test_core_data_can_never_be_submitted(client, app, vendor):
    product_id = draft(client, vendor, grade="core")
    before = catalog_counts(app)
    errors = field_errors(submit(client, vendor, product_id))
    assert errors["grade"] == ["Core data can never be listed or traded on the exchange."]
    assert status_of(client, product_id, vendor) == "draft"
    assert catalog_counts(app) == before


def test_unverified_vendor_cannot_submit(client, app):
    vendor = person(app, [Role.VENDOR], verified=False)
    product_id = create_product(client, vendor.headers, with_file=False)["id"]  # may not upload
    before = catalog_counts(app)
    body = assert_problem(submit(client, vendor, product_id), 409)
    assert body["detail"] == "Your organisation must be verified before it can list products."
    assert catalog_counts(app) == before


def test_draft_without_a_file_cannot_be_submitted(client, vendor):
    product_id = create_product(client, vendor.headers, with_file=False)["id"]
    errors = field_errors(submit(client, vendor, product_id))
    assert errors == {"file": ["Upload the data file before submitting."]}


def test_draft_without_an_offer_cannot_be_submitted(client, vendor):
    product_id = draft(client, vendor, offers=[])
    errors = field_errors(submit(client, vendor, product_id))
    assert errors == {"offers": ["Add at least one licence offer before submitting."]}


def test_submitted_product_cannot_be_submitted_again(client, app, vendor):
    product_id = submitted(client, vendor)
    before = catalog_counts(app)
    assert_problem(submit(client, vendor, product_id), 409)
    assert catalog_counts(app) == before


# Rejection, withdrawal


def test_rejection_needs_a_reason(client, app, vendor, operator):
    product_id = submitted(client, vendor)
    before = catalog_counts(app)
    errors = field_errors(review(client, operator, product_id, "reject"))
    assert errors == {"reason": ["Give a reason."]}
    assert status_of(client, product_id, vendor) == "submitted"
    assert catalog_counts(app) == before


def test_rejection_returns_the_product_to_draft_with_the_reason(client, vendor, operator):
    product_id = submitted(client, vendor)
    response = review(client, operator, product_id, "reject", reason="分级理由不充分。")
    assert response.get_json()["status"] == "draft"
    last = history_of(client, product_id, vendor)[-1]
    assert (last["from_status"], last["to_status"], last["reason"]) == (
        "submitted",
        "draft",
        "分级理由不充分。",
    )
    assert last["actor"] == operator.display_name


def test_rejected_product_can_be_corrected_and_submitted_again(client, vendor, operator):
    product_id = submitted(client, vendor)
    review(client, operator, product_id, "reject", reason="分级理由不充分。")
    client.patch(
        url(product_id),
        json={"grade_justification": "仅含公开价格，已核对。"},
        headers=vendor.headers,
    )
    assert submit(client, vendor, product_id).get_json()["status"] == "submitted"


def test_review_decision_must_be_approve_or_reject(client, vendor, operator):
    product_id = submitted(client, vendor)
    errors = field_errors(review(client, operator, product_id, "maybe"))
    assert errors == {"decision": ["Choose one of: approve, reject."]}


def test_nobody_reviews_their_own_organisations_product(client, app, vendor):
    colleague = person(app, [Role.OPERATOR], organisation_id=vendor.organisation_id)
    product_id = submitted(client, vendor)
    before = catalog_counts(app)
    body = assert_problem(review(client, colleague, product_id), 403)
    assert body["detail"] == "Nobody may review their own organisation's product."
    assert catalog_counts(app) == before


def test_regulator_cannot_sign_off_their_own_organisations_product(client, app, operator):
    vendor = person(app, [Role.VENDOR])
    colleague = person(app, [Role.REGULATOR], organisation_id=vendor.organisation_id)
    product_id = in_review(client, vendor, operator)
    assert_problem(review(client, colleague, product_id), 403)
    assert status_of(client, product_id, vendor) == "in_review"


@pytest.mark.parametrize("stage", ["submitted", "in_review"])
def test_vendor_withdraws_a_product_from_review_to_draft(client, vendor, operator, stage):
    product_id = (
        submitted(client, vendor) if stage == "submitted" else in_review(client, vendor, operator)
    )
    response = post(client, url(product_id, "withdraw"), vendor.headers)
    assert response.get_json()["status"] == "draft"
    assert steps(history_of(client, product_id, vendor))[-1] == (stage, "draft")


def test_draft_can_only_be_submitted(client, app, vendor, operator):
    product_id = draft(client, vendor)
    before = catalog_counts(app)
    refused = {
        "review": review(client, operator, product_id),
        "withdraw": post(client, url(product_id, "withdraw"), vendor.headers),
        "suspend": post(client, url(product_id, "suspend"), operator.headers, reason="测试。"),
        "reinstate": post(client, url(product_id, "reinstate"), operator.headers),
        "delist": post(client, url(product_id, "delist"), vendor.headers, reason="测试。"),
    }
    assert {action: r.status_code for action, r in refused.items()} == dict.fromkeys(refused, 409)
    assert catalog_counts(app) == before


# Suspension and delisting


def test_suspension_needs_a_reason(client, app, vendor, operator):
    product_id = listed_product(client, vendor, operator)["id"]
    before = catalog_counts(app)
    errors = field_errors(post(client, url(product_id, "suspend"), operator.headers))
    assert errors == {"reason": ["Give a reason."]}
    assert catalog_counts(app) == before


def test_suspended_product_leaves_the_catalog(client, vendor, operator):
    product_id = listed_product(client, vendor, operator)["id"]
    response = post(client, url(product_id, "suspend"), operator.headers, reason="权属异议待核实。")
    assert response.get_json()["status"] == "suspended"
    assert product_id not in catalog_ids(client)
    assert_problem(client.get(url(product_id)), 404)
    last = history_of(client, product_id, vendor)[-1]
    assert (last["to_status"], last["reason"]) == ("suspended", "权属异议待核实。")


def test_reinstated_product_returns_to_the_catalog(client, vendor, operator):
    product_id = listed_product(client, vendor, operator)["id"]
    post(client, url(product_id, "suspend"), operator.headers, reason="权属异议待核实。")
    response = post(client, url(product_id, "reinstate"), operator.headers, reason="异议已撤回。")
    assert response.get_json()["status"] == "listed"
    assert product_id in catalog_ids(client)
    assert steps(history_of(client, product_id, vendor))[-2:] == [
        ("listed", "suspended"),
        ("suspended", "listed"),
    ]


def test_vendor_delists_its_product_with_a_reason(client, vendor, operator):
    product_id = listed_product(client, vendor, operator)["id"]
    response = post(client, url(product_id, "delist"), vendor.headers, reason="数据源停止更新。")
    assert response.get_json()["status"] == "delisted"
    assert product_id not in catalog_ids(client)
    last = history_of(client, product_id, vendor)[-1]
    assert (last["to_status"], last["reason"], last["actor"]) == (
        "delisted",
        "数据源停止更新。",
        vendor.display_name,
    )


def test_operator_delists_a_suspended_product(client, vendor, operator):
    product_id = listed_product(client, vendor, operator)["id"]
    post(client, url(product_id, "suspend"), operator.headers, reason="权属异议。")
    response = post(client, url(product_id, "delist"), operator.headers, reason="异议成立。")
    assert response.get_json()["status"] == "delisted"
    assert history_of(client, product_id, vendor)[-1]["actor"] == operator.display_name


def test_delisting_needs_a_reason(client, app, vendor, operator):
    product_id = listed_product(client, vendor, operator)["id"]
    before = catalog_counts(app)
    errors = field_errors(post(client, url(product_id, "delist"), vendor.headers, reason="  "))
    assert list(errors) == ["reason"]
    assert catalog_counts(app) == before


def test_delisted_product_keeps_its_history_and_versions(client, vendor, operator):
    product_id = listed_product(client, vendor, operator)["id"]
    post(client, url(product_id, "delist"), vendor.headers, reason="数据源停止更新。")
    product = client.get(url(product_id), headers=vendor.headers).get_json()
    assert [v["number"] for v in product["versions"]] == [1]
    assert len(product["history"]) == 4
    assert len(transitions_on_ledger(client, product_id, vendor)) == 4


def test_delisting_is_final(client, app, vendor, operator):
    product_id = listed_product(client, vendor, operator)["id"]
    post(client, url(product_id, "delist"), vendor.headers, reason="数据源停止更新。")
    before = catalog_counts(app)
    assert_problem(
        client.patch(url(product_id), json={"title_en": "X"}, headers=vendor.headers), 409
    )
    notes = {"fields": [{"name": "库存(吨)", "unit": "吨"}]}
    assert_problem(client.put(url(product_id, "fields"), json=notes, headers=vendor.headers), 409)
    assert_problem(submit(client, vendor, product_id), 409)
    assert_problem(post(client, url(product_id, "reinstate"), operator.headers), 409)
    assert catalog_counts(app) == before


# Queues


def test_review_queue_shows_operators_the_submitted_products(client, vendor, operator):
    waiting = submitted(client, vendor)
    draft(client, vendor)
    queue = client.get("/api/v1/review-queue", headers=operator.headers).get_json()
    assert [(item["id"], item["status"]) for item in queue] == [(waiting, "submitted")]


def test_review_queue_shows_regulators_important_data_in_review(
    client, vendor, operator, regulator
):
    waiting = in_review(client, vendor, operator)
    submitted(client, vendor)
    queue = client.get("/api/v1/review-queue", headers=regulator.headers).get_json()
    assert [(item["id"], item["status"]) for item in queue] == [(waiting, "in_review")]


def test_my_products_lists_the_vendors_products_in_every_status(client, app, vendor, operator):
    listed = listed_product(client, vendor, operator)["id"]
    waiting = submitted(client, vendor)
    drafted = draft(client, vendor)
    listed_product(client, person(app, [Role.VENDOR]), operator)  # another vendor's
    mine = client.get("/api/v1/my-products", headers=vendor.headers).get_json()
    assert {item["id"]: item["status"] for item in mine} == {
        listed: "listed",
        waiting: "submitted",
        drafted: "draft",
    }
