"""Valuation setup for tests: a vendor's cost inputs, and the listing valuation of one offer."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.catalog import Person

COST = {
    "planning": "10000",
    "collection": "20000.50",
    "labour": "30000",
    "return_rate": "0.2",
    "total_life_months": 36,
    "remaining_life_months": 30,
}


def value(client: FlaskClient, vendor: Person, product_id: int, offer_id: int) -> dict[str, Any]:
    """The vendor values the offer by its costs; the valuation as the API returns it."""
    response = client.post(
        f"/api/v1/products/{product_id}/valuations",
        json={"cost": COST, "offer_id": offer_id},
        headers=vendor.headers,
    )
    assert response.status_code == 201, response.get_json()
    result: dict[str, Any] = response.get_json()
    return result
