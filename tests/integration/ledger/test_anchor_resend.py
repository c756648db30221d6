"""A dropped anchor is re-sent, a lost hash is found again, the worker anchors first, and
/healthz says "degraded" for a reset chain or a stale unanchored entry (issue 18)."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert, select

from contracts import anchoring, ledger
from contracts.anchoring import AnchorPolicy
from contracts.chain import RpcChain
from contracts.schema import ledger_anchors, ledger_deployments
from exchange.extensions import db
from exchange.ledger.extension import chain_of
from tests.integration.chains import (
    ANVIL_KEYS,
    AnvilSnapshot,
    _rpc,
    anvil_binary,
    free_port,
    wait_until_answering,
)

BATCH = AnchorPolicy(batch_size=4, max_wait_seconds=60, confirmations=1, resend_seconds=120)


def fill(engine: Engine, count: int, *, now: datetime | None = None) -> None:
    with engine.begin() as connection:
        for n in range(count):
            ledger.append(connection, "trade.signed", {"n": n}, now=now)


def anchor_rows(engine: Engine) -> list:
    with engine.connect() as connection:
        return connection.execute(select(ledger_anchors).order_by(ledger_anchors.c.id)).all()


@pytest.fixture
def anvil_chain(anvil_snapshot: AnvilSnapshot) -> Iterator[RpcChain]:
    """The session's anvil at its snapshot, mining again whatever a test did to it."""
    anvil_snapshot.restore()
    try:
        yield RpcChain(anvil_snapshot.url, ANVIL_KEYS[0])
    finally:
        _rpc(anvil_snapshot.url, "evm_setAutomine", True)


def send_and_drop(engine: Engine, url: str, chain: RpcChain) -> str:
    """Anchor a due batch while the node mines nothing, then have the node forget it."""
    anchoring.ensure_deployment(engine, chain)
    _rpc(url, "evm_setAutomine", False)
    run = anchoring.anchor_pending(engine, chain, BATCH)
    assert run.anchored_size == 4 and run.tx_hash
    assert _rpc(url, "anvil_dropAllTransactions") is None
    _rpc(url, "evm_setAutomine", True)
    return run.tx_hash


def test_a_dropped_anchor_is_re_sent_after_the_resend_interval(engine, anvil_chain, anvil_snapshot):
    fill(engine, 4)
    dropped = send_and_drop(engine, anvil_snapshot.url, anvil_chain)
    early = anchoring.anchor_pending(engine, anvil_chain, BATCH)
    assert early.resent == 0 and [r.status for r in anchor_rows(engine)] == ["sent"]
    later = datetime.now(UTC) + timedelta(seconds=121)
    run = anchoring.anchor_pending(engine, anvil_chain, BATCH, now=later)
    assert run.resent == 1 and run.error is None
    [row] = anchor_rows(engine)
    # The node forgot the nonce too, so the re-sent transaction may be the very same one.
    assert row.status == "confirmed" and row.attempts == 2 and dropped
    found = anvil_chain.anchoring_receipt  # the chain holds exactly this checkpoint
    with engine.connect() as connection:
        deployment = anchoring.active_deployment(connection, anvil_chain.chain_id())
        root = ledger.tree_head(connection, 4).root
    assert found(deployment.contract_address, 4).tx_hash == row.tx_hash
    assert anvil_chain.root_of(deployment.contract_address, 4) == root == bytes(row.root)


def test_an_anchor_still_waiting_at_the_node_is_not_sent_twice(engine, anvil_chain, anvil_snapshot):
    fill(engine, 4)
    anchoring.ensure_deployment(engine, anvil_chain)
    _rpc(anvil_snapshot.url, "evm_setAutomine", False)
    sent = anchoring.anchor_pending(engine, anvil_chain, BATCH).tx_hash
    later = datetime.now(UTC) + timedelta(seconds=121)
    waiting = anchoring.anchor_pending(engine, anvil_chain, BATCH, now=later)
    assert waiting.resent == 0
    _rpc(anvil_snapshot.url, "evm_mine")
    anchoring.anchor_pending(engine, anvil_chain, BATCH, now=later)
    [row] = anchor_rows(engine)
    assert (row.status, row.tx_hash, row.attempts) == ("confirmed", sent, 1)


def test_ledger_anchor_force_re_sends_a_dropped_anchor(configured_app, anvil_snapshot):
    anvil_snapshot.restore()
    app = configured_app(CHAIN="rpc", CHAIN_URL=anvil_snapshot.url, CHAIN_PRIVATE_KEY=ANVIL_KEYS[0])
    with app.app_context():
        engine = db.engine
        fill(engine, 4)
        try:
            send_and_drop(engine, anvil_snapshot.url, RpcChain(anvil_snapshot.url, ANVIL_KEYS[0]))
        finally:
            _rpc(anvil_snapshot.url, "evm_setAutomine", True)
    result = app.test_cli_runner().invoke(args=["ledger", "anchor", "--force"])
    assert result.exit_code == 0 and "re-sent 1 dropped anchor" in result.output, result.output
    with app.app_context():
        assert [r.status for r in anchor_rows(db.engine)] == ["confirmed"]


