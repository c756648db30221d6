"""The demo catalog's content, read from the TOML files under demo/data/ into the spec dataclasses:
the vendors and products are data, edited without touching code."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import fields
from datetime import date
from decimal import Decimal
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from demo.specs import (
    Around,
    Change,
    Day,
    DemoField,
    DemoOffer,
    DemoProduct,
    DemoVendor,
    Each,
    Level,
    Pattern,
    Period,
    Personal,
    Pick,
    Scaled,
    Serial,
    Timeline,
    Uniform,
    Values,
    Walk,
)
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

# The product files in catalog order: the order products are listed, and files generated, in.
PRODUCT_FILES = (
    "copper",
    "rare_metals",
    "lithium",
    "steel",
    "energy",
    "power",
    "solar",
    "chemicals",
    "textiles",
    "electronics",
    "furniture",
    "aviation",
    "medicine",
    "logistics",
    "agriculture",
)

# A field names how it is filled by one of these keys; its table holds the class's arguments.
VALUE_KINDS: Mapping[str, type[Values]] = {
    "period": Period,
    "each": Each,
    "walk": Walk,
    "level": Level,
    "uniform": Uniform,
    "pick": Pick,
    "pattern": Pattern,
    "serial": Serial,
    "day": Day,
    "timeline": Timeline,
    "scaled": Scaled,
    "around": Around,
    "change": Change,
    "person": Personal,
}

_CENT = Decimal("0.01")
_UNIT = re.compile(r"\(([^()]+)\)$")


class ContentError(ValueError):
    """A demo data file says something the spec dataclasses cannot hold."""


def _data() -> Traversable:
    return resources.files("demo") / "data"


def _read(path: Traversable) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def read_vendors() -> tuple[DemoVendor, ...]:
    """Every demo vendor, in the order of vendors.toml."""
    return tuple(_vendor(entry) for entry in _read(_data() / "vendors.toml")["vendors"])


def read_products() -> tuple[DemoProduct, ...]:
    """Every demo product, file by file in PRODUCT_FILES order."""
    common = _read(_data() / "common.toml")
    products: list[DemoProduct] = []
    for name in PRODUCT_FILES:
        for entry in _read(_data() / "products" / f"{name}.toml")["products"]:
            try:
                products.append(_product(entry, common))
            except (KeyError, TypeError, ValueError) as error:
                raise ContentError(f"{name}.toml, {entry.get('key')!r}: {error!r}") from error
    return tuple(products)


def _vendor(entry: dict[str, Any]) -> DemoVendor:
    _only(entry, {field.name for field in fields(DemoVendor)}, "vendor")
    return DemoVendor(
        key=entry["key"],
        name_zh=entry["name_zh"],
        name_en=entry["name_en"],
        credit_code=entry["credit_code"],
        region=entry["region"],
        dcmm_level=entry.get("dcmm_level"),
        dcmm_certificate_no=entry.get("dcmm_certificate_no"),
        contact_name=entry["contact_name"],
        contact_phone=entry["contact_phone"],
        contact_email=entry["contact_email"],
        user_email=entry["user_email"],
        user_display_name=entry["user_display_name"],
    )


_PRODUCT_KEYS = {
    "key",
    "vendor",
    "board",
    "title_zh",
    "title_en",
    "summary_zh",
    "summary_en",
    "about",
    "product_type",
    "update_frequency",
    "coverage_start",
    "coverage_end",
    "regions",
    "tags",
    "grade",
    "grade_reason",
    "grade_justification",
    "offers",
    "file_format",
    "fields",
    "versions",
    "status",
    "accuracy",
    "declared_note",
    "rows",
    "csv_bom",
}


def _product(entry: dict[str, Any], common: dict[str, Any]) -> DemoProduct:
    _only(entry, _PRODUCT_KEYS, "product")
    if ("grade_reason" in entry) == ("grade_justification" in entry):
        raise ContentError("a product has either grade_reason or grade_justification")
    justification = (
        common["grade_reasons"][entry["grade_reason"]]
        if "grade_reason" in entry
        else entry["grade_justification"]
    )
    accuracy = entry.get("accuracy")
    return DemoProduct(
        key=entry["key"],
        vendor=entry["vendor"],
        board=entry["board"],
        title_zh=entry["title_zh"],
        title_en=entry["title_en"],
        summary_zh=entry["summary_zh"],
        summary_en=entry["summary_en"],
        description=entry["about"] + common["note"],
        product_type=ProductType(entry["product_type"]),
        update_frequency=UpdateFrequency(entry["update_frequency"]),
        coverage_start=_date(entry["coverage_start"]),
        coverage_end=_date(entry["coverage_end"]),
        regions=tuple(entry["regions"]),
        tags=tuple(entry["tags"]),
        grade=Grade(entry["grade"]),
        grade_justification=justification,
        offers=tuple(_offer(offer, common["offer_presets"]) for offer in entry["offers"]),
        file_format=FileFormat(entry["file_format"]),
        fields=tuple(_field(field) for field in entry["fields"]),
        versions=entry.get("versions", 1),
        status=ListingStatus(entry.get("status", ListingStatus.LISTED)),
        accuracy=None if accuracy is None else float(accuracy),
        declared_note=entry.get("declared_note"),
        rows=entry.get("rows"),
        csv_bom=entry.get("csv_bom", False),
    )


def _offer(entry: dict[str, Any], presets: dict[str, dict[str, Any]]) -> DemoOffer:
    """A preset from common.toml, with the entry's own terms over it and its price."""
    _only(entry, {"preset", "price"} | {f.name for f in fields(DemoOffer)}, "offer")
    terms = presets[entry["preset"]] | entry
    return DemoOffer(
        kind=LicenceKind(terms["kind"]),
        scope=UseScope(terms["scope"]),
        term_months=terms["term_months"],
        territory=Territory(terms["territory"]),
        seats=terms["seats"],
        derivative=terms["derivative"],
        redistribution=terms["redistribution"],
        price=Decimal(terms["price"]).quantize(_CENT),
    )


def _field(entry: dict[str, Any]) -> DemoField:
    """A column: its unit is the bracketed end of its name, as in 阴极铜现货价(元/吨)."""
    kinds = [key for key in entry if key in VALUE_KINDS]
    _only(entry, {"name", "description", "personal", *kinds}, "field")
    if len(kinds) != 1:
        raise ContentError(f"field {entry.get('name')!r} names {kinds}, not one way to fill it")
    kind = kinds[0]
    arguments: dict[str, Any] = {
        key: tuple(value) if isinstance(value, list) else value
        for key, value in entry[kind].items()
    }
    name: str = entry["name"]
    unit = _UNIT.search(name)
    return DemoField(
        name=name,
        unit=unit.group(1) if unit else None,
        description=entry["description"],
        personal=entry.get("personal", False),
        values=VALUE_KINDS[kind](**arguments),
    )


def _date(value: object) -> date:
    if type(value) is not date:
        raise ContentError(f"{value!r} is not a date (write 2024-01-02, unquoted)")
    return value


def _only(entry: dict[str, Any], allowed: set[str], what: str) -> None:
    unknown = entry.keys() - allowed
    if unknown:
        raise ContentError(f"a {what} has unknown keys {sorted(unknown)}")


DEMO_VENDORS: tuple[DemoVendor, ...] = read_vendors()
DEMO_PRODUCTS: tuple[DemoProduct, ...] = read_products()
