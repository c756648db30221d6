"""The public catalog: full-text search in Chinese and English, filters, sorting, pages, facets
and the board counts, on SQLite (FTS5) and PostgreSQL (tsvector) alike.

These tests only read, so one catalog per backend serves the whole module: listing a dozen
products through the API for each of them would cost more than every search together. The
catalog is emptied back to the migrations' seed when the module ends, as each test's is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient

from exchange.app import create_app
from exchange.extensions import db
from exchange.kernel.vocabulary import Role
from tests.api.helpers import english_client, field_errors
from tests.catalog import Person, create_product, listed_product, person, post, review, submit
from tests.databases import TemplateDatabase

PRODUCTS = "/api/v1/products"


def offer(price: str) -> list[dict[str, Any]]:
    return [{"kind": "non_exclusive", "scope": "internal", "term_months": 12,
             "territory": "mainland", "seats": 1, "price": price}]  # fmt: skip


# What each listed product is, in the order it is listed (so "newest" is the last one).
LISTED: dict[str, dict[str, Any]] = {
    "copper": {
        "board": "nonferrous",
        "title_zh": "鹰潭阴极铜现货日价",
        "title_en": "Yingtan cathode copper spot prices",
        "summary_zh": "现货市场每日收盘价格。",
        "summary_en": "Daily closing prices of the spot market.",
        "description": "",
        "tags": [],
        "regions": ["yingtan"],
        "update_frequency": "daily",
        "offers": offer("12000.00"),
    },
    "lithium": {
        "board": "lithium",
        "title_zh": "宜春碳酸锂产能与库存",
        "title_en": "Yichun lithium carbonate capacity and stocks",
        "summary_zh": "电池级碳酸锂月度产能。",
        "summary_en": "Monthly capacity of battery-grade lithium carbonate.",
        "description": "",
        "tags": ["锂"],
        "regions": ["yichun"],
        "update_frequency": "monthly",
        "offers": offer("30000.00"),
    },
    "calcium": {
        "board": "chemicals",
        "title_zh": "九江碳酸钙出厂价",
        "title_en": "Jiujiang calcium carbonate ex-works prices",
        "summary_zh": "重质碳酸钙周度价格。",
        "summary_en": "Weekly prices of ground calcium carbonate.",
        "description": "",
        "tags": [],
        "regions": ["jiujiang"],
        "update_frequency": "weekly",
        "offers": offer("5000.00"),
    },
    "energy": {
        "board": "energy",
        "title_zh": "南昌园区企业能耗月报",
        "title_en": "Nanchang park energy consumption report",
        "summary_zh": "规上工业企业综合能耗。",
        "summary_en": "Energy used by large industrial firms.",
        "description": "",
        "tags": [],
        "regions": ["nanchang"],
        "update_frequency": "monthly",
        "product_type": "report",
        "grade": "important",
        "offers": offer("8000.00"),
    },
    "battery": {
        "board": "lithium",
        "title_zh": "赣州动力电池产能与耗材清单",
        "title_en": "Ganzhou traction battery output and consumables",
        "summary_zh": "电池产能、耗材采购清单。",
        "summary_en": "Battery output and purchases of consumables.",
        "description": "",
        "tags": [],
        "regions": ["ganzhou"],
        "update_frequency": "quarterly",
        "product_type": "api",
        "offers": offer("20000.00"),
    },
    "steel": {
        "board": "steel",
        "title_zh": "新余钢铁产量",
        "title_en": "Xinyu steel output",
        "summary_zh": "钢材月度产量。",
        "summary_en": "Monthly steel output.",
        "description": "附录含废铜回收价格。",
        "tags": [],
        "regions": ["xinyu"],
        "update_frequency": "monthly",
        "offers": offer("15000.00"),
    },
}
# Vendors: DCMM level 4 sells these; level 2 the rest.
DCMM_4 = {"copper", "energy", "steel"}
# Products in every status but listed, each titled to match a search for 铜.
HIDDEN = ("draft", "submitted", "suspended", "delisted")


@dataclass(frozen=True)
class Catalog:
    client: FlaskClient
    ids: dict[str, int]

    def search(self, **query: Any) -> list[str]:
        """The names of the products a catalog query returns, in its order."""
        return self.named(self.page(**query))

    def named(self, page: dict[str, Any]) -> list[str]:
        """The products of a catalog page by their names here."""
        by_id = {product_id: name for name, product_id in self.ids.items()}
        return [by_id[item["id"]] for item in page["items"]]

    def page(self, **query: Any) -> dict[str, Any]:
        response = self.client.get(PRODUCTS, query_string=query)
        assert response.status_code == 200, response.get_json()
        return response.get_json()


def _list_important(client: FlaskClient, vendor: Person, operator: Person, regulator: Person,
                    data: dict[str, Any]) -> int:  # fmt: skip
    product_id = create_product(client, vendor.headers, **data)["id"]
    submit(client, vendor, product_id)
    review(client, operator, product_id)
    assert review(client, regulator, product_id).get_json()["status"] == "listed"
    return product_id


def _hide(client: FlaskClient, vendor: Person, operator: Person, status: str) -> int:
    data = {"title_zh": f"铜箔产能（{status}）", "title_en": f"Copper foil ({status})"}
    if status == "draft":
        return create_product(client, vendor.headers, **data)["id"]
    if status == "submitted":
        product_id = create_product(client, vendor.headers, **data)["id"]
        submit(client, vendor, product_id)
        return product_id
    product_id = listed_product(client, vendor, operator, **data)["id"]
    url = f"{PRODUCTS}/{product_id}/{'suspend' if status == 'suspended' else 'delist'}"
    assert post(client, url, operator.headers, reason="测试").status_code == 200
    return product_id


@pytest.fixture(scope="module")
def catalog(
    migrated_database: TemplateDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Catalog]:
    """Six listed products from two vendors and four others that must never show."""
    url = migrated_database.fresh(tmp_path_factory.mktemp("database"))
    app = create_app(
        {
            "MODE": "test",
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(tmp_path_factory.mktemp("catalog-search")),
        }
    )
    client = english_client(app)
    vendors = {level: person(app, [Role.VENDOR], dcmm_level=level) for level in (2, 4)}
    operator = person(app, [Role.OPERATOR])
    regulator = person(app, [Role.REGULATOR])
    ids: dict[str, int] = {}
    for name, data in LISTED.items():
        vendor = vendors[4 if name in DCMM_4 else 2]
        if data.get("grade") == "important":
            ids[name] = _list_important(client, vendor, operator, regulator, data)
        else:
            ids[name] = listed_product(client, vendor, operator, **data)["id"]
    for status in HIDDEN:
        ids[status] = _hide(client, vendors[4], operator, status)
    try:
        yield Catalog(client, ids)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        migrated_database.release(url)


# Chinese


def test_single_character_finds_every_product_that_has_it(catalog):
    assert sorted(catalog.search(q="铜")) == ["copper", "steel"]


def test_title_match_ranks_above_a_description_only_match(catalog):
    # The steel product was listed later: by date alone it would come first.
    assert catalog.search(q="铜") == ["copper", "steel"]


def test_word_finds_products_with_the_whole_word_only(catalog):
    assert catalog.search(q="碳酸锂") == ["lithium"]


def test_word_is_not_found_in_its_characters_apart(catalog):
    # 赣州动力电池产能与耗材 holds 能 and 耗, but not 能耗.
    assert catalog.search(q="能耗") == ["energy"]


def test_shorter_word_finds_every_product_containing_it(catalog):
    assert sorted(catalog.search(q="碳酸")) == ["calcium", "lithium"]


def test_every_word_of_a_query_must_match(catalog):
    assert catalog.search(q="碳酸 九江") == ["calcium"]


def test_word_found_nowhere_finds_nothing(catalog):
    assert catalog.search(q="钨精矿") == []


# English


def test_english_word_finds_its_products_whatever_the_case(catalog):
    assert catalog.search(q="COPPER") == ["copper"]


def test_english_plural_finds_the_singular(catalog):
    # "battery" is in one title and in the other's summary ("battery-grade").
    assert catalog.search(q="batteries") == ["battery", "lithium"]


def test_chinese_and_english_words_combine(catalog):
    assert catalog.search(q="carbonate 宜春") == ["lithium"]


def test_query_without_a_searchable_word_finds_nothing(catalog):
    page = catalog.page(q="?!…")
    assert (page["items"], page["total"]) == ([], 0)


# Only listed products


def test_catalog_shows_listed_products_only(catalog):
    assert sorted(catalog.search(per_page=100)) == sorted(LISTED)


def test_search_never_finds_products_that_are_not_listed(catalog):
    assert not set(catalog.search(q="铜箔")) & set(HIDDEN)


# Filters


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"board": "lithium"}, {"lithium", "battery"}),
        ({"grade": "important"}, {"energy"}),
        ({"product_type": "api"}, {"battery"}),
        ({"region": "nanchang"}, {"energy"}),
        ({"update_frequency": "weekly"}, {"calcium"}),
        ({"dcmm_min": 4}, DCMM_4),
        ({"price_min": "10000", "price_max": "20000.00"}, {"copper", "battery", "steel"}),
        ({"q": "碳酸", "board": "chemicals"}, {"calcium"}),
    ],
    ids=["board", "grade", "type", "region", "frequency", "dcmm", "price-range", "with-search"],
)
def test_filter_keeps_the_matching_products(catalog, query, expected):
    assert set(catalog.search(**query)) == expected


# Sorting and pages


def test_newest_listing_comes_first(catalog):
    assert catalog.search(sort="newest") == list(reversed(LISTED))


def test_cheapest_comes_first(catalog):
    assert catalog.search(sort="price_asc") == [
        "calcium",
        "energy",
        "copper",
        "steel",
        "battery",
        "lithium",
    ]


def test_dearest_comes_first(catalog):
    assert catalog.search(sort="price_desc")[:2] == ["lithium", "battery"]


def test_pages_split_the_results(catalog):
    page = catalog.page(sort="price_asc", per_page=4, page=2)
    assert catalog.named(page) == ["battery", "lithium"]
    assert (page["total"], page["page"], page["per_page"], page["pages"]) == (6, 2, 4, 2)


def test_page_past_the_end_is_empty(catalog):
    page = catalog.page(per_page=4, page=3)
    assert (page["items"], page["total"]) == ([], 6)


# Facets and boards


def test_facets_count_the_listed_products_by_each_value(catalog):
    facets = catalog.page()["facets"]
    assert facets["board"] == {
        "nonferrous": 1,
        "lithium": 2,
        "chemicals": 1,
        "energy": 1,
        "steel": 1,
    }
    assert facets["grade"] == {"general": 5, "important": 1}
    assert facets["product_type"] == {"dataset": 4, "report": 1, "api": 1}
    assert sum(facets["region"].values()) == 6


def test_the_dcmm_facet_counts_products_by_their_vendors_level(catalog):
    page = catalog.page(per_page=1)
    assert set(page["facets"]["dcmm_level"]) <= {"1", "2", "3", "4", "5"}
    assert sum(page["facets"]["dcmm_level"].values()) == page["total"]


def test_facets_count_only_what_the_search_found(catalog):
    facets = catalog.page(q="碳酸")["facets"]
    assert facets["board"] == {"lithium": 1, "chemicals": 1}
    assert facets["region"] == {"yichun": 1, "jiujiang": 1}


def test_boards_count_their_listed_products(catalog):
    boards = catalog.client.get("/api/v1/boards").get_json()
    assert len(boards) == 24
    assert boards[0] == {
        "code": "nonferrous",
        "name_zh": "有色金属",
        "name_en": "Non-ferrous metals",
        "kind": "board",
        "count": 1,
    }
    assert boards[-1]["kind"] == "sector"
    counts = {board["code"]: board["count"] for board in boards if board["count"]}
    assert counts == {"nonferrous": 1, "lithium": 2, "chemicals": 1, "energy": 1, "steel": 1}


# Bad queries are named on their field


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"sort": "cheapest"}, "sort"),
        ({"grade": "secret"}, "grade"),
        ({"price_min": "-5"}, "price_min"),
        ({"price_max": "1.234"}, "price_max"),
        ({"price_min": "200", "price_max": "100"}, "price_max"),
        ({"dcmm_min": "6"}, "dcmm_min"),
        ({"per_page": "500"}, "per_page"),
    ],
    ids=["sort", "grade", "negative-price", "fen", "price-range", "dcmm", "per-page"],
)
def test_bad_query_is_refused_on_its_field(catalog, query, field):
    errors = field_errors(catalog.client.get(PRODUCTS, query_string=query))
    assert list(errors) == [field]


def test_an_unknown_query_parameter_is_refused_not_ignored(client):
    response = client.get("/api/v1/products", query_string={"bord": "steel"})
    assert field_errors(response)["bord"]
