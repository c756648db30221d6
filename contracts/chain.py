"""Where ledger checkpoints are anchored: the Chain port, its errors, and its two adapters.

`EmbeddedChain` is the default that needs no setup: py-evm in this process, its state kept in a
SQLite file. `RpcChain` talks to any JSON-RPC node (anvil in the tests, a testnet or consortium
chain in production). Both sign locally and deploy the committed artifact, so they behave the
same; vendor types (HexBytes, AttributeDict) never leave this module.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import requests
from eth.abc import BlockHeaderAPI, VirtualMachineAPI
from eth.chains.base import MiningChain
from eth.db.atomic import AtomicDB
from eth.db.backends.base import BaseDB
from eth.db.chain import ChainDB
from eth.exceptions import CanonicalHeadNotFound
from eth.exceptions import TransactionNotFound as EvmTransactionNotFound
from eth.vm.forks.prague import PragueVM
from eth_abi.exceptions import DecodingError
from eth_account import Account
from eth_tester import EthereumTester
from eth_tester.backends.pyevm.main import (
    PyEVMBackend,
    generate_genesis_state_for_keys,
    get_default_account_keys,
    get_default_genesis_params,
)
from eth_tester.backends.pyevm.serializers import (
    serialize_transaction,
    serialize_transaction_receipt,
)
from eth_tester.exceptions import TransactionFailed
from eth_tester.exceptions import TransactionNotFound as TesterTransactionNotFound
from eth_typing import BlockNumber, Hash32
from web3 import EthereumTesterProvider, HTTPProvider, Web3
from web3.exceptions import (
    ContractLogicError,
    ProviderConnectionError,
    TimeExhausted,
    TransactionNotFound,
    Web3Exception,
)

from contracts.compile import load_artifact

# eth-tester's funded development keys (private keys 1, 2, …): the embedded chain's operator
# signs with the first unless told otherwise. Never use these on a public chain.
EMBEDDED_DEV_KEYS = tuple(f"0x{i:064x}" for i in range(1, 11))
# An anchor costs 50–68k gas. A fixed limit spares estimating it: py-evm's gas search runs the
# call a dozen times, more than half the embedded chain's time per anchor.
ANCHOR_GAS_LIMIT = 100_000
# The topic of the contract's `Anchored(tree_size indexed, root)` event.
ANCHORED_TOPIC = "0x" + bytes(Web3.keccak(text="Anchored(uint256,bytes32)")).hex()


@dataclass(frozen=True)
class AnchorReceipt:
    """What the ledger keeps of a mined anchor transaction, in plain types."""

    tx_hash: str
    block_number: int
    succeeded: bool
    gas_used: int
    confirmations: int


@dataclass(frozen=True)
class AnchorCall:
    """What a mined transaction asked for: its target, and the anchor arguments if it was a
    call of `anchor(tree_size, root)` (None for anything else, such as a deployment)."""

    to: str | None
    tree_size: int | None
    root: bytes | None


class ChainError(Exception):
    """Root of every chain failure, so callers catch one type whatever the adapter."""


class ChainUnavailable(ChainError):
    """The node cannot be reached now; anchoring retries later."""


class AnchorRejected(ChainError):
    """The contract reverted: not the operator, or a tree size that does not grow."""


class Chain(Protocol):
    """The few chain operations that anchoring and verification need."""

    def chain_id(self) -> int:
        """Which chain this is, so a recorded contract address is only trusted on it."""
        ...

    def is_available(self) -> bool:
        """Whether the node answers now, for health checks; never raises."""
        ...

    def operator(self) -> str:
        """The checksum address that signs anchors and owns contracts it deploys."""
        ...

    def deploy_anchor(self) -> str:
        """Deploy the committed anchor contract, wait for it, and return its address."""
        ...

    def has_anchor(self, address: str) -> bool:
        """Whether the anchor contract's code is at `address` (a reset chain loses it)."""
        ...

    def send_anchor(self, address: str, tree_size: int, root: bytes) -> str:
        """Send `anchor(tree_size, root)` and return the transaction hash to look it up by."""
        ...

    def receipt(self, tx_hash: str) -> AnchorReceipt | None:
        """The mined transaction's outcome, or None while it is not mined."""
        ...

    def anchor_call(self, tx_hash: str) -> AnchorCall | None:
        """The transaction's target and anchor arguments, or None when it is not on chain."""
        ...

    def anchored_records(self, address: str) -> dict[int, bytes]:
        """Every (tree size → root) the contract at `address` recorded, from its events."""
        ...

    def root_of(self, address: str, tree_size: int) -> bytes:
        """The 32-byte root anchored for `tree_size`, all zeros when never anchored."""
        ...

    def latest_size(self, address: str) -> int:
        """The largest tree size anchored so far, 0 before the first anchor."""
        ...

    def knows_transaction(self, tx_hash: str) -> bool:
        """Whether the node holds the transaction, mined or waiting; a dropped one is forgotten."""
        ...

    def anchoring_receipt(self, address: str, tree_size: int) -> AnchorReceipt | None:
        """The receipt of the transaction that anchored `tree_size`, found by its event, so an
        anchor whose hash was lost (a killed worker, a re-send) still names its transaction."""
        ...


