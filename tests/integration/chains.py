"""Chains for the shared chain suite: the embedded py-evm chain, and anvil run from `.tools/`."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from contracts.chain import Chain, RpcChain
from contracts.embedded_chain import EMBEDDED_DEV_KEYS, EmbeddedChain
from tests.components import require_component

ROOT = Path(__file__).resolve().parents[2]
# `make setup` runs `npm install --prefix .tools @foundry-rs/anvil@1.7.1`; the native binary
# ships in the platform package beside it (anvil-linux-amd64, …), the node wrapper in .bin.
ANVIL_PACKAGES = ROOT / ".tools" / "node_modules" / "@foundry-rs"
# anvil's first two default accounts (from its well-known test mnemonic), funded at start.
ANVIL_KEYS = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
)
CHAIN_KINDS = ("embedded", "anvil")


@dataclass(frozen=True)
class ChainUnderTest:
    """A chain signing as the operator, and the same chain signing as someone else."""

    kind: str
    chain: Chain
    stranger: Chain


@dataclass(frozen=True)
class DeployedChain(ChainUnderTest):
    """A chain under test whose anchor contract is already deployed, at `address`."""

    address: str


@dataclass(frozen=True)
class AnvilNode:
    """A running anvil: its URL and process."""

    url: str
    process: subprocess.Popen[bytes]


def anvil_binary() -> Path | None:
    """The anvil that `make setup` installed, preferring the native binary over node's wrapper."""
    candidates = sorted(ANVIL_PACKAGES.glob("anvil-*/bin/anvil"))
    candidates.append(ROOT / ".tools" / "node_modules" / ".bin" / "anvil")
    return next((path for path in candidates if path.is_file()), None)


def free_port() -> int:
    """A loopback port nobody listens on now (anvil has no `--port 0`)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_answering(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Poll the node's JSON-RPC until it answers, failing early if it died."""
    deadline = time.monotonic() + timeout
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"anvil exited with {process.returncode} before answering")
        try:
            if requests.post(url, json=body, timeout=1).ok:
                return
        except requests.RequestException:
            time.sleep(0.05)
    raise RuntimeError(f"anvil did not answer at {url} within {timeout} s")


@pytest.fixture(scope="session")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnvilNode]:
    """One anvil for the session on a free loopback port; each test deploys its own contract."""
    binary = anvil_binary()
    require_component(binary is not None, "anvil: make setup installs it")
    assert binary is not None
    port = free_port()
    log = (tmp_path_factory.mktemp("anvil") / "anvil.log").open("wb")
    process = subprocess.Popen(
        [str(binary), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(url, process, timeout=30)
        yield AnvilNode(url, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextmanager
def embedded_signers(path: Path) -> Iterator[tuple[Chain, Chain]]:
    """The embedded chain in `path`, opened by the operator and by someone else."""
    operator = EmbeddedChain(path)
    stranger = EmbeddedChain(path, EMBEDDED_DEV_KEYS[1])
    yield operator, stranger
    stranger.close()
    operator.close()


def rpc_signers(url: str) -> tuple[Chain, Chain]:
    """The node at `url`, signing as the operator and as someone else."""
    return RpcChain(url, ANVIL_KEYS[0]), RpcChain(url, ANVIL_KEYS[1])


@pytest.fixture(params=CHAIN_KINDS)
def chain_under_test(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ChainUnderTest]:
    """Each chain kind in turn, so one suite checks that both adapters behave the same."""
    if request.param == "embedded":
        with embedded_signers(tmp_path / "instance" / "chain.sqlite") as signers:
            yield ChainUnderTest("embedded", *signers)
        return
    node: AnvilNode = request.getfixturevalue("anvil")
    yield ChainUnderTest("anvil", *rpc_signers(node.url))


def _rpc(url: str, method: str, *params: object) -> object:
    """One JSON-RPC call to the node; anvil's snapshot calls are not in web3's API."""
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
    answer = requests.post(url, json=body, timeout=10).json()
    assert "error" not in answer, answer
    return answer["result"]


@dataclass
class AnvilSnapshot:
    """anvil's state just after one deployment: each test reverts to it (and takes it again)."""

    url: str
    address: str
    snapshot: str

    def restore(self) -> None:
        assert _rpc(self.url, "evm_revert", self.snapshot) is True
        self.snapshot = str(_rpc(self.url, "evm_snapshot"))


@pytest.fixture(scope="session")
def embedded_snapshot(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """An embedded chain file with the anchor contract deployed once for the whole run."""
    path = tmp_path_factory.mktemp("chain-snapshot") / "chain.sqlite"
    chain = EmbeddedChain(path)
    address = chain.deploy_anchor()
    chain.close()  # the last connection folds the WAL into the file: one file to copy
    return path, address


@pytest.fixture(scope="session")
def anvil_snapshot(anvil: AnvilNode) -> AnvilSnapshot:
    """anvil with the anchor contract deployed once for the whole run."""
    address = RpcChain(anvil.url, ANVIL_KEYS[0]).deploy_anchor()
    return AnvilSnapshot(anvil.url, address, str(_rpc(anvil.url, "evm_snapshot")))


@pytest.fixture(params=CHAIN_KINDS)
def deployed_chain(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DeployedChain]:
    """Each chain kind in turn, starting from a snapshot taken just after the anchor contract
    was deployed, instead of deploying it again for every test."""
    if request.param == "embedded":
        snapshot, address = request.getfixturevalue("embedded_snapshot")
        path = tmp_path / "instance" / "chain.sqlite"
        path.parent.mkdir(parents=True)
        shutil.copyfile(snapshot, path)
        with embedded_signers(path) as signers:
            yield DeployedChain("embedded", *signers, address)
        return
    anvil_state: AnvilSnapshot = request.getfixturevalue("anvil_snapshot")
    anvil_state.restore()
    yield DeployedChain("anvil", *rpc_signers(anvil_state.url), anvil_state.address)
