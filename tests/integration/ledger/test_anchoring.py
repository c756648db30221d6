"""Anchoring over real databases and real chains: batches, idempotence, outages, crashes, resets."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, insert, select

from contracts import anchoring, ledger
from contracts.anchoring import AnchorPolicy
from contracts.audit import Finding, audit_ledger
from contracts.chain import RpcChain
from contracts.embedded_chain import EmbeddedChain
from contracts.schema import ledger_anchors
from tests.components import require_component
from tests.integration.chains import ANVIL_KEYS, anvil_binary, free_port, wait_until_answering

BATCH = AnchorPolicy(batch_size=4, max_wait_seconds=60, confirmations=1)


def fill(engine: Engine, count: int) -> None:
    with engine.begin() as connection:
        for n in range(count):
            ledger.append(connection, "trade.signed", {"n": n})


def anchor_rows(engine: Engine) -> list:
    with engine.connect() as connection:
        return connection.execute(select(ledger_anchors).order_by(ledger_anchors.c.id)).all()


def test_a_due_batch_is_anchored_in_one_transaction(engine, chain_under_test):
    chain = chain_under_test.chain
    fill(engine, 5)
    run = anchoring.anchor_pending(engine, chain, BATCH)
    assert run.error is None and run.anchored_size == 5 and run.tx_hash
    [row] = anchor_rows(engine)
    assert row.status == "confirmed" and row.tx_hash == run.tx_hash and row.gas_used > 0
    with engine.connect() as connection:
        deployment = anchoring.active_deployment(connection, chain.chain_id())
        root = ledger.tree_head(connection, 5).root
    assert chain.root_of(deployment.contract_address, 5) == root


def test_nothing_is_sent_before_a_batch_is_due(engine, chain_under_test):
    fill(engine, 2)
    assert anchoring.anchor_pending(engine, chain_under_test.chain, BATCH).anchored_size is None
    assert anchor_rows(engine) == []


def test_a_small_batch_is_anchored_once_it_has_waited_long_enough(engine, chain_under_test):
    fill(engine, 2)
    later = datetime.now(UTC) + timedelta(seconds=61)
    run = anchoring.anchor_pending(engine, chain_under_test.chain, BATCH, now=later)
    assert run.anchored_size == 2


def test_running_again_anchors_nothing_twice(engine, chain_under_test):
    chain = chain_under_test.chain
    fill(engine, 4)
    first = anchoring.anchor_pending(engine, chain, BATCH)
    second = anchoring.anchor_pending(engine, chain, BATCH)
    assert first.anchored_size == 4 and second.anchored_size is None and second.error is None
    assert len(anchor_rows(engine)) == 1


def test_entries_keep_coming_while_the_chain_is_down_and_anchoring_catches_up(
    engine, chain_under_test
):
    chain = chain_under_test.chain
    fill(engine, 4)
    anchoring.anchor_pending(engine, chain, BATCH)
    dead = RpcChain(f"http://127.0.0.1:{free_port()}", "0x" + "11" * 32)
    fill(engine, 6)
    down = anchoring.anchor_pending(engine, dead, BATCH)
    assert down.error is not None and "unavailable" in down.error
    fill(engine, 2)
    back = anchoring.anchor_pending(engine, chain, BATCH)
    assert back.anchored_size == 12
    assert [row.tree_size for row in anchor_rows(engine)] == [4, 12]


def test_a_worker_killed_before_sending_sends_on_the_next_run(engine, chain_under_test):
    chain = chain_under_test.chain
    fill(engine, 1)
    anchoring.anchor_pending(engine, chain, BATCH, force=True)
    fill(engine, 4)
    outbox = _die_after_writing_the_outbox_row(engine, chain)
    run = anchoring.anchor_pending(engine, chain, BATCH)
    assert run.repaired == 1
    [_, repaired] = anchor_rows(engine)
    # Sent now, with its hash kept; a loaded node may mine it a moment after this pass looked.
    assert repaired.tx_hash is not None and repaired.status in ("sent", "confirmed")
    with engine.connect() as connection:
        address = anchoring.active_deployment(connection, chain.chain_id()).contract_address
    assert chain.root_of(address, 5) == outbox["root"]
    anchoring.anchor_pending(engine, chain, BATCH)  # the worker's next pass
    assert [(r.tree_size, r.status) for r in anchor_rows(engine)] == [
        (1, "confirmed"),
        (5, "confirmed"),
    ]


def test_a_worker_killed_after_sending_is_not_sent_twice(engine, chain_under_test):
    chain = chain_under_test.chain
    fill(engine, 1)
    anchoring.anchor_pending(engine, chain, BATCH, force=True)
    fill(engine, 4)
    row = _die_after_writing_the_outbox_row(engine, chain)
    with engine.connect() as connection:
        address = anchoring.active_deployment(connection, chain.chain_id()).contract_address
    sent = chain.send_anchor(address, row["tree_size"], row["root"])  # then the worker died
    run = anchoring.anchor_pending(engine, chain, BATCH)
    assert run.repaired == 1 and run.error is None
    assert chain.latest_size(address) == 5
    # Found again by its event: the row names the transaction that anchored it.
    assert [(r.status, r.tx_hash) for r in anchor_rows(engine)][1] == ("confirmed", sent)


def _die_after_writing_the_outbox_row(engine: Engine, chain) -> dict:  # noqa: ANN001
    now = datetime.now(UTC)
    with engine.begin() as connection:
        head = ledger.checkpoint(connection)
        deployment = anchoring.active_deployment(connection, chain.chain_id())
        row = {
            "deployment_id": deployment.id,
            "tree_size": head.size,
            "root": head.root,
            "status": "sending",
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        connection.execute(insert(ledger_anchors).values(**row))
    return row


def test_the_audit_checks_every_anchor_against_the_chain(engine, chain_under_test):
    chain = chain_under_test.chain
    fill(engine, 4)
    anchoring.anchor_pending(engine, chain, BATCH)
    fill(engine, 4)
    anchoring.anchor_pending(engine, chain, BATCH)
    with engine.connect() as connection:
        anchored = anchoring.anchored_roots(connection, chain)
        report = audit_ledger(connection, anchored=anchored)
    assert sorted(anchored) == [4, 8]
    assert report.ok and report.anchors_checked == 2


def test_a_reset_chain_shows_missing_anchors_until_reanchored(engine, tmp_path):
    chain = EmbeddedChain(tmp_path / "chain.sqlite")
    fill(engine, 4)
    anchoring.anchor_pending(engine, chain, BATCH)
    chain.close()
    reset = EmbeddedChain(tmp_path / "reset-chain.sqlite")  # same chain id, empty chain
    try:
        with engine.connect() as connection:
            report = audit_ledger(connection, anchored=anchoring.anchored_roots(connection, reset))
        assert [p.kind for p in report.problems] == [Finding.MISSING_ANCHOR]
        fill(engine, 1)
        refused = anchoring.anchor_pending(engine, reset, BATCH, force=True)
        assert refused.error is not None and "reanchor" in refused.error
        run = anchoring.reanchor(engine, reset)
        assert run.anchored_size == 5
        with engine.connect() as connection:
            assert audit_ledger(connection, anchored=anchoring.anchored_roots(connection, reset)).ok
            count = connection.execute(select(func.count()).select_from(ledger_anchors))
            assert count.scalar_one() == 2
    finally:
        reset.close()


def _start_anvil(port: int) -> subprocess.Popen[bytes]:
    binary = anvil_binary()
    require_component(binary is not None, "anvil: make test installs it")
    assert binary is not None
    process = subprocess.Popen(
        [str(binary), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until_answering(f"http://127.0.0.1:{port}", process, timeout=30)
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=10)


def test_a_restarted_empty_anvil_is_reported_and_reanchored_on_command(engine):
    port = free_port()
    chain = RpcChain(f"http://127.0.0.1:{port}", ANVIL_KEYS[0])
    process = _start_anvil(port)
    try:
        fill(engine, 4)
        assert anchoring.anchor_pending(engine, chain, BATCH).anchored_size == 4
    finally:
        _stop(process)
    process = _start_anvil(port)  # the same node address, its chain empty again
    try:
        with engine.connect() as connection:
            report = audit_ledger(connection, anchored=anchoring.anchored_roots(connection, chain))
        assert [p.kind for p in report.problems] == [Finding.MISSING_ANCHOR]
        assert "reanchor" in anchoring.anchor_pending(engine, chain, BATCH, force=True).error
        assert anchoring.reanchor(engine, chain).anchored_size == 4
        with engine.connect() as connection:
            assert audit_ledger(connection, anchored=anchoring.anchored_roots(connection, chain)).ok
    finally:
        _stop(process)