@contextmanager
def _translated() -> Iterator[None]:
    """Turn web3, eth-tester and transport errors into this module's errors."""
    try:
        yield
    except ChainError:
        raise
    except (ContractLogicError, TransactionFailed) as error:
        raise AnchorRejected(str(error)) from error
    except (requests.ConnectionError, requests.Timeout, ProviderConnectionError) as error:
        raise ChainUnavailable(f"the chain node cannot be reached: {error}") from error
    except TimeExhausted as error:
        raise ChainUnavailable(f"the transaction was not mined in time: {error}") from error
    except (Web3Exception, sqlite3.Error, ValueError) as error:
        raise ChainError(str(error)) from error


class _Web3Chain:
    """What both adapters share: a Web3 client, a local signing key and the artifact."""

    def __init__(self, w3: Web3, private_key: str, receipt_timeout: float) -> None:
        artifact = load_artifact()
        self._w3 = w3
        self._account = Account.from_key(private_key)
        self._abi: list[dict[str, Any]] = artifact["abi"]
        self._bytecode = bytes.fromhex(artifact["bytecode"].removeprefix("0x"))
        self._runtime = bytes.fromhex(artifact["bytecode_runtime"].removeprefix("0x"))
        self._receipt_timeout = receipt_timeout
        self._chain_id: int | None = None

    def _guard(self) -> AbstractContextManager[None]:
        """Serialise and scope one operation; the embedded chain needs more than RPC does."""
        return nullcontext()

    def chain_id(self) -> int:
        """Which chain this is, so a recorded contract address is only trusted on it."""
        if self._chain_id is None:
            with _translated(), self._guard():
                self._chain_id = int(self._w3.eth.chain_id)
        return self._chain_id

    def is_available(self) -> bool:
        """Whether the node answers now, for health checks; never raises."""
        try:
            with _translated(), self._guard():
                self._w3.eth.block_number  # noqa: B018  (a round trip, not a cached value)
        except ChainError:
            return False
        return True

    def operator(self) -> str:
        """The checksum address that signs anchors and owns contracts it deploys."""
        return str(self._account.address)

    def deploy_anchor(self) -> str:
        """Deploy the committed anchor contract, wait for it, and return its address."""
        with _translated(), self._guard():
            factory = self._w3.eth.contract(abi=self._abi, bytecode=self._bytecode)
            tx_hash = self._sign_and_send(factory.constructor().build_transaction(self._tx()))
            mined = self._w3.eth.wait_for_transaction_receipt(
                tx_hash, timeout=self._receipt_timeout, poll_latency=0.05
            )
            if mined["status"] != 1 or mined["contractAddress"] is None:
                raise ChainError(f"deploying the anchor contract failed in {tx_hash.hex()}")
            return str(mined["contractAddress"])

    def has_anchor(self, address: str) -> bool:
        """Whether the anchor contract's code is at `address` (a reset chain loses it)."""
        with _translated(), self._guard():
            code = bytes(self._w3.eth.get_code(Web3.to_checksum_address(address)))
            # Vyper appends the immutables (the operator) after the runtime code.
            return code.startswith(self._runtime)

    def send_anchor(self, address: str, tree_size: int, root: bytes) -> str:
        """Send `anchor(tree_size, root)` and return the transaction hash to look it up by."""
        if len(root) != 32:
            raise ValueError("a Merkle root is 32 bytes")
        with _translated(), self._guard():
            call = self._contract(address).functions.anchor(tree_size, root)
            # A dry run refuses a revert, with its reason, before anything is spent.
            call.call({"from": self._account.address})
            tx = call.build_transaction({**self._tx(), "gas": ANCHOR_GAS_LIMIT})
            return "0x" + self._sign_and_send(tx).hex()

    def receipt(self, tx_hash: str) -> AnchorReceipt | None:
        """The mined transaction's outcome, or None while it is not mined."""
        with _translated(), self._guard():
            try:
                mined = self._w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
            except TransactionNotFound:
                return None
            head = int(self._w3.eth.block_number)
            return AnchorReceipt(
                tx_hash="0x" + bytes(mined["transactionHash"]).hex(),
                block_number=int(mined["blockNumber"]),
                succeeded=mined["status"] == 1,
                gas_used=int(mined["gasUsed"]),
                confirmations=max(0, head - int(mined["blockNumber"]) + 1),
            )

    def anchor_call(self, tx_hash: str) -> AnchorCall | None:
        """The transaction's target and anchor arguments, or None when it is not on chain."""
        with _translated(), self._guard():
            try:
                sent = self._w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
            except TransactionNotFound:
                return None
            to = sent.get("to")
            target = None if to is None else Web3.to_checksum_address(str(to))
            try:
                function, arguments = self._contract(
                    target or self._account.address
                ).decode_function_input(bytes(sent["input"]))
            except (ValueError, DecodingError):  # no anchor-contract function has that selector
                return AnchorCall(target, None, None)
            if function.fn_name != "anchor":
                return AnchorCall(target, None, None)
            return AnchorCall(target, int(arguments["tree_size"]), bytes(arguments["root"]))

    def anchored_records(self, address: str) -> dict[int, bytes]:
        """Every (tree size → root) the contract at `address` recorded, from its events."""
        with _translated(), self._guard():
            events = self._contract(address).events.Anchored.get_logs(
                from_block=0, to_block="latest"
            )
            return {int(e["args"]["tree_size"]): bytes(e["args"]["root"]) for e in events}

    def root_of(self, address: str, tree_size: int) -> bytes:
        """The 32-byte root anchored for `tree_size`, all zeros when never anchored."""
        with _translated(), self._guard():
            return bytes(self._contract(address).functions.root_of(tree_size).call())

    def latest_size(self, address: str) -> int:
        """The largest tree size anchored so far, 0 before the first anchor."""
        with _translated(), self._guard():
            return int(self._contract(address).functions.latest_size().call())

    def knows_transaction(self, tx_hash: str) -> bool:
        """Whether the node holds the transaction, mined or waiting; a dropped one is forgotten."""
        with _translated(), self._guard():
            try:
                self._w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
            except TransactionNotFound:
                return False
            return True

    def anchoring_receipt(self, address: str, tree_size: int) -> AnchorReceipt | None:
        """The receipt of the transaction that anchored `tree_size`, found by its event, so an
        anchor whose hash was lost (a killed worker, a re-send) still names its transaction."""
        with _translated(), self._guard():
            logs = self._w3.eth.get_logs(
                {
                    "address": Web3.to_checksum_address(address),
                    "fromBlock": 0,
                    "toBlock": "latest",
                    "topics": [ANCHORED_TOPIC, "0x" + tree_size.to_bytes(32, "big").hex()],
                }
            )
            if not logs:
                return None
            return self.receipt("0x" + bytes(logs[-1]["transactionHash"]).hex())

    def _contract(self, address: str) -> Any:
        return self._w3.eth.contract(address=Web3.to_checksum_address(address), abi=self._abi)

    def _tx(self) -> dict[str, Any]:
        sender = self._account.address
        return {
            "from": sender,
            "nonce": self._w3.eth.get_transaction_count(sender, "pending"),
            "chainId": self.chain_id(),
        }

    def _sign_and_send(self, tx: Any) -> Hash32:
        signed = self._account.sign_transaction(tx)
        return Hash32(bytes(self._w3.eth.send_raw_transaction(signed.raw_transaction)))


