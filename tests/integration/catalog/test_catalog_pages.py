"""The catalog's pages: home, search and facets, the product page for each role, the vendor's
forms and the listing review, through the test client with CSRF protection on."""

from __future__ import annotations

import io
import re

import pytest

from exchange.app import create_app
from exchange.extensions import db
from exchange.kernel.vocabulary import Role
from tests.catalog import COPPER_CSV, catalog_state, person
from tests.integration.catalog_pages import (
    STEEL,
    action_error,
    card_ids,
    draft,
    english,
    facet_counts,
    feedback,
    form_data,
    listed,
    member,
    post,
    post_new_product,
    sign_in_as,
    status_of,
    submitted,
    text,
)


@pytest.fixture
def world(app):
    """A vendor and an API client; other members are made when a test asks for them."""
    return {"app": app, "api": app.test_client(), Role.VENDOR: person(app, [Role.VENDOR])}


# Home and catalog ----------------------------------------------------------------------------


def test_home_shows_boards_with_counts_and_the_newest_listings(app, client, world):
    copper = listed(world)
    draft(world, title_zh="未挂牌的草稿产品")
    english(client)
    body = text(client.get("/"))
    assert 'action="/products"' in body and 'name="q"' in body
    tile = re.search(r'data-board="nonferrous">(.*?)</a>', body, re.S).group(1)
    assert "Non-ferrous metals" in tile and "1 product" in tile
    assert "0 products" in re.search(r'data-board="steel">(.*?)</a>', body, re.S).group(1)
    assert card_ids(client.get("/")) == [copper]
    assert "未挂牌的草稿产品" not in body


def test_catalog_finds_a_product_by_a_chinese_query(client, world):
    copper = listed(world)
    listed(world, **STEEL)
    assert card_ids(client.get("/products", query_string={"q": "阴极铜"})) == [copper]


def test_catalog_says_so_when_nothing_matches(client, world):
    listed(world)
    english(client)
    response = client.get("/products", query_string={"q": "稀土永磁"})
    assert response.status_code == 200
    assert 'data-testid="no-results"' in text(response)
    assert "No listed product matches this search." in text(response)


def test_facets_count_the_matching_products(client, world):
    listed(world)
    listed(world, **STEEL)
    response = client.get("/products")
    assert facet_counts(response, "board") == {"nonferrous": 1, "steel": 1}
    assert facet_counts(response, "region") == {"yingtan": 1, "xinyu": 1}
    assert facet_counts(response, "grade") == {"general": 2}


def test_facets_and_price_range_filter_the_cards(client, world):
    copper = listed(world)
    steel = listed(world, **STEEL)
    assert card_ids(client.get("/products?board=steel")) == [steel]
    assert card_ids(client.get("/products?region=yingtan")) == [copper]
    assert card_ids(client.get("/products?price_max=20000")) == [copper]
    assert card_ids(client.get("/products?price_min=50000")) == [steel]
    assert card_ids(client.get("/products?dcmm_min=4")) == []  # the factory's vendors are level 3


def test_catalog_sorts_by_price(client, world):
    copper = listed(world)
    steel = listed(world, **STEEL)
    assert card_ids(client.get("/products?sort=price_desc")) == [steel, copper]
    assert card_ids(client.get("/products?sort=price_asc")) == [copper, steel]


def test_catalog_pages_through_results(client, world):
    listed(world)
    listed(world, **STEEL)
    body = text(client.get("/products?per_page=1&sort=newest"))
    assert "/products?per_page=1&sort=newest&page=2" in body or "page=2" in body
    assert len(card_ids(client.get("/products?per_page=1&page=2"))) == 1


def test_cards_show_price_board_grade_and_vendor(client, world):
    listed(world)
    body = text(client.get("/products"))
    assert "¥12,000.00" in body
    assert "有色金属" in body and "一般数据" in body or "General data" in body
    assert "南昌测试数据有限公司" in body


