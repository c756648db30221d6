"""Uploads cost bounded work, through the API and the pages, on each database.

A file past a limit is refused with the limit named and leaves no object, version or ledger
entry; only a verified organisation uploads; and reading an upload holds no lock, so the
ledger, the product and its page stay free for everyone else meanwhile.
"""

from __future__ import annotations

import dataclasses
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient

from exchange.accounts.actors import load_actor
from exchange.accounts.models import User
from exchange.catalog import products, versions
from exchange.catalog.datafiles import Upload
from exchange.catalog.extension import data_files
from exchange.catalog.schemas import ProductInputSchema
from exchange.extensions import db
from exchange.kernel.actors import Actor
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role
from tests.api.helpers import assert_problem, english_client
from tests.catalog import (
    COPPER_CSV,
    Person,
    catalog_state,
    create_product,
    person,
    product_data,
    upload,
)
from tests.factories import PASSWORD, Member, sign_in
from tests.hostile_files import workbook
from tests.integration.catalog_pages import english, feedback, post, post_new_product
from tests.lock_probes import ProbingStore, ProbingUpload, blocked_writes

SMALL = {"UPLOAD_MAX_ROWS": 3, "UPLOAD_MAX_COLUMNS": 4, "UPLOAD_MAX_CELL_CHARS": 20}
HEADER = "日期,阴极铜现货价(元/吨),库存(吨),联系人手机\n"


