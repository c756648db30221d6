"""Catalog setup for tests: product metadata, small real files, products made through the API."""

from __future__ import annotations

import io
from typing import Any

from flask.testing import FlaskClient

COPPER_CSV = (
    "日期,阴极铜现货价(元/吨),库存(吨),联系人手机\n"
    "2026-10-08,71250.00,120300,13812345678\n"
    "2026-10-09,71480.50,119850,13912345679\n"
    "2026-10-10,,118400,13712345670\n"
    "2026-10-11,72010.00,117920,13612345671\n"
).encode()


def id_number(body17: str = "36010219900307123") -> str:
    """A mainland ID number with its ISO 7064 MOD 11-2 check character."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body17, weights, strict=True))
    return body17 + "10X98765432"[total % 11]


def product_data(**overrides: Any) -> dict[str, Any]:
    """Valid metadata for a general-grade copper dataset with one licence offer."""
    data: dict[str, Any] = {
        "board": "nonferrous",
        "title_zh": "鹰潭阴极铜现货日价与库存",
        "title_en": "Yingtan copper cathode daily spot prices and inventories",
        "summary_zh": "阴极铜现货价格、社会库存，按日更新。",
        "summary_en": "Copper cathode spot prices and inventories, updated daily.",
        "description": "测试数据。",
        "product_type": "dataset",
        "update_frequency": "daily",
        "coverage_start": "2026-10-08",
        "coverage_end": "2026-10-11",
        "regions": ["yingtan"],
        "tags": ["铜", "copper"],
        "grade": "general",
        "grade_justification": "公开市场价格，不涉及个人信息和重要数据。",
        "offers": [
            {
                "kind": "non_exclusive",
                "scope": "internal",
                "term_months": 12,
                "territory": "mainland",
                "seats": 5,
                "derivative": False,
                "redistribution": False,
                "price": "12000.00",
            }
        ],
    }
    data.update(overrides)
    return data


def upload(
    client: FlaskClient,
    headers: dict[str, str],
    product_id: int,
    content: bytes = COPPER_CSV,
    filename: str = "copper.csv",
    **form: str,
) -> Any:
    """Post a file as a new version of the product."""
    return client.post(
        f"/api/v1/products/{product_id}/versions",
        data={"file": (io.BytesIO(content), filename), **form},
        headers=headers,
        content_type="multipart/form-data",
    )


def create_product(
    client: FlaskClient, headers: dict[str, str], *, with_file: bool = True, **overrides: Any
) -> dict[str, Any]:
    """A draft product made through the API, with its file uploaded unless told otherwise."""
    response = client.post("/api/v1/products", json=product_data(**overrides), headers=headers)
    assert response.status_code == 201, response.get_json()
    product = response.get_json()
    if with_file:
        response = upload(client, headers, product["id"])
        assert response.status_code == 201, response.get_json()
        product = response.get_json()
    return product

