"""The default chain that needs no node: py-evm in this process, its state in one SQLite file."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from eth.abc import BlockHeaderAPI, VirtualMachineAPI
from eth.chains.base import MiningChain
from eth.db.atomic import AtomicDB
from eth.db.backends.base import BaseDB
from eth.db.chain import ChainDB
from eth.exceptions import CanonicalHeadNotFound
from eth.exceptions import TransactionNotFound as EvmTransactionNotFound
from eth.vm.forks.prague import PragueVM
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
from eth_tester.exceptions import TransactionNotFound as TesterTransactionNotFound
from eth_typing import BlockNumber, Hash32
from web3 import EthereumTesterProvider, Web3

from contracts.chain import ChainError, ChainUnavailable, Web3Chain, translated

# eth-tester's funded development keys (private keys 1, 2, …): the embedded chain's operator
# signs with the first unless told otherwise. Never use these on a public chain.
EMBEDDED_DEV_KEYS = tuple(f"0x{i:064x}" for i in range(1, 11))


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


class EmbeddedChain(Web3Chain):
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
        with translated(), self._lock:
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