def test_an_anchor_left_without_its_hash_is_repaired(engine, chain_under_test):
    chain = chain_under_test.chain
    fill(engine, 1)
    anchoring.anchor_pending(engine, chain, BATCH, force=True)
    fill(engine, 4)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        head = ledger.checkpoint(connection)
        deployment = anchoring.active_deployment(connection, chain.chain_id())
    sent = chain.send_anchor(deployment.contract_address, head.size, head.root)
    with engine.begin() as connection:  # what a worker killed after sending left behind
        connection.execute(
            insert(ledger_anchors).values(
                deployment_id=deployment.id,
                tree_size=head.size,
                root=head.root,
                status="anchored",
                attempts=1,
                created_at=now,
                updated_at=now,
            )
        )
    run = anchoring.anchor_pending(engine, chain, BATCH)
    assert run.repaired == 1 and run.error is None
    assert [(r.status, r.tx_hash) for r in anchor_rows(engine)][1] == ("confirmed", sent)


def test_the_worker_anchors_on_its_first_pass_before_anything_else(configured_app):
    from exchange.ledger.events import anchor_state
    from exchange.worker.loop import run_worker

    app = configured_app(ANCHOR_BATCH_SIZE=1)
    with app.app_context():
        fill(db.engine, 1)
    stopped = threading.Event()
    stopped.set()  # stopped before its loop: only what comes first runs
    try:
        run_worker(app, stopped)
        with app.app_context():
            assert anchor_state(db.session, 0)["status"] == "confirmed"
    finally:
        app.extensions["chain"].close()


def test_healthz_stays_ok_for_freshly_recorded_entries(client, app):
    with app.app_context():
        fill(db.engine, 3)
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["chain"]["status"] == "ok"
    assert body["chain"]["pending_entries"] == 3
    assert 0 <= body["chain"]["oldest_unanchored_seconds"] < 300


def test_healthz_is_degraded_by_entries_unanchored_too_long(client, app):
    with app.app_context():
        fill(db.engine, 2, now=datetime.now(UTC) - timedelta(minutes=10))
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200 and body["ready"] is True
    assert body["status"] == "degraded" and body["chain"]["status"] == "degraded"
    assert body["chain"]["oldest_unanchored_seconds"] >= 600
    [problem] = body["chain"]["problems"]
    assert problem.startswith("unanchored: 2 entries")


def test_healthz_is_degraded_when_the_embedded_chain_is_replaced(configured_app, tmp_path):
    first = configured_app(CHAIN_PATH=str(tmp_path / "first.sqlite"))
    with first.app_context():
        fill(db.engine, 1)
    assert (
        "anchored tree size 1"
        in first.test_cli_runner().invoke(args=["ledger", "anchor", "--force"]).output
    )
    assert first.test_client().get("/healthz").get_json()["status"] == "ok"
    first.extensions["chain"].close()
    reset = configured_app(CHAIN_PATH=str(tmp_path / "reset.sqlite"))  # same id, empty chain
    try:
        body = reset.test_client().get("/healthz").get_json()
        assert body["status"] == "degraded"
        assert body["chain"]["problems"][0].startswith("chain_reset: no anchor contract")
        reset.test_cli_runner().invoke(args=["ledger", "reanchor"])
        assert reset.test_client().get("/healthz").get_json()["status"] == "ok"
    finally:
        reset.extensions["chain"].close()


