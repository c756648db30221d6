"""The Chain port that anchoring and verification use, its errors, and the JSON-RPC adapter."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, Protocol

import requests
from eth_abi.exceptions import DecodingError
from eth_account import Account
from eth_tester.exceptions import TransactionFailed
from eth_typing import Hash32
from web3 import HTTPProvider, Web3
from web3.exceptions import (
    ContractLogicError,
    ProviderConnectionError,
    TimeExhausted,
    TransactionNotFound,
    Web3Exception,
)

from contracts.compile import load_artifact

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
def translated() -> Iterator[None]:
    """Turn web3, eth-tester, SQLite and transport errors into the Chain port's errors."""
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


class Web3Chain:
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
            with translated(), self._guard():
                self._chain_id = int(self._w3.eth.chain_id)
        return self._chain_id

    def is_available(self) -> bool:
        """Whether the node answers now, for health checks; never raises."""
        try:
            with translated(), self._guard():
                self._w3.eth.block_number  # noqa: B018  (a round trip, not a cached value)
        except ChainError:
            return False
        return True

    def operator(self) -> str:
        """The checksum address that signs anchors and owns contracts it deploys."""
        return str(self._account.address)

    def deploy_anchor(self) -> str:
        """Deploy the committed anchor contract, wait for it, and return its address."""
        with translated(), self._guard():
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
        with translated(), self._guard():
            code = bytes(self._w3.eth.get_code(Web3.to_checksum_address(address)))
            # Vyper appends the immutables (the operator) after the runtime code.
            return code.startswith(self._runtime)

    def send_anchor(self, address: str, tree_size: int, root: bytes) -> str:
        """Send `anchor(tree_size, root)` and return the transaction hash to look it up by."""
        if len(root) != 32:
            raise ValueError("a Merkle root is 32 bytes")
        with translated(), self._guard():
            call = self._contract(address).functions.anchor(tree_size, root)
            # A dry run refuses a revert, with its reason, before anything is spent.
            call.call({"from": self._account.address})
            tx = call.build_transaction({**self._tx(), "gas": ANCHOR_GAS_LIMIT})
            return "0x" + self._sign_and_send(tx).hex()

    def receipt(self, tx_hash: str) -> AnchorReceipt | None:
        """The mined transaction's outcome, or None while it is not mined."""
        with translated(), self._guard():
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
        with translated(), self._guard():
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
        with translated(), self._guard():
            events = self._contract(address).events.Anchored.get_logs(
                from_block=0, to_block="latest"
            )
            return {int(e["args"]["tree_size"]): bytes(e["args"]["root"]) for e in events}

    def root_of(self, address: str, tree_size: int) -> bytes:
        """The 32-byte root anchored for `tree_size`, all zeros when never anchored."""
        with translated(), self._guard():
            return bytes(self._contract(address).functions.root_of(tree_size).call())

    def latest_size(self, address: str) -> int:
        """The largest tree size anchored so far, 0 before the first anchor."""
        with translated(), self._guard():
            return int(self._contract(address).functions.latest_size().call())

    def knows_transaction(self, tx_hash: str) -> bool:
        """Whether the node holds the transaction, mined or waiting; a dropped one is forgotten."""
        with translated(), self._guard():
            try:
                self._w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
            except TransactionNotFound:
                return False
            return True

    def anchoring_receipt(self, address: str, tree_size: int) -> AnchorReceipt | None:
        """The receipt of the transaction that anchored `tree_size`, found by its event, so an
        anchor whose hash was lost (a killed worker, a re-send) still names its transaction."""
        with translated(), self._guard():
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


class RpcChain(Web3Chain):
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
