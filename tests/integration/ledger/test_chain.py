"""One suite over both chain adapters, plus what only the embedded chain promises: persistence."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from contracts.chain import AnchorRejected, ChainUnavailable, RpcChain
from contracts.compile import ARTIFACT, compile_anchor, render
from contracts.embedded_chain import EMBEDDED_DEV_KEYS, EmbeddedChain
from tests.integration.chains import ANVIL_KEYS, ROOT, ChainUnderTest, DeployedChain, free_port

ROOT_A = bytes.fromhex("aa" * 32)
ROOT_B = bytes.fromhex("bb" * 32)


def test_committed_artifact_matches_a_fresh_compile() -> None:
    assert ARTIFACT.read_text(encoding="utf-8") == render(compile_anchor())


def test_deployed_contract_starts_empty(chain_under_test: ChainUnderTest) -> None:
    chain = chain_under_test.chain
    address = chain.deploy_anchor()
    assert chain.has_anchor(address)
    assert chain.latest_size(address) == 0
    assert chain.root_of(address, 1) == bytes(32)


def test_anchored_root_reads_back_by_size(
    deployed_chain: DeployedChain, record_property: pytest.RecordProperty
) -> None:
    chain, address = deployed_chain.chain, deployed_chain.address
    first = chain.send_anchor(address, 10, ROOT_A)
    second = chain.send_anchor(address, 25, ROOT_B)
    assert chain.root_of(address, 10) == ROOT_A
    assert chain.root_of(address, 25) == ROOT_B
    assert chain.root_of(address, 11) == bytes(32)
    assert chain.latest_size(address) == 25
    gas = [receipt.gas_used for tx in (first, second) if (receipt := chain.receipt(tx))]
    record_property("anchor_gas", gas)


def test_tree_size_must_grow(deployed_chain: DeployedChain) -> None:
    chain, address = deployed_chain.chain, deployed_chain.address
    chain.send_anchor(address, 5, ROOT_A)
    for size in (5, 4, 0):
        with pytest.raises(AnchorRejected, match="tree size must grow"):
            chain.send_anchor(address, size, ROOT_B)
    assert chain.latest_size(address) == 5
    assert chain.root_of(address, 5) == ROOT_A


def test_only_the_operator_may_anchor(deployed_chain: DeployedChain) -> None:
    address = deployed_chain.address
    with pytest.raises(AnchorRejected, match="only the operator"):
        deployed_chain.stranger.send_anchor(address, 1, ROOT_A)
    assert deployed_chain.chain.latest_size(address) == 0


def test_receipt_is_found_by_transaction_hash(deployed_chain: DeployedChain) -> None:
    chain, address = deployed_chain.chain, deployed_chain.address
    tx_hash = chain.send_anchor(address, 3, ROOT_A)
    receipt = chain.receipt(tx_hash)
    assert receipt is not None
    assert receipt.tx_hash == tx_hash
    assert receipt.succeeded
    assert 40_000 < receipt.gas_used < 80_000
    assert receipt.block_number > 0
    assert receipt.confirmations >= 1


def test_unknown_transaction_has_no_receipt(chain_under_test: ChainUnderTest) -> None:
    assert chain_under_test.chain.receipt("0x" + "12" * 32) is None


def test_chain_id_is_stable_and_node_available(chain_under_test: ChainUnderTest) -> None:
    chain = chain_under_test.chain
    assert chain.is_available()
    assert chain.chain_id() == chain_under_test.stranger.chain_id() > 0


def test_another_address_holds_no_anchor(chain_under_test: ChainUnderTest) -> None:
    assert not chain_under_test.chain.has_anchor(chain_under_test.stranger.operator())


def test_rpc_chain_is_unavailable_when_no_node_listens() -> None:
    chain = RpcChain(f"http://127.0.0.1:{free_port()}", ANVIL_KEYS[0], timeout=2)
    assert not chain.is_available()
    with pytest.raises(ChainUnavailable):
        chain.chain_id()
    with pytest.raises(ChainUnavailable):
        chain.send_anchor("0x" + "00" * 20, 1, ROOT_A)


def test_embedded_chain_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "chain.sqlite"
    first = EmbeddedChain(path)
    address = first.deploy_anchor()
    tx_hash = first.send_anchor(address, 7, ROOT_A)
    chain_id = first.chain_id()
    first.close()

    reopened = EmbeddedChain(path)
    assert reopened.chain_id() == chain_id
    assert reopened.has_anchor(address)
    assert reopened.root_of(address, 7) == ROOT_A
    assert reopened.latest_size(address) == 7
    receipt = reopened.receipt(tx_hash)
    assert receipt is not None and receipt.succeeded
    reopened.send_anchor(address, 8, ROOT_B)
    assert reopened.latest_size(address) == 8


def test_embedded_chains_sharing_a_file_see_each_others_anchors(tmp_path: Path) -> None:
    path = tmp_path / "chain.sqlite"
    one, two = EmbeddedChain(path), EmbeddedChain(path)
    address = one.deploy_anchor()
    one.send_anchor(address, 1, ROOT_A)
    assert two.latest_size(address) == 1
    two.send_anchor(address, 2, ROOT_B)
    assert one.root_of(address, 2) == ROOT_B
    one.send_anchor(address, 3, ROOT_A)
    assert two.latest_size(address) == 3


ANCHOR_FOREVER = """
import sys
from pathlib import Path
from contracts.embedded_chain import EmbeddedChain
chain = EmbeddedChain(Path(sys.argv[1]))
size = 0
while True:
    size += 1
    chain.send_anchor(sys.argv[2], size, size.to_bytes(32, "big"))
    print(size, flush=True)
