"""A large upload is profiled by the worker, not in the request, on each database.

The request checks only what the file's edges show, stores it and answers 202 with the version
processing; a worker pass (claimed with a lease, so once) makes it ready with the same profile
and ledger entry as a small file gets at once, or refused with the limit named and nothing kept;
until then nothing that reads the product's data sees it.
"""

from __future__ import annotations

import dataclasses
import io
import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from contracts.schema import ledger_entries
from exchange.catalog import processing
from exchange.catalog.extension import data_files
from exchange.catalog.models import ProductVersion
from exchange.catalog.tasks import ingest_once
from exchange.extensions import db
from exchange.http.context import uow
from exchange.kernel.errors import NotFound
from exchange.kernel.models import utcnow
from exchange.kernel.vocabulary import Role
from tests.api.helpers import assert_problem, english_client
from tests.catalog import (
    COPPER_CSV,
    Person,
    catalog_counts,
    create_product,
    person,
    stored_objects,
    submit,
    upload,
)
from tests.delivery import grant, link, trade
from tests.factories import signed_in_session
from tests.hostile_files import workbook
from tests.integration.catalog_pages import english, post, post_new_product
from tests.lock_probes import ProbingStore, blocked_writes

INLINE_MAX = 64  # bytes: every test file is larger, so each goes to the worker
ROWS_PAST_LIMIT = "The file has more than 3 rows"


def defer_large_files(app: Flask, **limits: Any) -> None:
    """Send files past INLINE_MAX to the worker, with these limits on reading them."""
    files = app.extensions["data_files"]
    app.extensions["data_files"] = dataclasses.replace(
        files, inline_max_bytes=INLINE_MAX, limits=dataclasses.replace(files.limits, **limits)
    )


def draft(app: Flask, client: Any) -> tuple[Person, int]:
    vendor = person(app, [Role.VENDOR])
    return vendor, create_product(client, vendor.headers, with_file=False)["id"]


