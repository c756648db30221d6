"""Data products through the API: their metadata, licence offers, edits and versions."""

from __future__ import annotations

from typing import Any

import pytest

from exchange.kernel.vocabulary import Role
from tests.api.helpers import assert_problem, field_errors
from tests.catalog import (
    Person,
    catalog_state,
    create_product,
    listed_product,
    person,
    product_data,
    upload,
)

PRODUCTS = "/api/v1/products"
OFFER = product_data()["offers"][0]
EXCLUSIVE = {
    "kind": "exclusive",
    "scope": "commercial",
    "term_months": 36,
    "territory": "global",
    "seats": 1,
    "derivative": True,
    "redistribution": True,
    "price": "250000.50",
}
REQUIRED = {
    "board",
    "title_zh",
    "title_en",
    "summary_zh",
    "summary_en",
    "product_type",
    "update_frequency",
    "grade",
    "grade_justification",
}


@pytest.fixture
def vendor(app) -> Person:
    return person(app, [Role.VENDOR])


@pytest.fixture
def operator(app) -> Person:
    return person(app, [Role.OPERATOR])


def url(product_id: int) -> str:
    return f"{PRODUCTS}/{product_id}"


def create(client, vendor: Person, **overrides: Any):
    return client.post(PRODUCTS, json=product_data(**overrides), headers=vendor.headers)


def patch(client, vendor: Person, product_id: int, **changes: Any):
    return client.patch(url(product_id), json=changes, headers=vendor.headers)


def read(client, product_id: int, who: Person | None = None) -> dict[str, Any]:
    return client.get(url(product_id), headers=who.headers if who else {}).get_json()


# Creating a draft


def test_vendor_drafts_a_product_with_all_its_metadata(client, vendor):
    data = product_data(
        description="2019 年以来鹰潭现货市场每日收盘价。",
        regions=["yingtan", "nanchang"],
        tags=["铜", "现货", "copper"],
        update_frequency="weekly",
        product_type="report",
    )
    response = client.post(PRODUCTS, json=data, headers=vendor.headers)
    assert response.status_code == 201
    product = response.get_json()
    for name in ("title_zh", "title_en", "summary_zh", "summary_en", "description", "tags"):
        assert product[name] == data[name], name
    assert product["board"] == {
        "code": "nonferrous",
        "name_zh": "有色金属",
        "name_en": "Non-ferrous metals",
        "kind": "board",
    }
    assert (product["product_type"], product["update_frequency"]) == ("report", "weekly")
    assert (product["coverage_start"], product["coverage_end"]) == ("2026-10-08", "2026-10-11")
    assert sorted(product["regions"]) == ["nanchang", "yingtan"]
    assert (product["grade"], product["grade_justification"]) == (
        "general",
        data["grade_justification"],
    )
    assert product["vendor"]["id"] == vendor.organisation_id
    assert (product["status"], product["latest_version"], product["latest"]) == ("draft", 0, None)


def test_new_draft_starts_its_history_with_a_ledger_entry(client, vendor):
    product = create(client, vendor).get_json()
    [created] = product["history"]
    assert (created["from_status"], created["to_status"]) == (None, "draft")
    assert created["actor"] == vendor.display_name
    entry = client.get(f"/api/v1/ledger/entries/{created['ledger_seq']}", headers=vendor.headers)
    assert entry.get_json()["body"]["product_id"] == product["id"]


def test_licence_offers_keep_every_term(client, vendor):
    product = create(client, vendor, offers=[OFFER, EXCLUSIVE]).get_json()
    offers = [{k: v for k, v in offer.items() if k != "id"} for offer in product["offers"]]
    # A dataset's offers give a copy, with no quota, unless they say otherwise.
    given = {"is_active": True, "access": "copy", "quota": None, "unit_price": None}
    assert offers == [OFFER | given, EXCLUSIVE | given]


def test_an_offer_gives_computation_with_a_quota_or_api_calls_only_on_an_api_feed(client, vendor):
    computation = OFFER | {"access": "computation", "quota": 40}
    product = create(client, vendor, offers=[computation, OFFER]).get_json()
    assert [(o["access"], o["quota"]) for o in product["offers"]] == [
        ("computation", 40),
        ("copy", None),
    ]
    defaulted = create(client, vendor, offers=[OFFER | {"access": "computation"}]).get_json()
    assert defaulted["offers"][0]["quota"] == 100
    api_feed = create(client, vendor, product_type="api", offers=[OFFER]).get_json()
    assert [(o["access"], o["quota"]) for o in api_feed["offers"]] == [("api", 10_000)]
    refused = assert_problem(create(client, vendor, offers=[OFFER | {"access": "api"}]), 422)
    assert "access" in refused["errors"]
    refused = assert_problem(create(client, vendor, offers=[OFFER | {"quota": 5}]), 422)
    assert "quota" in refused["errors"]