"""


def test_embedded_chain_survives_kill_9_while_anchoring(tmp_path: Path) -> None:
    path = tmp_path / "chain.sqlite"
    setup = EmbeddedChain(path)
    address = setup.deploy_anchor()
    setup.close()
    worker = subprocess.Popen(
        [sys.executable, "-c", ANCHOR_FOREVER, str(path), address],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    assert worker.stdout is not None
    committed = 0
    deadline = time.monotonic() + 60
    while committed < 5 and time.monotonic() < deadline:
        line = worker.stdout.readline()
        if not line:
            break
        committed = int(line)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    worker.stdout.close()
    assert committed >= 5, "the anchoring subprocess did not get going"

    reopened = EmbeddedChain(path)
    latest = reopened.latest_size(address)
    assert latest >= committed
    for size in range(1, latest + 1):
        assert reopened.root_of(address, size) == size.to_bytes(32, "big")
    reopened.send_anchor(address, latest + 1, ROOT_A)
    assert reopened.latest_size(address) == latest + 1


def test_embedded_chain_serialises_threads(tmp_path: Path) -> None:
    chain = EmbeddedChain(tmp_path / "chain.sqlite")
    address = chain.deploy_anchor()
    errors: list[BaseException] = []
    done = threading.Event()

    def read_until_done() -> None:
        try:
            while not done.is_set():
                size = chain.latest_size(address)
                assert size == 0 or chain.root_of(address, size) == size.to_bytes(32, "big")
        except BaseException as error:  # handed to the main thread to fail the test
            errors.append(error)

    readers = [threading.Thread(target=read_until_done) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        for size in range(1, 21):
            chain.send_anchor(address, size, size.to_bytes(32, "big"))
    finally:
        done.set()
        for reader in readers:
            reader.join()
    assert errors == []
    assert chain.latest_size(address) == 20


def test_embedded_operator_may_use_another_key(tmp_path: Path) -> None:
    chain = EmbeddedChain(tmp_path / "chain.sqlite", EMBEDDED_DEV_KEYS[2])
    address = chain.deploy_anchor()
    chain.send_anchor(address, 1, ROOT_A)
    assert chain.root_of(address, 1) == ROOT_A