def test_bad_catalog_arguments_show_the_page_with_a_clear_message(client, world):
    english(client)
    response = client.get("/products?price_min=abc&sort=cheapest&page=0")
    assert response.status_code == 422
    body = text(response)
    assert 'data-testid="query-errors"' in body
    assert "Enter a price in yuan, e.g. 1200.00." in feedback(response, "price_min")
    assert "Sort by" in body and "Page" in body


# The product page ----------------------------------------------------------------------------


def test_anonymous_visitors_get_404_for_a_draft(client, world):
    assert client.get(f"/products/{draft(world)}").status_code == 404


def test_a_listed_product_shows_its_data_to_anyone(client, world):
    product_id = listed(world)
    english(client)
    body = text(client.get(f"/products/{product_id}"))
    assert "鹰潭阴极铜现货日价与库存" in body  # the other language's title, under the English one
    assert "Yingtan copper cathode daily spot prices and inventories" in body
    assert "公开市场价格，不涉及个人信息和重要数据。" in body  # the grade's justification
    assert 'data-testid="schema"' in body and "Mobile number" in body
    assert "138****5678" in body and "13812345678" not in body
    assert "Desensitised sample" in body
    assert 'data-dimension="completeness" data-source="computed"' in body
    assert 'data-dimension="accuracy" data-source="none"' in body
    assert "¥12,000.00" in body and "Non-exclusive" in body and "12 months" in body
    assert "copper.csv" in body and "DCMM level 3" in body
    assert 'data-testid="history"' not in body and 'data-testid="actions"' not in body


def test_each_role_sees_what_it_may_do_on_a_listed_product(app, world):
    product_id = listed(world)
    allowed = {
        Role.VENDOR: (True, {"delist-form"}),
        Role.OPERATOR: (True, {"suspend-form"}),
        Role.REGULATOR: (True, set()),
        Role.BUYER: (False, set()),
    }
    for role, (history, forms) in allowed.items():
        client = app.test_client()
        sign_in_as(client, member(world, role))
        body = text(client.get(f"/products/{product_id}"))
        assert ('data-testid="history"' in body) is history, role
        assert (re.search(r'href="/ledger/\d+"', body) is not None) is history, role
        for form in ["delist-form", "suspend-form", "review-form", "submit-form"]:
            assert (f'data-testid="{form}"' in body) is (form in forms), (role, form)


def test_the_vendor_sees_the_draft_with_its_masked_sample_and_can_submit(client, world):
    product_id = draft(world)
    sign_in_as(client, world[Role.VENDOR])
    body = text(client.get(f"/products/{product_id}"))
    assert 'data-status="draft"' in body and 'data-testid="submit-form"' in body
    assert "139****5679" in body
    response = post(client, f"/products/{product_id}/submit")
    assert response.status_code == 302
    assert status_of(client.application, product_id) == "submitted"


def test_submitting_core_data_is_refused_beside_the_button(app, client, world):
    product_id = draft(world, grade="core", grade_justification="涉及国家安全的核心数据。")
    sign_in_as(client, world[Role.VENDOR])
    english(client)
    response = post(client, f"/products/{product_id}/submit")
    assert response.status_code == 422
    assert "Core data can never be listed or traded on the exchange." in action_error(response)
    assert status_of(app, product_id) == "draft"


def test_delisting_without_a_reason_is_refused_in_place(app, client, world):
    product_id = listed(world)
    sign_in_as(client, world[Role.VENDOR])
    english(client)
    response = post(client, f"/products/{product_id}/delist", {"reason": " "})
    assert response.status_code == 422
    assert "Give a reason." in action_error(response)
    assert post(client, f"/products/{product_id}/delist", {"reason": "停止供数"}).status_code == 302
    assert status_of(app, product_id) == "delisted"


def test_an_operator_suspends_and_reinstates_a_listing(app, client, world):
    product_id = listed(world)
    sign_in_as(client, member(world, Role.OPERATOR))
    assert (
        post(client, f"/products/{product_id}/suspend", {"reason": "数据来源待核实"}).status_code
        == 302
    )
    assert status_of(app, product_id) == "suspended"
    assert 'data-testid="reinstate-form"' in text(client.get(f"/products/{product_id}"))
    assert post(client, f"/products/{product_id}/reinstate").status_code == 302
    assert status_of(app, product_id) == "listed"


