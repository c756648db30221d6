"""`flask ledger verify` against someone with database access: rows, checkpoints, anchors and
the state edited behind the application's back are caught from the chain's own records and the
first bad entry is named (exit 1); a chain that is reset or unreachable is "cannot be checked"
(exit 2), never "intact"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine

from contracts import anchoring, ledger
from contracts.anchoring import AnchorPolicy
from contracts.embedded_chain import EMBEDDED_DEV_KEYS
from exchange.app import create_app
from exchange.extensions import db
from exchange.ledger.extension import chain_of
from tests.databases import guards_down, tamper
from tests.integration.chains import free_port

EACH_ENTRY = AnchorPolicy(batch_size=1, max_wait_seconds=60, confirmations=1)
ENTRIES = 4


def make_app(database_url: str, tmp_path: Path, **config: object) -> Flask:
    return create_app(
        {
            "MODE": "test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(tmp_path),
            "CHAIN_PATH": str(tmp_path / "chain.sqlite"),
            **config,
        }
    )


@pytest.fixture
def anchored(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """Four entries, each anchored on the app's embedded chain as it was appended."""
    app = make_app(database_url, tmp_path)
    with app.app_context():
        for n in range(ENTRIES):
            with db.engine.begin() as connection:
                ledger.append(connection, "trade.signed", {"n": n, "price": "99.00"})
            run = anchoring.anchor_pending(db.engine, chain_of(app), EACH_ENTRY, force=True)
            assert run.anchored_size == n + 1, run
    yield app
    app.extensions["chain"].close()
    with app.app_context():
        db.engine.dispose()


def verify(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    return result.exit_code, result.output


def engine_of(app: Flask) -> Engine:
    with app.app_context():
        return db.engine


def rebuild(app: Flask, *, changed: int | None, keep: int = ENTRIES) -> None:
    """Rewrite the ledger consistently: entries, subtrees, checkpoints and the stored anchors
    all agree with each other, as a careful forger would leave them."""
    engine = engine_of(app)
    with engine.connect() as connection:
        times = [ledger.entry(connection, n).recorded_at for n in range(keep)]
    tamper(
        engine,
        "DELETE FROM ledger_anchors",
        "DELETE FROM ledger_checkpoints",
        "DELETE FROM ledger_nodes",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_state SET tree_size = 0",
    )
    with guards_down(engine) as connection:
        for n in range(keep):
            price = "1.00" if n == changed else "99.00"
            ledger.append(connection, "trade.signed", {"n": n, "price": price}, now=times[n])
            ledger.checkpoint(connection)


def test_an_untouched_anchored_ledger_is_intact(anchored):
    code, output = verify(anchored)
    assert code == 0, output
    assert f"{ENTRIES} anchors checked" in output and "the ledger is intact" in output


def test_an_altered_stored_anchor_root_is_caught(anchored):
    zero = "'\\x" + "00" * 32 + "'" if engine_of(anchored).dialect.name == "postgresql" else None
    tamper(
        engine_of(anchored),
        "UPDATE ledger_anchors SET root = " + (zero or "zeroblob(32)") + " WHERE tree_size = 3",
    )
    code, output = verify(anchored)
    assert code == 1, output
    assert "PROBLEM altered_anchor: the stored anchor for size 3 differs" in output


def test_a_state_row_below_the_entries_is_caught(anchored):
    tamper(engine_of(anchored), "UPDATE ledger_state SET tree_size = 2")
    code, output = verify(anchored)
    assert code == 1, output
    assert "PROBLEM state_behind" in output
    assert "the first bad entry is entry 2" in output


def test_a_consistent_rewrite_is_caught_from_the_chain_at_its_first_bad_entry(anchored):
    rebuild(anchored, changed=2)
    code, output = verify(anchored)
    assert code == 1, output
    assert "entry 2 is the first bad entry" in output
    assert "the first bad entry is entry 2" in output


def test_a_consistent_truncation_is_caught_from_the_chain(anchored):
    rebuild(anchored, changed=None, keep=2)
    code, output = verify(anchored)
    assert code == 1, output
    assert "the first bad entry is entry 2" in output


def test_a_rewrite_that_also_deletes_the_deployment_rows_is_caught(anchored):
    rebuild(anchored, changed=1)
    tamper(engine_of(anchored), "DELETE FROM ledger_deployments")
    code, output = verify(anchored)
    assert code == 1, output
    assert "the first bad entry is entry 1" in output


def test_a_reset_chain_cannot_check_the_ledger(anchored, database_url, tmp_path):
    reset = make_app(database_url, tmp_path, CHAIN_PATH=str(tmp_path / "reset.sqlite"))
    try:
        code, output = verify(reset)
        assert code == 2, output
        assert "CANNOT CHECK" in output and "intact" not in output
    finally:
        reset.extensions.get("chain") and reset.extensions["chain"].close()
        engine_of(reset).dispose()


def test_an_unreachable_chain_cannot_check_the_ledger(anchored, database_url, tmp_path):
    down = make_app(
        database_url,
        tmp_path,
        CHAIN="rpc",
        CHAIN_URL=f"http://127.0.0.1:{free_port()}",
        CHAIN_PRIVATE_KEY=EMBEDDED_DEV_KEYS[0],
    )
    try:
        code, output = verify(down)
    finally:
        engine_of(down).dispose()
    assert code == 2, output
    assert "CANNOT CHECK: the chain cannot be reached" in output