def product(client: Any, vendor: Person, product_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/products/{product_id}", headers=vendor.headers)
    assert response.status_code == 200
    return response.get_json()


def version_entries(app: Flask, product_id: int) -> list[dict[str, Any]]:
    """The bodies of the product's version_added ledger entries."""
    with app.app_context():
        bodies = db.session.scalars(
            select(ledger_entries.c.body).where(
                ledger_entries.c.entry_type == "product.version_added"
            )
        ).all()
        db.session.remove()
    return [b for b in map(json.loads, bodies) if b["product_id"] == product_id]


def version_row(app: Flask, product_id: int) -> ProductVersion:
    with app.app_context():
        row = db.session.scalars(
            select(ProductVersion).where(ProductVersion.product_id == product_id)
        ).one()
        db.session.expunge(row)
        db.session.remove()
    return row


# The request: structural checks only, then 202 and processing


def test_large_upload_answers_202_processing_without_reading_its_rows(app):
    defer_large_files(app, max_rows=3)  # COPPER_CSV has 4 rows: only a full read would see it
    client = english_client(app)
    vendor, product_id = draft(app, client)
    ledger_before = catalog_counts(app)["ledger_entries"]
    response = upload(client, vendor.headers, product_id)
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["versions"] == [] and body["latest"] is None
    assert [(u["number"], u["state"], u["refusal"]) for u in body["uploads"]] == [
        (1, "processing", None)
    ]
    assert body["latest_version"] == 1
    assert catalog_counts(app)["ledger_entries"] == ledger_before
    assert len(stored_objects(app)) == 1  # the encrypted file, kept for the worker


def test_large_upload_past_a_limit_its_header_shows_is_refused_in_the_request(app):
    defer_large_files(app, max_columns=3)
    client = english_client(app)
    vendor, product_id = draft(app, client)
    before = catalog_counts(app), stored_objects(app)
    body = assert_problem(upload(client, vendor.headers, product_id), 422)
    assert body["errors"] == {"file": ["The file has more than 3 columns"]}
    assert (catalog_counts(app), stored_objects(app)) == before


def test_large_workbook_is_judged_by_its_archive_in_the_request(app):
    defer_large_files(app)
    client = english_client(app)
    vendor, product_id = draft(app, client)
    bomb = workbook('<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 100_000)
    body = assert_problem(upload(client, vendor.headers, product_id, bomb, "copper.xlsx"), 422)
    assert body["errors"] == {
        "file": ["Part xl/worksheets/sheet1.xml of the file is compressed more than 100 times"]
    }
    assert stored_objects(app) == []


def test_small_upload_keeps_the_synchronous_path(app):
    client = english_client(app)
    vendor, product_id = draft(app, client)
    response = upload(client, vendor.headers, product_id)
    assert response.status_code == 201
    assert response.get_json()["latest"]["row_count"] == 4
    assert response.get_json()["uploads"] == []


# The worker: ready with the same profile and ledger entry, or refused with nothing kept


def test_worker_makes_the_version_ready_as_the_synchronous_path_would(app):
    client = english_client(app)
    vendor, inline_id = draft(app, client)
    assert upload(client, vendor.headers, inline_id).status_code == 201
    defer_large_files(app)
    deferred_id = create_product(client, vendor.headers, with_file=False)["id"]
    assert upload(client, vendor.headers, deferred_id).status_code == 202
    assert version_entries(app, deferred_id) == []

    assert ingest_once(app) == 1

    inline, deferred = product(client, vendor, inline_id), product(client, vendor, deferred_id)
    assert deferred["uploads"] == []
    keys = ("number", "row_count", "sha256", "size_bytes", "fields", "quality", "sample")
    assert {k: deferred["latest"][k] for k in keys} == {k: inline["latest"][k] for k in keys}
    [inline_entry] = version_entries(app, inline_id)
    [deferred_entry] = version_entries(app, deferred_id)
    assert deferred_entry == inline_entry | {"product_id": deferred_id}
    assert ingest_once(app) == 0  # nothing left to do


def test_the_worker_reads_with_its_own_time_limit_not_the_requests(app):
    defer_large_files(app, max_seconds=0)  # no request could read the file in time
    client = english_client(app)
    vendor, product_id = draft(app, client)
    assert upload(client, vendor.headers, product_id).status_code == 202
    assert ingest_once(app) == 1
    ready = product(client, vendor, product_id)
    assert ready["uploads"] == [] and ready["latest"]["row_count"] == 4
    files = app.extensions["data_files"]
    app.extensions["data_files"] = dataclasses.replace(files, worker_seconds=0)
    assert upload(client, vendor.headers, product_id).status_code == 202
    assert ingest_once(app) == 1
    [refused] = product(client, vendor, product_id)["uploads"]
    assert refused["state"] == "refused" and "seconds" in refused["refusal"]


def test_worker_refuses_a_file_past_a_limit_keeping_nothing_and_naming_it(app):
    defer_large_files(app, max_rows=3)
    client = english_client(app)
    vendor, product_id = draft(app, client)
    ledger_before = catalog_counts(app)["ledger_entries"]
    assert upload(client, vendor.headers, product_id).status_code == 202

    assert ingest_once(app) == 1

    assert stored_objects(app) == []
    assert catalog_counts(app)["ledger_entries"] == ledger_before
    body = product(client, vendor, product_id)
    assert body["versions"] == [] and body["latest"] is None
    assert [(u["state"], u["refusal"]) for u in body["uploads"]] == [("refused", ROWS_PAST_LIMIT)]
    assert ingest_once(app) == 0


def test_only_the_vendor_sees_uploads_that_are_not_ready(app):
    defer_large_files(app)
    client = english_client(app)
    vendor, product_id = draft(app, client)
    assert upload(client, vendor.headers, product_id).status_code == 202
    stranger = person(app, [Role.VENDOR])
    response = client.get(f"/api/v1/products/{product_id}", headers=stranger.headers)
    assert response.status_code in (200, 404)
    assert "uploads" not in (response.get_json() or {})


def test_worker_holds_no_product_or_ledger_lock_while_reading_the_file(app, database_url):
    defer_large_files(app)
    client = english_client(app)
    vendor, product_id = draft(app, client)
    assert upload(client, vendor.headers, product_id).status_code == 202
    with app.app_context():
        files = data_files()
        store = ProbingStore(files.store, blocked_writes(database_url, product_id))
        probing = dataclasses.replace(files, store=store)  # type: ignore[arg-type]
        held = processing.claim(uow(), probing, version_row(app, product_id).id)
        assert held is not None
        assert processing.process(uow(), probing, held) is True
        db.session.remove()
    assert store.blocked == []
    assert version_row(app, product_id).state == "ready"


# Claims: one worker per version, and a dead worker's claim lapses


def test_two_concurrent_passes_profile_a_version_once(app):
    defer_large_files(app)
    client = english_client(app)
    vendor, product_id = draft(app, client)
    assert upload(client, vendor.headers, product_id).status_code == 202
    barrier = threading.Barrier(2)
    finished: list[int] = []

    def work() -> None:
        barrier.wait()
        finished.append(ingest_once(app))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(finished) == [0, 1]
    assert len(version_entries(app, product_id)) == 1
    assert version_row(app, product_id).state == "ready"


def test_a_claimed_version_is_left_to_its_worker(app):
    defer_large_files(app)
    client = english_client(app)
    vendor, product_id = draft(app, client)
    assert upload(client, vendor.headers, product_id).status_code == 202
    version_id = version_row(app, product_id).id
    with app.app_context():
        held = processing.claim(uow(), data_files(), version_id)
        db.session.remove()
    assert held is not None

    assert ingest_once(app) == 0  # another worker's live claim
    with app.app_context():
        assert processing.claim(uow(), data_files(), version_id) is None
        assert processing.process(uow(), data_files(), held) is True
        db.session.remove()
    assert version_row(app, product_id).state == "ready"
    assert len(version_entries(app, product_id)) == 1


def test_an_expired_claim_is_taken_over_and_the_old_worker_writes_nothing(app):
    defer_large_files(app)
    client = english_client(app)
    vendor, product_id = draft(app, client)
    assert upload(client, vendor.headers, product_id).status_code == 202
    version_id = version_row(app, product_id).id
    with app.app_context():
        dead = processing.claim(uow(), data_files(), version_id)
        lapsed = utcnow() - timedelta(seconds=data_files().claim_seconds + 1)
        db.session.execute(
            update(ProductVersion).where(ProductVersion.id == version_id).values(claimed_at=lapsed)
        )
        db.session.commit()
        db.session.remove()
    assert dead is not None

    assert ingest_once(app) == 1
    with app.app_context():  # the worker thought dead comes back: its claim is no longer held
        assert processing.process(uow(), data_files(), dead) is False
        db.session.remove()
    assert len(version_entries(app, product_id)) == 1


# Everything that reads the product's data waits for a ready version


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({}, "The data file is still being checked; submit once its version is ready."),
        ({"max_rows": 3}, "The data file was refused; upload another before submitting."),
    ],
    ids=["processing", "refused"],
)
def test_submit_refuses_a_product_whose_only_version_is_not_ready(app, limits, message):
    defer_large_files(app, **limits)
    client = english_client(app)
    vendor, product_id = draft(app, client)
    assert upload(client, vendor.headers, product_id).status_code == 202
    if limits:
        assert ingest_once(app) == 1
    body = assert_problem(submit(client, vendor, product_id), 409)
    assert body["errors"] == {"file": [message]}


