"""`flask ledger init` deploys the anchor contract, and every command that sends to the chain
first takes the anchoring lease: while a worker leads anchoring it neither deploys nor anchors,
on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, func, select

from contracts.anchoring import active_deployment
from contracts.schema import ledger_deployments
from exchange.extensions import db
from exchange.ledger.cli import WORKER_LEADS
from exchange.ledger.extension import chain_of
from exchange.ledger.tasks import ANCHOR
from exchange.worker.lease import lease_for


def deployments(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ledger_deployments))


@pytest.fixture
def worker_leads(database_url: str) -> Iterator[None]:
    """Another worker holding the anchoring lease, on an engine of its own."""
    engine = create_engine(database_url)
    lease = lease_for(engine, ANCHOR.name, holder="another worker", seconds=3600)
    assert lease.hold()
    yield
    lease.release()
    engine.dispose()


def test_init_deploys_the_anchor_contract_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["ledger", "init"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        deployment = active_deployment(db.session, chain_of(app).chain_id())
        db.session.remove()
    assert deployment is not None
    assert f"anchor contract: {deployment.contract_address}" in first.output
    again = runner.invoke(args=["ledger", "init"])
    assert f"anchor contract: {deployment.contract_address}" in again.output
    assert deployments(app) == 1


@pytest.mark.usefixtures("worker_leads")
def test_init_leaves_the_deployment_to_the_worker_that_leads_anchoring(app):
    result = app.test_cli_runner().invoke(args=["ledger", "init"])
    assert result.exit_code == 0, result.output
    assert "left to the worker leading anchoring" in result.output
    assert deployments(app) == 0


@pytest.mark.usefixtures("worker_leads")
@pytest.mark.parametrize("command", [["anchor", "--force"], ["reanchor"]])
def test_no_anchoring_from_the_command_line_while_a_worker_leads(app, command):
    result = app.test_cli_runner().invoke(args=["ledger", *command])
    assert result.exit_code == 1 and WORKER_LEADS in result.output
    assert deployments(app) == 0


def test_the_command_line_hands_the_lease_back(app, database_url):
    assert app.test_cli_runner().invoke(args=["ledger", "anchor", "--force"]).exit_code == 0
    engine = create_engine(database_url)
    lease = lease_for(engine, ANCHOR.name, holder="a worker", seconds=3600)
    try:
        assert lease.hold()
    finally:
        lease.release()
        engine.dispose()