def test_posting_without_the_csrf_token_is_refused(app, client, world):
    product_id = draft(world)
    sign_in_as(client, world[Role.VENDOR])
    assert client.post(f"/products/{product_id}/submit").status_code == 400
    assert status_of(app, product_id) == "draft"


# The vendor's forms --------------------------------------------------------------------------


def test_the_vendor_dashboard_lists_every_product_with_its_status(client, world):
    first, second = draft(world), listed(world, **STEEL)
    sign_in_as(client, world[Role.VENDOR])
    body = text(client.get("/vendor/products"))
    rows = re.findall(r'<tr data-product-id="(\d+)">.*?data-status="(\w+)"', body, re.S)
    assert sorted(rows) == sorted([(str(first), "draft"), (str(second), "listed")])
    assert 'href="/vendor/products/new"' in body


def test_the_vendor_and_review_pages_refuse_other_roles(client, world):
    assert client.get("/vendor/products").status_code == 302  # to sign in
    sign_in_as(client, member(world, Role.BUYER))
    assert client.get("/vendor/products").status_code == 403
    assert client.get("/review").status_code == 403


def test_the_new_product_form_creates_a_draft_with_its_file(app, client, world):
    sign_in_as(client, world[Role.VENDOR])
    response = post_new_product(client)
    assert response.status_code == 302, text(response)[:2000]
    product_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert status_of(app, product_id) == "draft"
    body = text(client.get(f"/products/{product_id}"))
    assert "137****5670" in body and "13712345670" not in body
    assert 'data-dimension="accuracy" data-source="declared"' in body
    counts, objects = catalog_state(app)
    assert counts["product_versions"] == 1 and len(objects) == 1


def test_a_bad_file_is_shown_beside_the_file_input_and_nothing_is_stored(app, client, world):
    sign_in_as(client, world[Role.VENDOR])
    english(client)
    before = catalog_state(app)
    response = post_new_product(client, b"MZ\x90\x00not a table", "data.exe")
    assert response.status_code == 422
    assert feedback(response, "file") == [
        "Files of type exe are not accepted; upload CSV, XLSX, JSON or Parquet"
    ]
    assert 'value="鹰潭阴极铜现货日价与库存"' in text(response)  # what was typed is kept
    assert catalog_state(app) == before


def test_a_bad_field_is_shown_in_place_with_the_input_kept(app, client, world):
    sign_in_as(client, world[Role.VENDOR])
    english(client)
    before = catalog_state(app)
    response = post_new_product(client, price="-5", title_en="")
    assert response.status_code == 422
    assert feedback(response, "price") == ["The price must be more than zero."]
    assert feedback(response, "title_en") == ["Missing data for required field."]
    assert 'value="-5"' in text(response) and 'value="铜, copper"' in text(response)
    assert catalog_state(app) == before


def test_the_edit_form_is_filled_in_and_saves_changes(app, client, world):
    product_id = draft(world)
    sign_in_as(client, world[Role.VENDOR])
    body = text(client.get(f"/vendor/products/{product_id}/edit"))
    assert 'value="鹰潭阴极铜现货日价与库存"' in body and 'value="铜, copper"' in body
    changes = form_data(title_zh="鹰潭阴极铜现货日价（修订）", tags="铜、现货")
    assert post(client, f"/vendor/products/{product_id}/edit", changes).status_code == 302
    body = text(client.get(f"/products/{product_id}"))
    assert "鹰潭阴极铜现货日价（修订）" in body and ">现货</a>" in body


def test_a_listed_product_keeps_its_reviewed_fields_out_of_the_edit_form(app, client, world):
    product_id = listed(world)
    sign_in_as(client, world[Role.VENDOR])
    body = text(client.get(f"/vendor/products/{product_id}/edit"))
    assert 'name="grade"' not in body and 'name="board"' not in body
    changes = {
        k: v
        for k, v in form_data(title_en="Yingtan copper (revised)").items()
        if k not in ("board", "product_type", "grade", "grade_justification", "regions")
    }
    assert post(client, f"/vendor/products/{product_id}/edit", changes).status_code == 302
    assert "Yingtan copper (revised)" in text(client.get(f"/products/{product_id}"))
    assert status_of(app, product_id) == "listed"


