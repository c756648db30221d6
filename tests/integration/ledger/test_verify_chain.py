"""Proof bundles from real databases, verified against real chains and by the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine

from contracts import anchoring, ledger
from contracts.anchoring import AnchorPolicy
from contracts.bundle import make_bundle
from contracts.chain import RpcChain
from contracts.embedded_chain import EmbeddedChain
from contracts.verify import verify_bundle
from tests.integration.chains import ANVIL_KEYS, free_port

ROOT = Path(__file__).resolve().parents[3]
BATCH = AnchorPolicy(batch_size=4, max_wait_seconds=60, confirmations=1)


def fill(engine: Engine, count: int) -> None:
    with engine.begin() as connection:
        for n in range(count):
            ledger.append(connection, "trade.signed", {"n": n, "板块": "铜"})


def bundle_for(engine: Engine, seq: int) -> dict:
    with engine.connect() as connection:
        return make_bundle(connection, seq)


def anchored_bundle(engine: Engine, chain) -> dict:  # noqa: ANN001
    """Anchor 6 entries, and return the bundle of entry 2 (under the anchored tree of 6)."""
    fill(engine, 6)
    run = anchoring.anchor_pending(engine, chain, BATCH)
    assert run.error is None and run.anchored_size == 6
    return bundle_for(engine, 2)


def verify_cli(path: Path, *chain_args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "contracts.verify", str(path), *chain_args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_anchored_entry_verifies_against_the_chain(engine, chain_under_test):
    bundle = anchored_bundle(engine, chain_under_test.chain)
    assert bundle["status"] == "confirmed" and bundle["anchor"]["tree_size"] == 6
    verdict = verify_bundle(json.loads(json.dumps(bundle)), chain_under_test.chain)
    assert verdict.ok, verdict
    assert [s.name for s in verdict.steps] == [
        "leaf",
        "inclusion",
        "anchor",
        "chain",
        "contract",
        "transaction",
        "root",
    ]


def test_an_entry_under_an_unanchored_checkpoint_verifies_through_consistency(
    engine, chain_under_test
):
    chain = chain_under_test.chain
    fill(engine, 3)
    with engine.begin() as connection:
        ledger.checkpoint(connection)  # a checkpoint of 3 that is never anchored itself
    fill(engine, 2)
    assert anchoring.anchor_pending(engine, chain, BATCH).anchored_size == 5
    bundle = bundle_for(engine, 1)
    assert bundle["checkpoint"]["tree_size"] == 3
    assert bundle["anchored_checkpoint"]["tree_size"] == 5
    verdict = verify_bundle(bundle, chain)
    assert verdict.ok and ("consistency", True) in [(s.name, s.ok) for s in verdict.steps]


def test_an_entry_not_yet_anchored_says_so(engine, chain_under_test):
    chain = chain_under_test.chain
    fill(engine, 4)
    anchoring.anchor_pending(engine, chain, BATCH)
    fill(engine, 1)
    bundle = bundle_for(engine, 4)
    assert bundle["status"] == "pending" and bundle["anchor"] is None
    verdict = verify_bundle(bundle, chain)
    assert (verdict.ok, verdict.reason) == (False, "not anchored yet")


def test_a_tampered_entry_fails_before_the_chain_is_asked(engine, chain_under_test):
    bundle = anchored_bundle(engine, chain_under_test.chain)
    bundle["entry"]["body"] = '{"n":2,"板块":"锂"}'
    verdict = verify_bundle(bundle, chain_under_test.chain)
    assert verdict.reason == "the entry was altered (leaf hash does not match)"
    assert [s.name for s in verdict.steps] == ["leaf"]


def test_a_reset_chain_no_longer_holds_the_anchor(engine, tmp_path):
    chain = EmbeddedChain(tmp_path / "chain.sqlite")
    try:
        bundle = anchored_bundle(engine, chain)
    finally:
        chain.close()
    reset = EmbeddedChain(tmp_path / "reset-chain.sqlite")  # same chain id, nothing on it
    try:
        verdict = verify_bundle(bundle, reset)
        assert (verdict.ok, verdict.reason) == (False, "the anchor contract is not on this chain")
        assert verdict.exit_code == 2
        # Redeployed by the same operator, the contract comes back at the same address, but
        # neither the transaction nor the root are there.
        assert reset.deploy_anchor() == bundle["anchor"]["contract_address"]
        verdict = verify_bundle(bundle, reset)
        assert verdict.reason == "the anchor transaction is not on this chain"
        other_root = reset.send_anchor(bundle["anchor"]["contract_address"], 6, b"\x07" * 32)
        forged = {**bundle, "anchor": {**bundle["anchor"], "tx_hash": other_root}}
        verdict = verify_bundle(forged, reset)
        assert verdict.reason == "the transaction anchors another checkpoint"
        assert verdict.exit_code == 1
    finally:
        reset.close()


def test_another_chain_is_the_wrong_chain(engine, tmp_path, anvil):
    chain = EmbeddedChain(tmp_path / "chain.sqlite")
    try:
        bundle = anchored_bundle(engine, chain)
    finally:
        chain.close()
    verdict = verify_bundle(bundle, RpcChain(anvil.url, ANVIL_KEYS[0]))
    assert (verdict.ok, verdict.reason) == (False, "wrong chain")


def test_the_command_line_verifies_against_anvil(engine, anvil, tmp_path):
    bundle = anchored_bundle(engine, RpcChain(anvil.url, ANVIL_KEYS[0]))
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    done = verify_cli(path, "--rpc", anvil.url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok    root" in done.stdout and done.stdout.rstrip().splitlines()[-1].startswith(
        "VALID: "
    )
    bundle["anchor"]["root"] = "0x" + "07" * 32
    bundle["anchored_checkpoint"] = None
    path.write_text(json.dumps(bundle))
    done = verify_cli(path, "--rpc", anvil.url)
    assert done.returncode == 1
    assert "the anchor is not for the checkpoint the proofs lead to" in done.stdout


def test_the_command_line_verifies_against_the_embedded_chain_file(engine, tmp_path):
    chain_file = tmp_path / "chain.sqlite"
    chain = EmbeddedChain(chain_file)
    try:
        bundle = anchored_bundle(engine, chain)
    finally:
        chain.close()  # the verifier is another process opening the same SQLite file
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    done = verify_cli(path, "--embedded", str(chain_file))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok    transaction" in done.stdout
    done = verify_cli(path, "--embedded", str(tmp_path / "missing.sqlite"))
    assert done.returncode == 2 and "no embedded chain file" in done.stderr
    EmbeddedChain(tmp_path / "reset.sqlite").close()
    done = verify_cli(path, "--embedded", str(tmp_path / "reset.sqlite"))
    assert done.returncode == 2, done.stdout + done.stderr  # a reset chain cannot say either way
    assert "CANNOT BE CHECKED: the anchor contract is not on this chain" in done.stdout


def deployment_tx(chain) -> str:  # noqa: ANN001
    """The hash of the transaction that deployed the anchor contract (block 1's first)."""
    for number in range(int(chain._w3.eth.block_number) + 1):
        for tx in chain._w3.eth.get_block(number)["transactions"]:
            if chain._w3.eth.get_transaction(tx)["to"] is None:
                return "0x" + bytes(tx).hex()
    raise AssertionError("no deployment transaction")


def test_a_bundle_citing_another_successful_transaction_is_forged(engine, chain_under_test):
    chain = chain_under_test.chain
    fill(engine, 4)
    earlier = anchoring.anchor_pending(engine, chain, BATCH)
    assert earlier.anchored_size == 4 and earlier.tx_hash
    fill(engine, 6)
    anchoring.anchor_pending(engine, chain, BATCH, force=True)
    bundle = bundle_for(engine, 5)  # entry 5, proven by the anchor of size 10
    assert bundle["anchor"]["tree_size"] == 10
    assert verify_bundle(bundle, chain).ok
    for other, reason in (
        (earlier.tx_hash, "the transaction anchors another checkpoint"),
        (deployment_tx(chain), "the transaction is not a call of the anchor contract"),
    ):
        forged = {**bundle, "anchor": {**bundle["anchor"], "tx_hash": other}}
        verdict = verify_bundle(forged, chain)
        assert (verdict.ok, verdict.reason, verdict.exit_code) == (False, reason, 1)


def test_a_genuine_bundle_on_a_reset_chain_exits_2_and_a_forged_one_1(engine, tmp_path):
    chain_file = tmp_path / "chain.sqlite"
    chain = EmbeddedChain(chain_file)
    try:
        fill(engine, 4)
        earlier = anchoring.anchor_pending(engine, chain, BATCH)
        fill(engine, 4)
        anchoring.anchor_pending(engine, chain, BATCH, force=True)
        bundle = bundle_for(engine, 5)
        assert bundle["anchor"]["tree_size"] == 8
    finally:
        chain.close()
    genuine, forged = tmp_path / "genuine.json", tmp_path / "forged.json"
    genuine.write_text(json.dumps(bundle))
    forged.write_text(
        json.dumps({**bundle, "anchor": {**bundle["anchor"], "tx_hash": earlier.tx_hash}})
    )
    done = verify_cli(forged, "--embedded", str(chain_file))
    assert done.returncode == 1 and "INVALID: the transaction anchors another" in done.stdout
    reset = EmbeddedChain(tmp_path / "reset.sqlite")  # the node came back empty
    reset.deploy_anchor()  # and the contract was deployed again, at the same address
    reset.close()
    done = verify_cli(genuine, "--embedded", str(tmp_path / "reset.sqlite"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "CANNOT BE CHECKED: the anchor transaction is not on this chain" in done.stdout


def test_the_command_line_exits_2_when_the_node_cannot_be_reached(engine, tmp_path):
    chain = EmbeddedChain(tmp_path / "chain.sqlite")
    try:
        bundle = anchored_bundle(engine, chain)
    finally:
        chain.close()
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    done = verify_cli(path, "--rpc", f"http://127.0.0.1:{free_port()}")
    assert done.returncode == 2 and "cannot be reached" in done.stderr
