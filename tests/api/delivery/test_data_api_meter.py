"""The data API's meter through HTTP on SQLite and PostgreSQL: a served call's unit of quota
and its meter row are written in one transaction and made durable by its one commit, so a
failure before that commit (the process dying, the database refusing) serves nothing and
counts nothing, and a call is never served unmetered."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, event, func, select

from exchange.delivery.models import DataApiCall, Entitlement
from exchange.extensions import db
from tests.api.delivery.test_data_api_rows import call, keyed, metered


class Crash(Exception):
    """Stands for the process dying at this point of a call."""


@contextmanager
def listening(app: Flask, name: str, listener: Callable[..., Any]) -> Iterator[None]:
    """The app's engine calls `listener` on the event `name` within the block."""
    with app.app_context():
        engine: Engine = db.engine
    event.listen(engine, name, listener)
    try:
        yield
    finally:
        event.remove(engine, name, listener)


@contextmanager
def dying_before_commit(app: Flask) -> Iterator[None]:
    """Within the block a session's commit fails before it reaches the database, as if the
    process died there: what the transaction wrote is rolled back when it closes."""

    def die(session: Any) -> None:
        raise Crash()

    with app.app_context():
        sessions = db.session
    event.listen(sessions, "before_commit", die)
    try:
        yield
    finally:
        event.remove(sessions, "before_commit", die)


def committed(app: Flask, entitlement_id: int) -> tuple[int, int]:
    """The units used and the calls metered as another connection sees them: only what was
    committed."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as connection:
            used = connection.scalar(
                select(Entitlement.used).where(Entitlement.id == entitlement_id)
            )
            calls = connection.scalar(
                select(func.count()).where(DataApiCall.entitlement_id == entitlement_id)
            )
    finally:
        engine.dispose()
    return int(used or 0), int(calls or 0)


def writes_of_one_call(app: Flask, client: FlaskClient, key: str, product_id: int) -> list[str]:
    """The statements that write, and the commits, of one call, in order."""
    seen: list[str] = []

    def statement(conn: Any, cursor: Any, text: str, *args: Any) -> None:
        if text.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            seen.append(" ".join(text.split()[:3]))

    with (
        listening(app, "before_cursor_execute", statement),
        listening(app, "commit", lambda conn: seen.append("COMMIT")),
    ):
        assert call(client, key, product_id, limit=3).status_code == 200
    return seen


def test_a_served_call_spends_and_meters_in_one_commit(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client, quota=10)
    assert call(client, bought.key, bought.product_id, limit=1).status_code == 200  # a warm copy
    assert writes_of_one_call(app, client, bought.key, bought.product_id) == [
        "UPDATE entitlements SET",
        "INSERT INTO data_api_calls",
        "COMMIT",
    ]
    assert metered(app, bought.entitlement_id) == (2, [1, 3])
    assert committed(app, bought.entitlement_id) == (2, 2)


def test_a_call_that_dies_before_its_commit_is_not_served_and_counts_nothing(
    app: Flask, client: FlaskClient
) -> None:
    bought = keyed(app, client, quota=10)

    with dying_before_commit(app):
        refused = call(client, bought.key, bought.product_id, limit=3)
    assert refused.status_code == 500
    assert "rows" not in refused.get_json()
    assert committed(app, bought.entitlement_id) == (0, 0)
    assert metered(app, bought.entitlement_id) == (0, [])
    served = call(client, bought.key, bought.product_id, limit=3).get_json()
    assert (served["used"], len(served["rows"])) == (1, 3)


def test_a_call_whose_meter_row_cannot_be_written_spends_no_unit(
    app: Flask, client: FlaskClient
) -> None:
    bought = keyed(app, client, quota=10)

    def refuse_meter(conn: Any, cursor: Any, text: str, *args: Any) -> None:
        if text.lstrip().upper().startswith("INSERT INTO DATA_API_CALLS"):
            raise Crash()

    with listening(app, "before_cursor_execute", refuse_meter):
        refused = call(client, bought.key, bought.product_id, limit=3)
    assert refused.status_code == 500
    assert committed(app, bought.entitlement_id) == (0, 0)
    assert metered(app, bought.entitlement_id) == (0, [])


def test_the_units_used_are_the_callers_own_count(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client, quota=3)
    answers = [call(client, bought.key, bought.product_id, limit=1).get_json() for _ in range(3)]
    assert [(a["used"], a["remaining"]) for a in answers] == [(1, 2), (2, 1), (3, 0)]
    assert metered(app, bought.entitlement_id) == (3, [1, 1, 1])
