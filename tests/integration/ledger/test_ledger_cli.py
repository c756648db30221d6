"""`flask ledger …` as an operator runs it: init, anchor, verify, reanchor."""

from __future__ import annotations

import pytest

from contracts import ledger
from exchange.app import create_app
from exchange.extensions import db
from exchange.kernel.vocabulary import Role
from tests.databases import tamper
from tests.factories import bearer, make_member


@pytest.fixture
def sm3_app(database_url, tmp_path):
    app = create_app(
        {
            "MODE": "test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(tmp_path),
            "LEDGER_HASH": "sm3",
        }
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def decide_one(app, client) -> None:  # noqa: ANN001
    operator = make_member(app, [Role.OPERATOR])
    applicant = make_member(app, [Role.VENDOR], verified=False)
    response = client.post(
        f"/api/v1/organisations/{applicant.organisation_id}/verification",
        json={"decision": "verified"},
        headers=bearer(client, operator),
    )
    assert response.status_code == 200


def test_init_switches_an_empty_ledger_to_sm3(sm3_app):
    result = sm3_app.test_cli_runner().invoke(args=["ledger", "init"])
    assert result.exit_code == 0 and "hashed with sm3" in result.output
    decide_one(sm3_app, sm3_app.test_client())
    with sm3_app.app_context():
        assert ledger.tree_head(db.session).hash_name == "sm3"


def test_init_leaves_a_grown_ledger_alone(app, client, sm3_app):
    decide_one(app, client)
    result = sm3_app.test_cli_runner().invoke(args=["ledger", "init"])
    assert result.exit_code == 1 and "already holds 1 entries" in result.output


def test_anchor_then_verify_reports_an_intact_ledger(app, client):
    decide_one(app, client)
    runner = app.test_cli_runner()
    anchored = runner.invoke(args=["ledger", "anchor", "--force"])
    assert anchored.exit_code == 0 and "anchored tree size 1" in anchored.output
    verified = runner.invoke(args=["ledger", "verify"])
    assert verified.exit_code == 0
    assert "1 anchors checked" in verified.output and "intact" in verified.output


def test_verify_exits_1_and_names_a_tampered_entry(app, client):
    decide_one(app, client)
    with app.app_context():
        tamper(db.engine, "UPDATE ledger_entries SET body = '{}'")
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert "PROBLEM modified_entry: entry 0 no longer hashes to its leaf" in result.output


def test_the_worker_anchors_a_due_batch_and_stops_when_told(database_url, tmp_path):
    import time

    from exchange.ledger.events import anchor_state
    from exchange.worker.loop import start_worker_thread

    app = create_app(
        {
            "MODE": "test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(tmp_path),
            "ANCHOR_BATCH_SIZE": 1,
            "ANCHOR_INTERVAL_SECONDS": 0.05,
        }
    )
    decide_one(app, app.test_client())
    worker = start_worker_thread(app)
    try:
        deadline = time.monotonic() + 20
        state = {"status": "pending"}
        while state["status"] == "pending" and time.monotonic() < deadline:
            time.sleep(0.1)
            with app.app_context():
                state = anchor_state(db.session, 0)
                db.session.remove()
        assert state["status"] == "confirmed"
    finally:
        worker.stop()
        app.extensions["chain"].close()
        with app.app_context():
            db.engine.dispose()