@pytest.fixture
def own_anvil() -> Iterator[str]:
    """An anvil of this test's own, as `anvil_reset` would break the session's snapshots."""
    binary = anvil_binary()
    assert binary is not None, "anvil: make setup installs it"
    port = free_port()
    process = subprocess.Popen(
        [str(binary), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(url, process, timeout=30)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_healthz_is_degraded_after_anvil_is_reset_until_reanchored(configured_app, own_anvil):
    app = configured_app(CHAIN="rpc", CHAIN_URL=own_anvil, CHAIN_PRIVATE_KEY=ANVIL_KEYS[0])
    with app.app_context():
        fill(db.engine, 2)
    runner, client = app.test_cli_runner(), app.test_client()
    assert "anchored tree size 2" in runner.invoke(args=["ledger", "anchor", "--force"]).output
    assert client.get("/healthz").get_json()["status"] == "ok"
    _rpc(own_anvil, "anvil_reset")
    body = client.get("/healthz").get_json()
    assert body["status"] == "degraded" and body["ready"] is True
    assert body["chain"]["problems"][0].startswith("chain_reset:")
    assert "re-anchored tree size 2" in runner.invoke(args=["ledger", "reanchor"]).output
    assert client.get("/healthz").get_json()["status"] == "ok"


def test_healthz_is_degraded_when_the_node_is_another_chain(configured_app, own_anvil, tmp_path):
    embedded = configured_app(CHAIN_PATH=str(tmp_path / "chain.sqlite"))
    with embedded.app_context():
        fill(db.engine, 1)
    embedded.test_cli_runner().invoke(args=["ledger", "anchor", "--force"])
    embedded.extensions["chain"].close()
    moved = configured_app(CHAIN="rpc", CHAIN_URL=own_anvil, CHAIN_PRIVATE_KEY=ANVIL_KEYS[0])
    body = moved.test_client().get("/healthz").get_json()
    assert body["status"] == "degraded"
    assert body["chain"]["problems"][0].startswith("chain_changed: the ledger is anchored on")
    runner = moved.test_cli_runner()
    refused = runner.invoke(args=["ledger", "anchor", "--force"]).output
    assert "chain_changed" in refused and "reanchor" in refused  # no silent move
    assert moved.test_client().get("/healthz").get_json()["status"] == "degraded"
    assert "re-anchored tree size 1" in runner.invoke(args=["ledger", "reanchor"]).output
    assert moved.test_client().get("/healthz").get_json()["status"] == "ok"


def test_a_dropped_anchor_overtaken_by_a_later_one_settles_without_failing(
    engine, anvil_chain, anvil_snapshot
):
    fill(engine, 4)
    send_and_drop(engine, anvil_snapshot.url, anvil_chain)
    fill(engine, 4)
    with engine.begin() as connection:  # another worker anchored a later checkpoint meanwhile
        head = ledger.checkpoint(connection)
        address = anchoring.active_deployment(connection, anvil_chain.chain_id()).contract_address
    later_tx = anvil_chain.send_anchor(address, head.size, head.root)
    run = anchoring.anchor_pending(engine, anvil_chain, BATCH, force=True)
    assert run.error is None
    rows = [(r.tree_size, r.status, r.tx_hash) for r in anchor_rows(engine)]
    assert rows[0][:2] == (4, "rejected")
    assert rows[1] == (8, "confirmed", later_tx)


def test_a_reset_chain_with_a_contract_at_the_same_address_is_reported(configured_app, tmp_path):
    first = configured_app(CHAIN_PATH=str(tmp_path / "first.sqlite"))
    with first.app_context():
        fill(db.engine, 1)
    first.test_cli_runner().invoke(args=["ledger", "anchor", "--force"])
    first.extensions["chain"].close()
    reset = configured_app(CHAIN_PATH=str(tmp_path / "reset.sqlite"))
    try:
        chain = chain_of(reset)
        with reset.app_context():
            [deployment] = db.session.execute(select(ledger_deployments)).all()
        # The same operator's first deployment on the empty chain lands at the same address.
        assert chain.deploy_anchor() == deployment.contract_address
        body = reset.test_client().get("/healthz").get_json()
        assert body["status"] == "degraded"
        assert body["chain"]["problems"] == [
            "chain_reset: the chain no longer holds the anchor of tree size 1"
        ]
        with reset.app_context():
            fill(db.engine, 1)
        refused = reset.test_cli_runner().invoke(args=["ledger", "anchor", "--force"]).output
        assert "no longer holds the anchor of tree size 1" in refused and "reanchor" in refused
    finally:
        reset.extensions["chain"].close()


def test_verify_cannot_check_a_ledger_on_a_reset_anvil_until_reanchored(configured_app, own_anvil):
    app = configured_app(CHAIN="rpc", CHAIN_URL=own_anvil, CHAIN_PRIVATE_KEY=ANVIL_KEYS[0])
    with app.app_context():
        fill(db.engine, 3)
    runner = app.test_cli_runner()
    assert "anchored tree size 3" in runner.invoke(args=["ledger", "anchor", "--force"]).output
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    _rpc(own_anvil, "anvil_reset")  # the node comes back empty
    reset = runner.invoke(args=["ledger", "verify"])
    assert reset.exit_code == 2 and "CANNOT CHECK" in reset.output, reset.output
    assert "intact" not in reset.output
    assert "re-anchored tree size 3" in runner.invoke(args=["ledger", "reanchor"]).output
    again = runner.invoke(args=["ledger", "verify"])
    assert again.exit_code == 0 and "the ledger is intact" in again.output, again.output