def test_cheapest_offer_is_the_products_price(client, vendor):
    product = create(client, vendor, offers=[EXCLUSIVE, OFFER]).get_json()
    assert product["min_price"] == "12000.00"


def test_whole_yuan_price_is_kept_to_the_fen(client, vendor):
    product = create(client, vendor, offers=[OFFER | {"price": 800}]).get_json()
    assert product["offers"][0]["price"] == "800.00"


def test_vendor_declares_the_quality_the_file_cannot_show(client, vendor):
    product = create(client, vendor, declared_quality={"accuracy": 0.98}).get_json()
    assert product["declared_quality"] == {"accuracy": 0.98}


def test_unknown_product_is_not_found(client):
    body = assert_problem(client.get(url(424242)), 404)
    assert body["type"] == "urn:ganshu:problem:not-found"


# Bad input is named on its field and stores nothing


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("-100.00", "The price must be more than zero."),
        ("0", "The price must be more than zero."),
        ("12000.001", "The price has at most two decimals (fen)."),
        (12000.5, "Give the price as a string or an integer."),
        ("twelve thousand", "Enter a price in yuan, e.g. 1200.00."),
    ],
    ids=["negative", "zero", "three-decimals", "float", "words"],
)
def test_bad_price_is_refused_on_its_field(client, app, vendor, price, message):
    before = catalog_state(app)
    errors = field_errors(create(client, vendor, offers=[OFFER | {"price": price}]))
    assert errors == {"offers.0.price": [message]}
    assert catalog_state(app) == before


def test_every_missing_field_is_named(client, app, vendor):
    before = catalog_state(app)
    errors = field_errors(client.post(PRODUCTS, json={}, headers=vendor.headers))
    assert set(errors) == REQUIRED
    assert catalog_state(app) == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"grade": "secret"}, "grade", "Choose one of: general, important, core."),
        ({"board": "gold"}, "board", "There is no industry board gold."),
        ({"regions": ["yingtan", "mars"]}, "regions", "Unknown region: mars."),
        (
            {"coverage_start": "2027-01-01"},
            "coverage_end",
            "The coverage must end after it starts.",
        ),
        ({"offers": [OFFER | {"kind": "lease"}]}, "offers.0.kind", None),
        ({"offers": [OFFER | {"term_months": 0}]}, "offers.0.term_months", None),
        ({"declared_quality": {"accuracy": 1.5}}, "declared_quality.accuracy", None),
        ({"colour": "red"}, "colour", "Unknown field."),
    ],
    ids=[
        "grade",
        "board",
        "region",
        "coverage",
        "offer-kind",
        "offer-term",
        "quality-above-one",
        "unknown-field",
    ],
)
def test_wrong_value_is_refused_on_its_field(client, app, vendor, overrides, field, message):
    before = catalog_state(app)
    errors = field_errors(create(client, vendor, **overrides))
    assert list(errors) == [field]
    if message:
        assert errors[field] == [message]
    assert catalog_state(app) == before


def test_column_notes_wait_for_the_file(client, app, vendor):
    before = catalog_state(app)
    notes = [{"name": "联系人手机", "personal": True}]
    errors = field_errors(create(client, vendor, fields=notes))
    assert list(errors) == ["fields"]
    assert catalog_state(app) == before


def test_buyer_cannot_draft_a_product(client, app):
    buyer = person(app, [Role.BUYER])
    before = catalog_state(app)
    assert_problem(create(client, buyer), 403)
    assert catalog_state(app) == before


def test_vendor_cannot_list_under_another_organisation(client, app, vendor):
    other = person(app, [Role.VENDOR])
    before = catalog_state(app)
    assert_problem(create(client, vendor, vendor_id=other.organisation_id), 403)
    assert catalog_state(app) == before


# Editing