class RpcChain(_Web3Chain):
    """Any JSON-RPC node by URL, signing locally with the operator's key."""

    def __init__(
        self, url: str, private_key: str, *, timeout: float = 10.0, receipt_timeout: float = 120.0
    ) -> None:
        # No retries: an unreachable node should report ChainUnavailable at once, and the
        # anchoring worker already retries whole batches.
        provider = HTTPProvider(
            url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None
        )
        super().__init__(Web3(provider), private_key, receipt_timeout)


class _SqliteKeyValue(BaseDB):
    """py-evm's key–value store as one SQLite table; writes join the open transaction."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def __getitem__(self, key: bytes) -> bytes:
        row = self._connection.execute("SELECT value FROM evm_kv WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return bytes(row[0])

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._connection.execute(
            "INSERT INTO evm_kv (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def __delitem__(self, key: bytes) -> None:
        if self._connection.execute("DELETE FROM evm_kv WHERE key = ?", (key,)).rowcount == 0:
            raise KeyError(key)

    def _exists(self, key: bytes) -> bool:
        query = "SELECT 1 FROM evm_kv WHERE key = ?"
        return self._connection.execute(query, (key,)).fetchone() is not None


class _EmbeddedEvmChain(MiningChain):
    """eth-tester's post-merge tester chain, defined here because a stored chain must not
    change shape when eth-tester does."""

    chain_id = 131277322940537  # eth-tester's, so its tooling agrees with ours
    vm_configuration: tuple[tuple[BlockNumber, type[VirtualMachineAPI]], ...] = (
        (BlockNumber(0), PragueVM),
    )

    def create_header_from_parent(
        self, parent_header: BlockHeaderAPI, **header_params: Any
    ) -> BlockHeaderAPI:
        """Keep the gas limit constant, as eth-tester's chain does."""
        header_params["gas_limit"] = parent_header.gas_limit
        return super().create_header_from_parent(parent_header, **header_params)

    def get_transaction_builder(self) -> Any:
        """eth-tester builds transactions through the chain; py-evm keeps it on the VM."""
        return self.get_vm().get_transaction_builder()


