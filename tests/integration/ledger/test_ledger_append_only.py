"""Checkpoints, anchors, deployments and the state row refuse what the application never does,
as the entries do; only the anchoring worker's own steps pass."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert, text
from sqlalchemy.exc import DBAPIError

from contracts import ledger
from contracts.schema import ledger_anchors, ledger_deployments

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def anchored_ledger(engine: Engine, status: str = "confirmed") -> None:
    """Three entries, their checkpoint, a deployment and one anchor row in `status`."""
    with engine.begin() as connection:
        for n in range(3):
            ledger.append(connection, "trade.signed", {"n": n})
        head = ledger.checkpoint(connection)
        assert head is not None
        deployment = connection.execute(
            insert(ledger_deployments)
            .values(
                chain_id=7,
                contract_address="0x" + "ab" * 20,
                operator="0x" + "cd" * 20,
                deployed_at=NOW,
            )
            .returning(ledger_deployments.c.id)
        ).scalar_one()
        connection.execute(
            insert(ledger_anchors).values(
                deployment_id=deployment,
                tree_size=3,
                root=head.root,
                status=status,
                tx_hash="0x" + "01" * 32 if status != "sending" else None,
                attempts=1,
                created_at=NOW,
                updated_at=NOW,
            )
        )


def refused(engine: Engine, statement: str) -> bool:
    """Whether the database refuses the statement (and so it changes nothing)."""
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    except DBAPIError as error:
        return "append-only" in str(error)
    return False


REFUSED = {
    "an anchor's root": "UPDATE ledger_anchors SET root = (SELECT root FROM ledger_checkpoints)"
    " || (SELECT root FROM ledger_checkpoints)",
    "an anchor's size": "UPDATE ledger_anchors SET tree_size = 2",
    "an anchor deleted": "DELETE FROM ledger_anchors",
    "a confirmed anchor's transaction": "UPDATE ledger_anchors SET tx_hash = '0x" + "02" * 32 + "'",
    "a confirmed anchor's block": "UPDATE ledger_anchors SET block_number = 99",
    "a confirmed anchor sent again": "UPDATE ledger_anchors SET status = 'sending'",
    "a checkpoint's root": "UPDATE ledger_checkpoints SET tree_size = 2",
    "a checkpoint deleted": "DELETE FROM ledger_checkpoints",
    "a deployment deleted": "DELETE FROM ledger_deployments",
    "a deployment moved": "UPDATE ledger_deployments SET contract_address = '0x" + "ef" * 20 + "'",
    "the state lowered": "UPDATE ledger_state SET tree_size = 1",
    "the state jumped": "UPDATE ledger_state SET tree_size = 9",
    "the state's hash switched": "UPDATE ledger_state SET hash_name = 'sm3'",
    "the state deleted": "DELETE FROM ledger_state",
    "a second state row": "INSERT INTO ledger_state (id, tree_size, hash_name)"
    " VALUES (2, 0, 'sm3')",
}


@pytest.mark.parametrize("name", REFUSED)
def test_the_database_refuses_what_the_application_never_does(engine, name):
    anchored_ledger(engine)
    assert refused(engine, REFUSED[name])


def test_a_retired_deployment_stays_retired(engine):
    anchored_ledger(engine)
    assert not refused(engine, "UPDATE ledger_deployments SET retired_at = CURRENT_TIMESTAMP")
    assert refused(engine, "UPDATE ledger_deployments SET retired_at = NULL")


def test_the_workers_steps_pass(engine):
    anchored_ledger(engine, status="sending")
    for step in (
        "UPDATE ledger_anchors SET status = 'sent', tx_hash = '0x" + "01" * 32 + "', attempts = 2",
        "UPDATE ledger_anchors SET tx_hash = '0x" + "03" * 32 + "'",  # re-sent while unmined
        "UPDATE ledger_anchors SET status = 'anchored', block_number = 5, gas_used = 50000",
        "UPDATE ledger_anchors SET status = 'confirmed'",
        "UPDATE ledger_anchors SET updated_at = CURRENT_TIMESTAMP, attempts = 3",
    ):
        assert not refused(engine, step), step
    assert refused(engine, "UPDATE ledger_anchors SET status = 'anchored'")


def test_an_empty_ledger_may_still_choose_its_hash(engine):
    assert not refused(engine, "UPDATE ledger_state SET hash_name = 'sm3'")