def test_vendor_edits_everything_in_a_draft(client, vendor):
    product_id = create(client, vendor).get_json()["id"]
    response = patch(
        client,
        vendor,
        product_id,
        board="lithium",
        grade="important",
        regions=["yichun"],
        title_en="Yichun lithium carbonate",
    )
    assert response.status_code == 200
    product = response.get_json()
    assert product["board"]["code"] == "lithium"
    assert (product["grade"], product["regions"]) == ("important", ["yichun"])
    assert read(client, product_id, vendor)["title_en"] == "Yichun lithium carbonate"


def test_listed_product_keeps_what_its_review_decided(client, app, vendor, operator):
    product_id = listed_product(client, vendor, operator)["id"]
    before = catalog_state(app)
    response = patch(client, vendor, product_id, grade="important", regions=["nanchang"])
    body = assert_problem(response, 409)
    assert set(body["errors"]) == {"grade", "regions"}
    assert catalog_state(app) == before
    product = read(client, product_id)
    assert (product["grade"], product["regions"]) == ("general", ["yingtan"])


def test_listed_product_description_can_be_improved(client, vendor, operator):
    product_id = listed_product(client, vendor, operator)["id"]
    response = patch(client, vendor, product_id, summary_en="Daily spot prices since 2019.")
    assert response.status_code == 200
    assert read(client, product_id)["summary_en"] == "Daily spot prices since 2019."
    assert read(client, product_id)["status"] == "listed"


def test_edited_title_is_what_search_finds(client, vendor, operator):
    product_id = listed_product(client, vendor, operator)["id"]
    assert client.get(PRODUCTS, query_string={"q": "日价"}).get_json()["total"] == 1
    patch(client, vendor, product_id, title_zh="赣州钨精矿价格", title_en="Ganzhou tungsten prices")
    found = client.get(PRODUCTS, query_string={"q": "钨精矿"}).get_json()["items"]
    assert [item["id"] for item in found] == [product_id]
    # 日价 was in the old title only.
    assert client.get(PRODUCTS, query_string={"q": "日价"}).get_json()["items"] == []


def test_edit_cannot_make_the_coverage_end_before_it_starts(client, app, vendor):
    product_id = create(client, vendor).get_json()["id"]
    errors = field_errors(patch(client, vendor, product_id, coverage_start="2027-01-01"))
    assert list(errors) == ["coverage_end"]
    assert read(client, product_id, vendor)["coverage_start"] == "2026-10-08"


def test_new_offers_retire_the_old_ones(client, vendor, operator):
    product_id = listed_product(client, vendor, operator)["id"]
    response = patch(client, vendor, product_id, offers=[EXCLUSIVE])
    assert response.get_json()["min_price"] == "250000.50"
    public = read(client, product_id)["offers"]
    assert [(o["price"], o["is_active"]) for o in public] == [("250000.50", True)]
    own = read(client, product_id, vendor)["offers"]
    assert [(o["price"], o["is_active"]) for o in own] == [
        ("12000.00", False),
        ("250000.50", True),
    ]


def test_listed_product_keeps_at_least_one_offer(client, app, vendor, operator):
    product_id = listed_product(client, vendor, operator)["id"]
    before = catalog_state(app)
    errors = field_errors(patch(client, vendor, product_id, offers=[]), 409)
    assert errors == {"offers": ["A listed product keeps at least one licence offer."]}
    assert catalog_state(app) == before
    assert read(client, product_id)["min_price"] == "12000.00"


# Versions


def test_new_version_keeps_the_product_its_history_and_earlier_versions(client, vendor):
    product = create_product(client, vendor.headers)
    csv = "日期,阴极铜现货价(元/吨)\n2026-10-12,72100.00\n".encode()
    response = upload(client, vendor.headers, product["id"], csv, "copper-2.csv", note="补充数据")
    assert response.status_code == 201
    updated = response.get_json()
    assert updated["id"] == product["id"]
    assert updated["latest_version"] == 2
    assert [(v["number"], v["file_name"]) for v in updated["versions"]] == [
        (2, "copper-2.csv"),
        (1, "copper.csv"),
    ]
    assert updated["versions"][0]["note"] == "补充数据"
    assert updated["versions"][1] == product["versions"][0]
    assert updated["history"] == product["history"]
    assert [f["name"] for f in updated["latest"]["fields"]] == ["日期", "阴极铜现货价(元/吨)"]


def test_new_version_of_a_listed_product_keeps_it_listed(client, vendor, operator):
    product_id = listed_product(client, vendor, operator)["id"]
    upload(client, vendor.headers, product_id)
    product = read(client, product_id)
    assert (product["status"], product["latest_version"]) == ("listed", 2)
