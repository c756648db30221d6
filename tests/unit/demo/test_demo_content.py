"""The demo's TOML content: every file is read, every reference resolves, every enum value exists,
and the loader refuses what the spec dataclasses cannot hold."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from decimal import Decimal
from enum import StrEnum
from importlib import resources
from importlib.metadata import entry_points

import pytest

from demo import DEMO_PRODUCTS, DEMO_VENDORS
from demo.cli import demo
from demo.content import (
    _PRODUCT_KEYS,
    PRODUCT_FILES,
    VALUE_KINDS,
    ContentError,
    _field,
    _offer,
    read_products,
    read_vendors,
)
from demo.specs import DemoOffer, DemoProduct, Walk
from exchange.catalog.domain import (
    FileFormat,
    Grade,
    LicenceKind,
    ListingStatus,
    ProductType,
    Territory,
    UpdateFrequency,
    UseScope,
)

DATA = resources.files("demo") / "data"
PRODUCT_ENUMS: dict[str, type[StrEnum]] = {
    "product_type": ProductType,
    "update_frequency": UpdateFrequency,
    "grade": Grade,
    "status": ListingStatus,
    "file_format": FileFormat,
}
OFFER_ENUMS: dict[str, type[StrEnum]] = {
    "kind": LicenceKind,
    "scope": UseScope,
    "territory": Territory,
}


def raw(name: str) -> dict:
    return tomllib.loads((DATA / name).read_text("utf-8"))


def raw_products() -> list[dict]:
    return [entry for name in PRODUCT_FILES for entry in raw(f"products/{name}.toml")["products"]]


def test_the_catalog_holds_fourteen_vendors_and_seventy_eight_products():
    assert (len(DEMO_VENDORS), len(DEMO_PRODUCTS)) == (14, 78)


def test_reading_again_gives_the_same_content_in_the_same_order():
    assert read_vendors() == DEMO_VENDORS
    assert read_products() == DEMO_PRODUCTS


def test_every_product_file_is_read_and_no_other_lies_beside_them():
    on_disk = {path.name for path in (DATA / "products").iterdir() if path.name.endswith(".toml")}
    assert on_disk == {f"{name}.toml" for name in PRODUCT_FILES}
    assert len(PRODUCT_FILES) == len(set(PRODUCT_FILES))


def test_keys_titles_credit_codes_and_logins_are_unique():
    for values in (
        [p.key for p in DEMO_PRODUCTS],
        [p.title_zh for p in DEMO_PRODUCTS],
        [p.title_en for p in DEMO_PRODUCTS],
        [v.key for v in DEMO_VENDORS],
        [v.credit_code for v in DEMO_VENDORS],
        [v.user_email for v in DEMO_VENDORS],
    ):
        assert len(values) == len(set(values))


def test_every_vendor_a_product_names_exists():
    vendors = {vendor.key for vendor in DEMO_VENDORS}
    assert {product.vendor for product in DEMO_PRODUCTS} <= vendors


def test_every_enum_value_written_in_the_files_is_valid():
    presets = raw("common.toml")["offer_presets"]
    for entry in raw_products():
        for key, enum in PRODUCT_ENUMS.items():
            if key in entry:
                assert entry[key] in {member.value for member in enum}, (entry["key"], key)
        for offer in entry["offers"]:
            assert offer["preset"] in presets, entry["key"]
            for key, enum in OFFER_ENUMS.items():
                if key in offer:
                    assert offer[key] in {member.value for member in enum}, (entry["key"], key)
    for preset in presets.values():
        for key, enum in OFFER_ENUMS.items():
            assert preset[key] in {member.value for member in enum}


def test_loaded_specs_hold_enums_dates_and_prices_in_cents():
    for product in DEMO_PRODUCTS:
        assert type(product.product_type) is ProductType
        assert type(product.grade) is Grade and type(product.status) is ListingStatus
        assert product.coverage_start <= product.coverage_end
        assert isinstance(product.regions, tuple) and isinstance(product.tags, tuple)
        for offer in product.offers:
            assert type(offer.kind) is LicenceKind and type(offer.territory) is Territory
            assert type(offer.price) is Decimal and offer.price.as_tuple().exponent == -2
        for field in product.fields:
            assert type(field.values) in VALUE_KINDS.values()


def test_prices_are_written_as_strings_so_no_cent_is_lost_to_a_float():
    for entry in raw_products():
        for offer in entry["offers"]:
            assert isinstance(offer["price"], str)
            assert Decimal(offer["price"]) == Decimal(offer["price"]).quantize(Decimal("0.01"))


def test_grade_reasons_named_by_products_exist():
    reasons = raw("common.toml")["grade_reasons"]
    for entry in raw_products():
        assert ("grade_reason" in entry) != ("grade_justification" in entry), entry["key"]
        if "grade_reason" in entry:
            assert entry["grade_reason"] in reasons


def test_an_offer_takes_its_preset_and_overrides_terms():
    presets = raw("common.toml")["offer_presets"]
    offer = _offer({"preset": "internal", "price": "10", "seats": 4}, presets)
    assert offer == DemoOffer(
        LicenceKind.NON_EXCLUSIVE, UseScope.INTERNAL, 12, Territory.JIANGXI, 4, False, False,
        Decimal("10.00"),
    )  # fmt: skip


def test_a_field_takes_its_unit_from_its_name_and_tuples_from_arrays():
    field = _field(
        {"name": "价格(元/吨)", "description": "d", "walk": {"start": 1, "step": 0.1, "low": 0,
         "high": 2, "starts": [1, 2]}}
    )  # fmt: skip
    assert field.unit == "元/吨"
    assert field.values == Walk(1, 0.1, 0, 2, starts=(1, 2))


@pytest.mark.parametrize(
    "entry",
    [
        {"name": "a", "description": "d"},
        {"name": "a", "description": "d", "day": {}, "timeline": {}},
        {"name": "a", "description": "d", "day": {}, "colour": "red"},
    ],
    ids=["no way to fill it", "two ways", "unknown key"],
)
def test_a_field_names_exactly_one_way_to_fill_it_and_nothing_unknown(entry):
    with pytest.raises(ContentError):
        _field(entry)


def test_every_spec_field_can_be_written_in_a_product_file():
    written = {"about", "grade_reason"} | {f.name for f in fields(DemoProduct)} - {"description"}
    assert written == _PRODUCT_KEYS


def test_flask_finds_the_demo_commands_through_the_package_entry_point():
    (plugin,) = [e for e in entry_points(group="flask.commands") if e.name == "demo"]
    assert plugin.load() is demo
    assert set(demo.commands) == {"seed", "serve"}