def test_describing_columns_waits_for_a_ready_version(app):
    defer_large_files(app)
    client = english_client(app)
    vendor, product_id = draft(app, client)
    assert upload(client, vendor.headers, product_id).status_code == 202
    notes = {"fields": [{"name": "库存(吨)", "personal": True}]}
    path = f"/api/v1/products/{product_id}/fields"
    body = assert_problem(client.put(path, json=notes, headers=vendor.headers), 409)
    assert body["detail"] == "Upload the data file first."
    assert ingest_once(app) == 1
    assert client.put(path, json=notes, headers=vendor.headers).status_code == 200


def test_delivery_serves_the_latest_ready_version_not_a_processing_one(app, client):
    bought = trade(app, client, content=COPPER_CSV)
    granted = grant(app, bought.contract_id)
    defer_large_files(app)
    assert upload(client, bought.vendor.headers, bought.product_id).status_code == 202

    assert link(app, bought.buyer, granted.entitlement_id) is not None  # version 1
    with pytest.raises(NotFound):
        link(app, bought.buyer, granted.entitlement_id, version=2)
    assert ingest_once(app) == 1
    assert link(app, bought.buyer, granted.entitlement_id, version=2) is not None


def test_delivery_ledger_entry_names_the_ready_version_delivered(app, client):
    bought = trade(app, client, content=COPPER_CSV)
    defer_large_files(app)
    assert upload(client, bought.vendor.headers, bought.product_id).status_code == 202
    granted = grant(app, bought.contract_id)
    with app.app_context():
        body = db.session.scalar(
            select(ledger_entries.c.body).where(ledger_entries.c.seq == granted.ledger_seq)
        )
        db.session.remove()
    assert json.loads(body)["version"] == 1


# The pages


def test_product_page_shows_processing_then_the_refusal(app):
    defer_large_files(app, max_rows=3)
    vendor, product_id = draft(app, app.test_client())
    assert upload(app.test_client(), vendor.headers, product_id).status_code == 202
    page = app.test_client()
    signed_in_session(page, vendor.user_id)
    english(page)

    html = page.get(f"/products/{product_id}").get_data(as_text=True)
    assert 'data-testid="upload-processing"' in html and "processing" in html

    assert ingest_once(app) == 1
    html = page.get(f"/products/{product_id}").get_data(as_text=True)
    assert 'data-testid="upload-refused"' in html and ROWS_PAST_LIMIT in html


def test_new_version_page_says_the_file_is_processing(app):
    defer_large_files(app)
    vendor, product_id = draft(app, app.test_client())
    page = app.test_client()
    signed_in_session(page, vendor.user_id)
    english(page)
    response = post(
        page,
        f"/vendor/products/{product_id}/versions/new",
        {"file": (io.BytesIO(COPPER_CSV), "copper.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    html = page.get(response.headers["Location"]).get_data(as_text=True)
    assert "its version shows as processing until it is ready" in html


def test_new_product_page_drafts_the_product_with_its_file_processing(app):
    defer_large_files(app)
    vendor = person(app, [Role.VENDOR])
    page = app.test_client()
    signed_in_session(page, vendor.user_id)
    english(page)
    response = post_new_product(page)
    assert response.status_code == 302
    html = page.get(response.headers["Location"]).get_data(as_text=True)
    assert "its version shows as processing until it is ready" in html
    assert 'data-testid="upload-processing"' in html
