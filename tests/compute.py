"""Computation setup for tests: a listed product with personal data, a query policy, a
computation offer, and a buyer's contract for it agreed, signed and paid through the services."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from exchange.kernel.vocabulary import Role
from tests.catalog import Person, create_product, person, review, submit, upload
from tests.rights import certify
from tests.trading import accept, paid, propose, sign, terms

REGIONS = ("南昌", "九江", "赣州", "上饶")
DEFAULT_POLICY: dict[str, Any] = {
    "columns": [
        {"name": "地区", "use": "group"},
        {"name": "用电量(千瓦时)", "use": "aggregate", "lower": 0, "upper": 5000},
        {"name": "手机号", "use": "hidden"},
    ],
    "min_group_size": 5,
    "max_rows": 100,
    "needs_approval": False,
    "allow_join": False,
}


def households(rows: int = 120, seed: int = 7) -> bytes:
    """Household power use by region, with each household's mobile number (personal data)."""
    rng = random.Random(seed)
    lines = ["地区,用电量(千瓦时),手机号"]
    for index in range(rows):
        region = REGIONS[index % len(REGIONS)] if index < rows - 1 else "婺源"  # one alone
        lines.append(f"{region},{rng.randint(100, 4000)},138{rng.randint(10000000, 99999999)}")
    return ("\n".join(lines) + "\n").encode()


@dataclass(frozen=True)
class Licensed:
    """A paid computation contract: who sells, who buys, the product and the contract."""

    vendor: Person
    buyer: Person
    operator: Person
    product_id: int
    offer_id: int
    contract_id: int


def computation_offer(client: FlaskClient, vendor: Person, product_id: int, quota: int) -> int:
    """A computation offer on the product; its id."""
    offer = {
        "kind": "non_exclusive",
        "scope": "internal",
        "term_months": 12,
        "territory": "mainland",
        "seats": 5,
        "price": "3000.00",
        "access": "computation",
        "quota": quota,
    }
    response = client.post(
        f"/api/v1/products/{product_id}/offers", json=offer, headers=vendor.headers
    )
    assert response.status_code == 201, response.get_json()
    return int(
        next(o["id"] for o in response.get_json()["offers"] if o["access"] == "computation")
    )


def save_policy(client: FlaskClient, vendor: Person, product_id: int, **changes: Any) -> Any:
    """PUT the policy (the default one, changed as asked)."""
    return client.put(
        f"/api/v1/products/{product_id}/compute-policy",
        json=DEFAULT_POLICY | changes,
        headers=vendor.headers,
    )


def licensed(
    app: Flask, client: FlaskClient, *, quota: int = 5, content: bytes | None = None, **policy: Any
) -> Licensed:
    """A listed, certified product with a policy and a computation offer, bought and paid."""
    vendor = person(app, [Role.VENDOR])
    operator = person(app, [Role.OPERATOR])
    buyer = person(app, [Role.BUYER])
    product = create_product(client, vendor.headers, with_file=False)
    response = upload(client, vendor.headers, product["id"], content or households(), "power.csv")
    assert response.status_code == 201, response.get_json()
    assert save_policy(client, vendor, product["id"], **policy).status_code == 200
    offer_id = computation_offer(client, vendor, product["id"], quota)
    assert submit(client, vendor, product["id"]).status_code == 200
    assert review(client, operator, product["id"]).get_json()["status"] == "listed"
    certify(app, vendor, product["id"])
    negotiation_id = propose(app, buyer, offer_id, terms())
    contract_id = accept(app, vendor, negotiation_id)
    sign(app, vendor, contract_id)
    sign(app, buyer, contract_id)
    paid(app, contract_id)
    return Licensed(vendor, buyer, operator, product["id"], offer_id, contract_id)