class _IndexedPyEVMBackend(PyEVMBackend):  # type: ignore[misc]
    """eth-tester's py-evm backend over a chain we open, finding transactions by py-evm's
    hash index instead of scanning every block back from the head."""

    def __init__(self, chain: _EmbeddedEvmChain) -> None:
        # PyEVMBackend.__init__ would build a fresh in-memory chain; this one is opened.
        self.chain = chain
        self.account_keys = get_default_account_keys()

    def reset_to_genesis(self, *args: Any, **kwargs: Any) -> None:
        """A persisted chain is never reset under its own ledger."""
        raise ChainError("the embedded chain cannot be reset to genesis")

    def _find(self, tx_hash: bytes) -> tuple[Any, Any, int]:
        try:
            number, index = self.chain.chaindb.get_transaction_index(Hash32(tx_hash))
        except EvmTransactionNotFound as error:
            raise TesterTransactionNotFound(str(error)) from error
        block = self.chain.get_canonical_block_by_number(number)
        return block, block.transactions[index], index

    def get_transaction_by_hash(self, transaction_hash: bytes) -> Any:
        """The mined transaction, looked up by index."""
        block, transaction, index = self._find(transaction_hash)
        return serialize_transaction(block, transaction, index, False)

    def get_transaction_receipt(self, transaction_hash: bytes) -> Any:
        """The mined transaction's receipt, looked up by index."""
        block, transaction, index = self._find(transaction_hash)
        receipts = block.get_receipts(self.chain.chaindb)
        vm = self.chain.get_vm()
        return serialize_transaction_receipt(block, receipts, transaction, index, False, vm)


