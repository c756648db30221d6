"""A request whose database connection dies (PostgreSQL: its backend terminated mid-request;
SQLite: the write lock held by another connection past the busy timeout) answers 503 with
Retry-After, page or problem, keeps nothing, and is safe to retry with its Idempotency-Key."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event, func, select

from exchange.catalog.models import DataProduct
from exchange.extensions import db
from exchange.kernel.records import IdempotencyRecord
from tests.api.helpers import assert_problem, english_client
from tests.catalog import listed_product, person, product_data
from tests.outages import (
    backend_terminated_at,
    is_sqlite,
    short_busy_timeout,
    write_lock_held,
)

PRODUCTS = "/api/v1/products"


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(model))
        db.session.remove()
        return int(total or 0)


@contextmanager
def outage(app: Flask, database_url: str, statement: str) -> Iterator[None]:
    """The database goes away under the request: PostgreSQL kills the backend about to run the
    statement; SQLite's write lock is held elsewhere for as long as the block lasts."""
    if is_sqlite(database_url):
        short_busy_timeout(app)
        with write_lock_held(database_url):
            yield
        return
    with backend_terminated_at(app, database_url, statement) as fired:
        yield
    assert fired, f"no statement began with {statement!r}"


def assert_unavailable(response: Any) -> None:
    body = assert_problem(response, 503)
    assert body["type"] == "urn:ganshu:problem:database-unavailable"
    assert response.headers["Retry-After"] == "2"


def test_a_write_whose_connection_dies_is_a_503_with_retry_after(app, database_url, caplog):
    client = english_client(app)
    vendor = person(app)
    with caplog.at_level(logging.WARNING), outage(app, database_url, "INSERT INTO data_products"):
        response = client.post(PRODUCTS, json=product_data(), headers=vendor.headers)
    assert_unavailable(response)
    assert "Database unavailable on POST /api/v1/products" in caplog.text
    assert count(app, DataProduct) == 0
    # the next request gets a working connection
    assert client.post(PRODUCTS, json=product_data(), headers=vendor.headers).status_code == 201


def test_a_retry_with_the_key_after_a_503_is_carried_out_once(app, database_url):
    client = english_client(app)
    vendor = person(app)
    headers = vendor.headers | {"Idempotency-Key": "after-503"}
    with outage(app, database_url, "INSERT INTO data_products"):
        assert_unavailable(client.post(PRODUCTS, json=product_data(), headers=headers))
    assert count(app, IdempotencyRecord) == 0  # the claim went with the change
    first = client.post(PRODUCTS, json=product_data(), headers=headers)
    assert first.status_code == 201, first.get_json()
    again = client.post(PRODUCTS, json=product_data(), headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert count(app, DataProduct) == 1


def test_a_page_whose_connection_dies_is_the_503_error_page(app, database_url):
    client = english_client(app)
    product = listed_product(client, person(app), person(app, ["operator"]))
    page = f"/products/{product['id']}"  # a visitor's view is counted: a write
    with outage(app, database_url, "UPDATE data_products SET view_count"):
        response = client.get(page, headers={"Accept": "text/html"})
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert response.headers["Retry-After"] == "2"
    assert "交易所暂时无法服务" in response.get_data(as_text=True)  # a visitor's page is Chinese


@contextmanager
def answer_lost(app: Flask, database_url: str) -> Iterator[None]:
    """The connection dies after the change committed, before its answer is kept: PostgreSQL
    kills the backend as the answer is written; on SQLite another connection takes the write
    lock the moment the product's transaction has committed."""
    if not is_sqlite(database_url):
        with backend_terminated_at(app, database_url, "UPDATE idempotency_records"):
            yield
        return
    short_busy_timeout(app)
    with app.app_context():
        engine = db.engine
    seen: list[str] = []
    held: list[Any] = []

    def note(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if sql.lstrip().startswith("INSERT INTO data_products"):
            seen.append(sql)

    def lock_after_commit(*_args: Any) -> None:
        if seen and not held:
            held.append(write_lock_held(database_url))
            held[0].__enter__()

    event.listen(engine, "before_cursor_execute", note)
    event.listen(engine, "checkin", lock_after_commit)
    try:
        yield
    finally:
        event.remove(engine, "checkin", lock_after_commit)
        event.remove(engine, "before_cursor_execute", note)
        if held:
            held[0].__exit__(None, None, None)
    assert held


def test_a_change_whose_answer_was_lost_is_not_done_again(app, database_url, caplog):
    client = english_client(app)
    vendor = person(app)
    headers = vendor.headers | {"Idempotency-Key": "lost-answer"}
    with caplog.at_level(logging.WARNING), answer_lost(app, database_url):
        client.post(PRODUCTS, json=product_data(), headers=headers)  # its answer never arrived
    assert "Could not keep the answer to Idempotency-Key 'lost-answer'" in caplog.text
    retried = client.post(PRODUCTS, json=product_data(), headers=headers)
    body = assert_problem(retried, 409)
    assert body["type"] == "urn:ganshu:problem:idempotency-key-in-progress"
    assert count(app, DataProduct) == 1
