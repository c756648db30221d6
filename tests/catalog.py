"""Catalog setup for tests: product metadata, small real files, products made through the API,
people with tokens, and what a refused request must leave as it was."""

from __future__ import annotations

import hashlib
import io
import itertools
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from contracts.schema import ledger_entries
from exchange.accounts.models import ApiToken, Membership, MembershipRole, Organisation, User
from exchange.accounts.passwords import hash_password
from exchange.catalog.models import DataProduct, LicenceOffer, ListingTransition, ProductVersion
from exchange.extensions import db
from exchange.kernel.models import utcnow
from exchange.kernel.records import AuditEvent
from exchange.kernel.vocabulary import Role, VerificationStatus
from tests.factories import PASSWORD, organisation_data

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


# People, made straight in the database: signing in through argon2 for every one of them would
# cost more than the catalog tests themselves, and the token path has its own tests.

_people = itertools.count(1)
ORGANISATION_FIELDS = (
    "name_zh",
    "name_en",
    "credit_code",
    "region",
    "dcmm_level",
    "dcmm_certificate_no",
    "contact_name",
    "contact_phone",
    "contact_email",
)


@lru_cache(maxsize=1)
def _password_hash() -> str:
    return hash_password(PASSWORD)


@dataclass(frozen=True)
class Person:
    """A user with roles in one organisation, and the Authorization header of a live token."""

    user_id: int
    organisation_id: int
    display_name: str
    headers: dict[str, str]


def person(
    app: Flask,
    roles: Iterable[Role | str] = (Role.VENDOR,),
    *,
    verified: bool = True,
    organisation_id: int | None = None,
    dcmm_level: int = 3,
) -> Person:
    """A member of a new (or the given) organisation with these roles and a bearer token."""
    serial = next(_people)
    with app.app_context():
        session = db.session
        if organisation_id is None:
            data = organisation_data(dcmm_level=dcmm_level)
            organisation = Organisation(
                **{k: data[k] for k in ORGANISATION_FIELDS},
                verification_status=(
                    VerificationStatus.VERIFIED if verified else VerificationStatus.PENDING
                ),
            )
            session.add(organisation)
        else:
            organisation = session.get(Organisation, organisation_id)
        user = User(
            email=f"catalog{serial}@example.cn",
            display_name=f"目录成员{serial}",
            password_hash=_password_hash(),
        )
        membership = Membership(user=user, organisation=organisation, is_admin=True)
        membership.roles = [MembershipRole(role=Role(r)) for r in sorted(set(roles))]
        session.add(membership)
        session.flush()
        token = "gsx_" + secrets.token_urlsafe(32)
        # Stored the way exchange.accounts.tokens stores them: the token's SHA-256 only.
        session.add(
            ApiToken(
                user_id=user.id,
                name="catalog tests",
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                expires_at=utcnow() + timedelta(hours=1),
            )
        )
        session.commit()
        return Person(
            user.id, organisation.id, user.display_name, {"Authorization": f"Bearer {token}"}
        )


# Products through the workflow


def post(client: FlaskClient, path: str, headers: dict[str, str], **body: Any) -> Any:
    """POST a JSON body (empty when none is given) to a product's workflow endpoint."""
    return client.post(path, json=body, headers=headers)


def submit(client: FlaskClient, vendor: Person, product_id: int) -> Any:
    """The vendor sends the product to compliance review."""
    return post(client, f"/api/v1/products/{product_id}/submit", vendor.headers)


def review(
    client: FlaskClient, reviewer: Person, product_id: int, decision: str = "approve", **body: Any
) -> Any:
    """An operator's or a regulator's decision on the product."""
    return post(
        client,
        f"/api/v1/products/{product_id}/review",
        reviewer.headers,
        decision=decision,
        **body,
    )


def listed_product(
    client: FlaskClient, vendor: Person, operator: Person, **overrides: Any
) -> dict[str, Any]:
    """A general-grade product taken through upload, submission and an operator's approval."""
    product_id = create_product(client, vendor.headers, **overrides)["id"]
    response = submit(client, vendor, product_id)
    assert response.status_code == 200, response.get_json()
    response = review(client, operator, product_id)
    assert response.get_json()["status"] == "listed", response.get_json()
    return client.get(f"/api/v1/products/{product_id}", headers=vendor.headers).get_json()


# What a refused request must leave untouched

CATALOG_TABLES = (DataProduct, ProductVersion, LicenceOffer, ListingTransition, AuditEvent)


def catalog_counts(app: Flask) -> dict[str, int]:
    """Rows of products, versions, offers, transitions, audit events and ledger entries."""
    with app.app_context():
        session = db.session
        counts = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in CATALOG_TABLES
        }
        counts["ledger_entries"] = (
            session.scalar(select(func.count()).select_from(ledger_entries)) or 0
        )
        session.remove()
        return counts


def stored_objects(app: Flask) -> list[Path]:
    """Every file in the encrypted object store and the upload work folder, temporary included."""
    instance = Path(app.instance_path)
    return sorted(
        path
        for folder in (instance / "objects", instance / "uploads")
        for path in folder.rglob("*")
        if path.is_file()
    )


def catalog_state(app: Flask) -> tuple[dict[str, int], list[Path]]:
    """The row counts and stored files a refused request must leave as they were."""
    return catalog_counts(app), stored_objects(app)