class EmbeddedChain(_Web3Chain):
    """py-evm in this process, its whole state in one SQLite file, so restarts and kill -9
    keep every block, contract and anchor committed before them.

    py-evm stores everything in a key–value database; here that is a SQLite table in WAL mode
    with synchronous=FULL. Each operation runs in one SQLite write transaction (BEGIN
    IMMEDIATE) under one lock, so a transaction and its block are committed together or not
    at all, and threads and processes sharing the file take turns. A process that sees another
    one moved the head reopens the chain from it.
    """

    def __init__(
        self, path: Path, private_key: str = EMBEDDED_DEV_KEYS[0], *, busy_timeout: float = 30.0
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._connection = sqlite3.connect(
            path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
        self._connection.execute("PRAGMA journal_mode = WAL")
        self._connection.execute("PRAGMA synchronous = FULL")
        self._connection.execute(
            "CREATE TABLE IF NOT EXISTS evm_kv (key BLOB PRIMARY KEY, value BLOB NOT NULL) "
            "WITHOUT ROWID"
        )
        self._db = AtomicDB(_SqliteKeyValue(self._connection))
        self._operator_key = private_key
        self._head = b""
        self._depth = 0
        with _translated(), self._lock:
            self._begin()
            try:
                self._backend = _IndexedPyEVMBackend(self._open_or_create())
                self._connection.execute("COMMIT")
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
        provider = EthereumTesterProvider(EthereumTester(self._backend))
        super().__init__(Web3(provider), private_key, receipt_timeout=5.0)

    def close(self) -> None:
        """Release the SQLite file; the chain's state is already committed."""
        with self._lock:
            self._connection.close()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """One operation: one lock, one SQLite write transaction, the chain at its stored head."""
        with self._lock:
            if self._depth:  # nested inside an operation already in progress
                yield
                return
            self._begin()
            self._depth += 1
            try:
                head = self._backend.chain.chaindb.get_canonical_head().hash
                if head != self._head:  # another process anchored since we last looked
                    self._backend.chain = _EmbeddedEvmChain(self._db)
                    self._head = head
                yield
                self._head = self._backend.chain.chaindb.get_canonical_head().hash
                self._connection.execute("COMMIT")
            except BaseException:
                self._head = b""
                # The in-memory pending block may hold what was rolled back: reopen from disk.
                with suppress(sqlite3.Error):
                    self._connection.execute("ROLLBACK")
                    self._backend.chain = _EmbeddedEvmChain(self._db)
                raise
            finally:
                self._depth -= 1

    def _begin(self) -> None:
        try:
            self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise ChainUnavailable(f"the embedded chain's file is busy: {error}") from error

    def _open_or_create(self) -> _EmbeddedEvmChain:
        """Open the stored chain at its head, or write a deterministic-state genesis."""
        try:
            head = ChainDB(self._db).get_canonical_head()
        except CanonicalHeadNotFound:
            keys = get_default_account_keys()
            state = generate_genesis_state_for_keys(keys)
            operator = Account.from_key(self._operator_key).address
            state.setdefault(bytes.fromhex(operator[2:]), dict(next(iter(state.values()))))
            chain = _EmbeddedEvmChain.from_genesis(self._db, get_default_genesis_params(), state)
            self._head = chain.get_canonical_head().hash
            return chain  # type: ignore[return-value]
        self._head = head.hash
        return _EmbeddedEvmChain(self._db)