def workbook_bomb() -> bytes:
    """A workbook of a few KB whose sheet unpacks to about 5 MB of identical rows."""
    return workbook('<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 100_000)


def signed_in(app: Flask, who: Person) -> FlaskClient:
    """A browser-like client signed in through the sign-in page, reading English."""
    with app.app_context():
        email = db.session.get(User, who.user_id).email
    client = app.test_client()
    sign_in(client, Member(who.user_id, who.organisation_id, email, PASSWORD))
    english(client)
    return client


# Each limit, refused by name, with nothing stored


LIMITED = [
    (SMALL, COPPER_CSV, "copper.csv", "The file has more than 3 rows"),
    (
        SMALL,
        (HEADER.rstrip("\n") + ",备注\n").encode(),
        "copper.csv",
        "The file has more than 4 columns",
    ),
    (
        SMALL,
        (HEADER + "2026-10-08,71250.00,120300," + "1" * 21 + "\n").encode(),
        "copper.csv",
        "The cell in row 2, column 4 holds more than 20 characters",
    ),
    (
        {"UPLOAD_MAX_ROW_CHARS": 100},
        (HEADER + "2026-10-08," + "1" * 100 + "\n").encode(),
        "copper.csv",
        "Row 2 is longer than 100 characters",
    ),
    (
        {},
        workbook_bomb(),
        "copper.xlsx",
        "Part xl/worksheets/sheet1.xml of the file is compressed more than 100 times",
    ),
    (
        {"UPLOAD_MAX_SECONDS": 0},
        COPPER_CSV,
        "copper.csv",
        "Reading the file took longer than 0 seconds; upload it in smaller parts",
    ),
]


@pytest.mark.parametrize(
    ("config", "content", "filename", "message"),
    LIMITED,
    ids=["rows", "columns", "cell", "row-text", "compression-ratio", "seconds"],
)
def test_api_refuses_a_file_past_a_limit_naming_it_and_stores_nothing(
    configured_app, config, content, filename, message
):
    app = configured_app(**config)
    client = english_client(app)
    vendor = person(app, [Role.VENDOR])
    product_id = create_product(client, vendor.headers, with_file=False)["id"]
    before = catalog_state(app)
    body = assert_problem(upload(client, vendor.headers, product_id, content, filename), 422)
    assert body["errors"] == {"file": [message]}
    assert catalog_state(app) == before


def test_new_product_page_shows_the_limit_beside_the_file_input(configured_app):
    app = configured_app(**SMALL)
    vendor = person(app, [Role.VENDOR])
    client = signed_in(app, vendor)
    before = catalog_state(app)
    response = post_new_product(client)
    assert response.status_code == 422
    assert feedback(response, "file") == ["The file has more than 3 rows"]
    assert catalog_state(app) == before  # not even the product


def test_new_version_page_shows_the_limit_beside_the_file_input(configured_app):
    app = configured_app(**SMALL)
    vendor = person(app, [Role.VENDOR])
    product_id = create_product(app.test_client(), vendor.headers, with_file=False)["id"]
    client = signed_in(app, vendor)
    before = catalog_state(app)
    data = {"file": (io.BytesIO(COPPER_CSV), "copper.csv")}
    path = f"/vendor/products/{product_id}/versions/new"
    response = post(client, path, data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert feedback(response, "file") == ["The file has more than 3 rows"]
    assert catalog_state(app) == before


# Only a verified organisation uploads

UNVERIFIED = "Your organisation must be verified before it can upload data."


def test_unverified_organisation_cannot_upload_through_the_api(app):
    client = english_client(app)
    pending = person(app, [Role.VENDOR], verified=False)
    product_id = create_product(client, pending.headers, with_file=False)["id"]
    before = catalog_state(app)
    body = assert_problem(upload(client, pending.headers, product_id), 403)
    assert body["errors"] == {"file": [UNVERIFIED]}
    assert catalog_state(app) == before


def test_unverified_organisation_cannot_create_a_product_with_its_file_on_the_page(app):
    pending = person(app, [Role.VENDOR], verified=False)
    client = signed_in(app, pending)
    before = catalog_state(app)
    response = post_new_product(client)
    assert response.status_code == 403
    assert feedback(response, "file") == [UNVERIFIED]
    assert catalog_state(app) == before


def test_unverified_organisation_cannot_upload_a_version_on_the_page(app):
    pending = person(app, [Role.VENDOR], verified=False)
    product_id = create_product(app.test_client(), pending.headers, with_file=False)["id"]
    client = signed_in(app, pending)
    before = catalog_state(app)
    data = {"file": (io.BytesIO(COPPER_CSV), "copper.csv")}
    path = f"/vendor/products/{product_id}/versions/new"
    response = post(client, path, data, content_type="multipart/form-data")
    assert response.status_code == 403
    assert UNVERIFIED in response.get_data(as_text=True)
    assert catalog_state(app) == before


# Reading an upload holds no lock


def actor_of(someone: Person) -> Actor:
    actor = load_actor(db.session, someone.user_id)
    assert actor is not None
    return actor


def test_creating_a_product_with_its_file_holds_no_lock_while_reading_it(app, database_url):
    vendor = person(app, [Role.VENDOR])
    stream = ProbingUpload(COPPER_CSV, blocked_writes(database_url, None))
    with app.test_request_context():
        created = products.create_product(
            UnitOfWork(db.session),
            actor_of(vendor),
            data_files(),
            ProductInputSchema().load(product_data()),
            Upload("copper.csv", stream),  # type: ignore[arg-type]
        )
    assert created["latest"]["row_count"] == 4
    assert stream.blocked == []


def test_uploading_a_version_holds_no_lock_while_reading_it(app, database_url):
    vendor = person(app, [Role.VENDOR])
    product_id = create_product(app.test_client(), vendor.headers, with_file=False)["id"]
    stream = ProbingUpload(COPPER_CSV, blocked_writes(database_url, product_id))
    with app.test_request_context():
        added = versions.add_version(
            UnitOfWork(db.session),
            actor_of(vendor),
            data_files(),
            product_id,
            Upload("copper.csv", stream),  # type: ignore[arg-type]
        )
    assert added["latest"]["row_count"] == 4
    assert stream.blocked == []


def test_masking_a_column_again_holds_no_lock_while_the_file_is_read(app, database_url):
    vendor = person(app, [Role.VENDOR])
    product_id = create_product(app.test_client(), vendor.headers)["id"]
    with app.test_request_context():
        files = data_files()
        store = ProbingStore(files.store, blocked_writes(database_url, product_id))
        described = versions.describe_fields(
            UnitOfWork(db.session),
            actor_of(vendor),
            dataclasses.replace(files, store=store),  # type: ignore[arg-type]
            product_id,
            [{"name": "库存(吨)", "personal": True}],
        )
    column = next(f for f in described["latest"]["fields"] if f["name"] == "库存(吨)")
    assert column["sensitivity"] == "declared"
    assert store.blocked == []


# What a page shows comes from bounded, stored results


def test_product_page_shows_the_stored_sample_with_long_text_cut(app):
    vendor = person(app, [Role.VENDOR])
    content = (HEADER + "2026-10-08,71250.00," + "x" * 5_000 + ",13812345678\n").encode()
    product_id = create_product(app.test_client(), vendor.headers, with_file=False)["id"]
    assert upload(app.test_client(), vendor.headers, product_id, content).status_code == 201
    page = signed_in(app, vendor).get(f"/products/{product_id}").get_data(as_text=True)
    assert "x" * 200 + "…" in page and "x" * 201 not in page
    assert page.count('<td class="masked-column">') == 1  # the one row's mobile number