def test_a_new_version_is_uploaded_from_its_form(app, client, world):
    product_id = draft(world)
    sign_in_as(client, world[Role.VENDOR])
    data = {"note": "补充十月数据", "file": (io.BytesIO(COPPER_CSV), "copper-v2.csv")}
    response = post(
        client,
        f"/vendor/products/{product_id}/versions/new",
        data,
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    body = text(client.get(f"/products/{product_id}"))
    assert "copper-v2.csv" in body and "补充十月数据" in body


@pytest.fixture
def small_forms_app(database_url, tmp_path):
    """The exchange with a 4 KiB limit on ordinary request bodies (uploads keep theirs)."""
    app = create_app(
        {
            "MODE": "test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "MAX_CONTENT_LENGTH": 4096,
        }
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_page_upload_may_be_larger_than_an_ordinary_form(small_forms_app):
    world = {"app": small_forms_app, "api": small_forms_app.test_client()}
    world[Role.VENDOR] = person(small_forms_app, [Role.VENDOR])
    product_id = draft(world)
    client = small_forms_app.test_client()
    sign_in_as(client, world[Role.VENDOR])
    content = COPPER_CSV + b"2026-10-12,72010.00,117920,13612345671\n" * 200
    assert len(content) > 4096
    data = {"file": (io.BytesIO(content), "copper-v2.csv")}
    path = f"/vendor/products/{product_id}/versions/new"
    assert post(client, path, data, content_type="multipart/form-data").status_code == 302


def test_describing_a_column_as_personal_masks_it_in_the_sample(client, world):
    product_id = draft(world)
    sign_in_as(client, world[Role.VENDOR])
    assert "120300" in text(client.get(f"/products/{product_id}"))
    notes = {"unit_1": "元/吨", "description_1": "现货均价", "personal_2": "on"}
    assert post(client, f"/vendor/products/{product_id}/fields", notes).status_code == 302
    body = text(client.get(f"/products/{product_id}"))
    assert "元/吨" in body and "现货均价" in body
    assert "120300" not in body


def test_offers_are_added_and_retired_and_errors_shown_in_place(client, world):
    product_id = draft(world)
    sign_in_as(client, world[Role.VENDOR])
    english(client)
    offer = {
        "kind": "exclusive",
        "scope": "commercial",
        "term_months": "36",
        "territory": "global",
        "seats": "2",
        "price": "0.001",
    }
    response = post(client, f"/vendor/products/{product_id}/offers", offer)
    assert response.status_code == 422
    assert feedback(response, "price") == ["The price has at most two decimals (fen)."]
    assert (
        post(
            client, f"/vendor/products/{product_id}/offers", offer | {"price": "250000"}
        ).status_code
        == 302
    )
    body = text(client.get(f"/products/{product_id}"))
    assert "¥250,000.00" in body and "36 months" in body
    first_offer = re.search(r'data-offer-id="(\d+)"', body).group(1)
    response = post(client, f"/vendor/products/{product_id}/offers/{first_offer}/retire")
    assert response.status_code == 302
    assert "Retired" in text(client.get(f"/products/{product_id}"))


# Listing review ------------------------------------------------------------------------------


def test_an_operator_approves_from_the_review_queue(app, client, world):
    product_id = submitted(world)
    sign_in_as(client, member(world, Role.OPERATOR))
    body = text(client.get("/review"))
    assert f'data-product-id="{product_id}"' in body
    assert "公开市场价格，不涉及个人信息和重要数据。" in body
    response = post(client, f"/review/{product_id}", {"decision": "approve"})
    assert response.status_code == 302
    assert status_of(app, product_id) == "listed"
    assert 'data-testid="queue-empty"' in text(client.get("/review"))


def test_rejecting_without_a_reason_is_refused_on_the_queue(app, client, world):
    product_id = submitted(world)
    sign_in_as(client, member(world, Role.OPERATOR))
    english(client)
    response = post(client, f"/review/{product_id}", {"decision": "reject", "reason": ""})
    assert response.status_code == 422
    assert "Give a reason." in text(response)
    assert (
        post(
            client, f"/review/{product_id}", {"decision": "reject", "reason": "分级依据不足"}
        ).status_code
        == 302
    )
    assert status_of(app, product_id) == "draft"


def test_important_data_needs_the_regulator_after_the_operator(app, client, world):
    product_id = submitted(world, grade="important", grade_justification="涉及产业链关键产能数据。")
    sign_in_as(client, member(world, Role.OPERATOR))
    assert (
        post(client, f"/products/{product_id}/review", {"decision": "approve"}).status_code == 302
    )
    assert status_of(app, product_id) == "in_review"
    regulator = app.test_client()
    sign_in_as(regulator, member(world, Role.REGULATOR))
    assert f'data-product-id="{product_id}"' in text(regulator.get("/review"))
    assert 'data-testid="review-form"' in text(regulator.get(f"/products/{product_id}"))
    assert (
        post(regulator, f"/products/{product_id}/review", {"decision": "approve"}).status_code
        == 302
    )
    assert status_of(app, product_id) == "listed"


# Languages and navigation --------------------------------------------------------------------


def test_the_product_page_is_in_chinese_by_default_and_in_english_on_request(client, world):
    product_id = listed(world)
    body = text(client.get(f"/products/{product_id}"))
    assert '<html lang="zh-CN">' in body
    title = re.search(r'data-testid="product-title">(.*?)<', body).group(1)
    assert title == "鹰潭阴极铜现货日价与库存"
    english(client)
    body = text(client.get(f"/products/{product_id}"))
    assert '<html lang="en">' in body
    title = re.search(r'data-testid="product-title">(.*?)<', body).group(1)
    assert title == "Yingtan copper cathode daily spot prices and inventories"
    assert "Non-ferrous metals" in body


def test_navigation_offers_the_catalog_pages_by_role(app, world):
    offered = {
        Role.VENDOR: ({"/products", "/vendor/products"}, {"/review"}),
        Role.OPERATOR: ({"/products", "/review"}, {"/vendor/products"}),
        Role.REGULATOR: ({"/products", "/review"}, {"/vendor/products"}),
        Role.BUYER: ({"/products"}, {"/review", "/vendor/products"}),
    }
    for role, (shown, hidden) in offered.items():
        client = app.test_client()
        sign_in_as(client, member(world, role))
        links = set(re.findall(r'class="nav-link" href="([^"]+)"', text(client.get("/"))))
        assert shown <= links, role
        assert not hidden & links, role


@pytest.fixture
def small_uploads_app(database_url, tmp_path):
    """The exchange accepting data files of at most 1 KiB."""
    app = create_app(
        {
            "MODE": "test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "UPLOAD_MAX_BYTES": 1024,
        }
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_an_oversized_file_is_refused_beside_the_file_input(small_uploads_app):
    world = {"app": small_uploads_app, "api": small_uploads_app.test_client()}
    world[Role.VENDOR] = person(small_uploads_app, [Role.VENDOR])
    client = small_uploads_app.test_client()
    sign_in_as(client, world[Role.VENDOR])
    english(client)
    before = catalog_state(small_uploads_app)
    content = COPPER_CSV + b"2026-10-12,72010.00,117920,13612345671\n" * 100
    response = post_new_product(client, content=content)
    assert response.status_code == 413
    assert any("larger than" in message for message in feedback(response, "file"))
    assert catalog_state(small_uploads_app) == before


def test_a_colleague_without_the_vendor_role_sees_no_edit_actions(client, world):
    product_id = draft(world)
    colleague = person(
        world["app"], [Role.BUYER], organisation_id=world[Role.VENDOR].organisation_id
    )
    sign_in_as(client, colleague)
    body = text(client.get(f"/products/{product_id}"))
    assert f"/vendor/products/{product_id}/edit" not in body
