"""Rights setup for tests: small real PDFs, applications, and the registry's steps run through
its services with the people of tests.catalog."""

from __future__ import annotations

import io
import itertools
from datetime import date, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from exchange.accounts.actors import load_actor
from exchange.catalog.extension import data_files
from exchange.extensions import db
from exchange.http.context import uow
from exchange.kernel.actors import Actor
from exchange.kernel.models import utcnow
from exchange.rights import notice as rights_notice
from exchange.rights import registration as rights
from exchange.rights import transfers as rights_transfers
from exchange.rights.documents import Document
from exchange.rights.domain import Scope
from exchange.rights.extension import rights_settings
from tests.catalog import COPPER_CSV, Person, create_product, upload

_serial = itertools.count(1)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def own_product(client: FlaskClient, vendor: Person, **overrides: Any) -> dict[str, Any]:
    """A draft product with a data file no other test product has (so no same-data flag)."""
    product = create_product(client, vendor.headers, with_file=False, **overrides)
    row = f"2026-10-12,{70000 + next(_serial)}.00,117000,13512345678\n".encode()
    response = upload(client, vendor.headers, product["id"], COPPER_CSV + row)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def document(name: str = "数据来源说明.pdf", content: bytes = PDF, **kwargs: Any) -> Document:
    """A basis document as an upload would bring it."""
    return Document(name, io.BytesIO(content), **kwargs)


def claim(right: str = "holding", **overrides: Any) -> dict[str, Any]:
    """One right, as the schemas load it: exclusive, every use, mainland, from today on."""
    return {
        "right": right,
        "uses": ["internal", "research", "commercial"],
        "territory": "mainland",
        "exclusive": True,
        "starts_on": date.today(),
        "ends_on": None,
    } | overrides


def application(*rights_claimed: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """An application for the given rights (all three by default), self-generated data."""
    claims = list(rights_claimed) or [claim(r) for r in ("holding", "processing", "operation")]
    return {"rights": claims, "source": "self_generated", "source_reference": None} | overrides


def actor(person: Person) -> Actor:
    """The person as the services see them (inside an app context)."""
    found = load_actor(db.session, person.user_id)
    assert found is not None
    return found


def apply_for(
    app: Flask,
    person: Person,
    product_id: int,
    data: dict[str, Any] | None = None,
    documents: list[Document] | None = None,
    *,
    notice_seconds: float | None = None,
) -> int:
    """Apply through the service; the registration's id."""
    with app.app_context():
        setup = rights_settings()
        registration = rights.apply(
            uow(),
            actor(person),
            product_id,
            data or application(),
            [document()] if documents is None else documents,
            files=data_files(),
            notice_seconds=setup.notice_seconds if notice_seconds is None else notice_seconds,
            max_document_bytes=setup.max_document_bytes,
        )
        registration_id = registration.id
        db.session.remove()
    return registration_id


def object_to(
    app: Flask, person: Person, registration_id: int, reasons: str = "该数据由我方采集。"
) -> int:
    """Raise an objection through the service; its id."""
    with app.app_context():
        objection = rights_notice.object_to(
            uow(),
            actor(person),
            registration_id,
            reasons,
            [],
            files=data_files(),
            max_document_bytes=rights_settings().max_document_bytes,
        )
        objection_id = objection.id
        db.session.remove()
    return objection_id


def decide(app: Flask, operator: Person, objection_id: int, decision: str, **kwargs: Any) -> None:
    """An operator decides an objection through the service."""
    with app.app_context():
        rights_notice.decide(
            uow(),
            actor(operator),
            objection_id,
            decision,
            kwargs.pop("reason", "证据充分。" if decision == "uphold" else "异议缺乏证据。"),
            signer=rights_settings().signer,
            **kwargs,
        )
        db.session.remove()


def settle(app: Flask, *, later: timedelta = timedelta(0)) -> int:
    """Issue the due certificates as the worker would, optionally as if `later` had passed."""
    with app.app_context():
        issued = rights_notice.settle_due(uow(), rights_settings().signer, now=utcnow() + later)
        db.session.remove()
    return issued


def certify(app: Flask, person: Person, product_id: int, data: dict[str, Any] | None = None) -> int:
    """Apply with no notice period and issue the certificate at once; the registration's id."""
    registration_id = apply_for(app, person, product_id, data, notice_seconds=0)
    assert settle(app) >= 1
    return registration_id


def scope(
    uses: tuple[str, ...] = ("commercial",),
    territory: str = "mainland",
    months: int | None = 12,
    start: date | None = None,
) -> Scope:
    """A contract's scope: some uses, a territory, from today for some months."""
    start = start or date.today()
    end = start + timedelta(days=30 * months) if months else None
    return Scope.of(uses, territory, start, end)


def grant(app: Flask, vendor: Person, buyer: Person, product_id: int, **kwargs: Any) -> int:
    """A non-exclusive licence as a trade would record it; the grant's id."""
    with app.app_context():
        made = rights_transfers.grant_licence(
            db.session,
            product_id=product_id,
            grantor_id=vendor.organisation_id,
            grantee_id=buyer.organisation_id,
            scope=kwargs.pop("scope", scope()),
            derivative=kwargs.pop("derivative", True),
            contract_ref=kwargs.pop("contract_ref", "GSC-TEST-1"),
            **kwargs,
        )
        db.session.commit()
        grant_id = made.id
        db.session.remove()
    return grant_id
