"""Verify a proof bundle (see contracts.bundle) with no database, offline or against a chain.

A bundle carries the entry, its inclusion proof to the first checkpoint that covers it, the
consistency proof from that checkpoint to the anchored one it grows into, and where the anchor
is on chain. Anyone can recompute every hash from the bundle alone and then ask a chain node
(by transaction hash and contract call, never by scanning logs) whether the root is there.

    python -m contracts.verify BUNDLE.json [--rpc URL | --embedded PATH]

exits 0 when the bundle holds, 1 when it is tampered or forged (saying why), 2 when it cannot
be checked (unreadable, not anchored yet, the chain unreachable, reset or without the anchor).
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import sqlite3
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from contracts import ledger
from contracts.bundle import FORMAT, BundleError, hex_of
from contracts.chain import AnchorCall, Chain, ChainError, ChainUnavailable, RpcChain
from contracts.embedded_chain import EmbeddedChain
from contracts.merkle import Hasher, ProofError, check_consistency, check_inclusion, hasher_named

_TX_HASH = re.compile(r"0x[0-9a-fA-F]{64}")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


class MalformedBundle(BundleError):
    """The bundle cannot be read as a proof at all (wrong format, missing or mistyped fields)."""


# Reading a bundle: every field is checked for shape before any hash is computed.


@dataclass(frozen=True)
class _Head:
    tree_size: int
    root: bytes


@dataclass(frozen=True)
class _Anchor:
    chain_id: int
    contract_address: str
    tx_hash: str
    tree_size: int
    root: bytes


@dataclass(frozen=True)
class _Bundle:
    hasher: Hasher
    seq: int
    entry_type: str
    body: str
    recorded_at: datetime
    leaf_hash: bytes
    checkpoint: _Head | None
    inclusion_proof: list[bytes]
    anchored: _Head | None
    consistency_proof: list[bytes]
    anchor: _Anchor | None


def _get(mapping: Any, key: str, kind: type, where: str) -> Any:
    if not isinstance(mapping, Mapping):
        raise MalformedBundle(f"{where} is not an object")
    value = mapping.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise MalformedBundle(f"{where}.{key} is missing or not a {kind.__name__}")
    return value


def _bytes(value: Any, where: str) -> bytes:
    if isinstance(value, str) and value.startswith("0x"):
        try:
            return bytes.fromhex(value[2:])
        except ValueError:
            pass
    raise MalformedBundle(f"{where} is not 0x-prefixed hex")


def _hashes(value: Any, where: str) -> list[bytes]:
    if not isinstance(value, list):
        raise MalformedBundle(f"{where} is not a list")
    return [_bytes(item, f"{where}[{i}]") for i, item in enumerate(value)]


def _read_head(value: Any, where: str) -> _Head:
    return _Head(
        _get(value, "tree_size", int, where), _bytes(_get(value, "root", str, where), where)
    )


def _read(bundle: Mapping[str, Any]) -> _Bundle:
    if _get(bundle, "format", str, "bundle") != FORMAT:
        raise MalformedBundle(f"not a {FORMAT} bundle: format is {bundle['format']!r}")
    try:
        hasher = hasher_named(_get(bundle, "hash", str, "bundle"))
    except ValueError as error:
        raise MalformedBundle(str(error)) from None
    entry = _get(bundle, "entry", Mapping, "bundle")
    try:
        recorded_at = datetime.fromisoformat(_get(entry, "recorded_at", str, "entry"))
    except ValueError:
        raise MalformedBundle("entry.recorded_at is not an ISO-8601 time") from None
    if recorded_at.tzinfo is None:
        raise MalformedBundle("entry.recorded_at has no time zone")
    checkpoint = bundle.get("checkpoint")
    anchored = bundle.get("anchored_checkpoint")
    anchor: _Anchor | None = None
    if bundle.get("anchor") is not None:
        fields = bundle["anchor"]
        tx_hash = _get(fields, "tx_hash", str, "anchor")
        address = _get(fields, "contract_address", str, "anchor")
        if not _TX_HASH.fullmatch(tx_hash) or not _ADDRESS.fullmatch(address):
            raise MalformedBundle("anchor.tx_hash or anchor.contract_address is not hex")
        anchor = _Anchor(
            _get(fields, "chain_id", int, "anchor"),
            address,
            tx_hash,
            _get(fields, "tree_size", int, "anchor"),
            _bytes(_get(fields, "root", str, "anchor"), "anchor.root"),
        )
    return _Bundle(
        hasher=hasher,
        seq=_get(entry, "seq", int, "entry"),
        entry_type=_get(entry, "type", str, "entry"),
        body=_get(entry, "body", str, "entry"),
        recorded_at=recorded_at,
        leaf_hash=_bytes(_get(entry, "leaf_hash", str, "entry"), "entry.leaf_hash"),
        checkpoint=None if checkpoint is None else _read_head(checkpoint, "checkpoint"),
        inclusion_proof=_hashes(bundle.get("inclusion_proof", []), "inclusion_proof"),
        anchored=None if anchored is None else _read_head(anchored, "anchored_checkpoint"),
        consistency_proof=[]
        if anchored is None
        else _hashes(anchored.get("consistency_proof"), "anchored_checkpoint.consistency_proof"),
        anchor=anchor,
    )


# Verifying: each step builds on the one before, so the first failure is the reason.


class Step(NamedTuple):
    """One check and how it went; ok is None for a step that was skipped."""

    name: str
    ok: bool | None
    detail: str


@dataclass(frozen=True)
class Verdict:
    """Whether a bundle holds, the first reason it does not, and every step taken; a bundle
    that does not hold is either proven wrong (tampered) or merely not checkable here."""

    ok: bool
    reason: str
    steps: tuple[Step, ...]
    checkable: bool = True

    @property
    def exit_code(self) -> int:
        """0 holds, 1 tampered or forged, 2 cannot be checked."""
        return 0 if self.ok else 1 if self.checkable else 2


class _Failed(Exception):
    """A step proved the bundle wrong."""

    checkable = True

    def __init__(self, step: str, reason: str, detail: str) -> None:
        super().__init__(reason)
        self.step, self.reason, self.detail = step, reason, detail


class _Unchecked(_Failed):
    """A step could not be taken: what would prove or disprove the bundle is not available."""

    checkable = False


def verify_bundle(bundle: Mapping[str, Any], chain: Chain | None = None) -> Verdict:
    """Check a bundle's proofs, then (given a chain) its anchor; MalformedBundle if unreadable."""
    proof = _read(bundle)
    steps: list[Step] = []
    try:
        anchor = _check_offline(proof, steps)
        if chain is None:
            steps.append(Step("chain", None, "skipped: no chain given"))
            return Verdict(
                True,
                f"the entry is in the tree anchored at size {anchor.tree_size}; "
                "the on-chain step was skipped",
                tuple(steps),
            )
        _check_on_chain(anchor, chain, steps)
    except _Failed as failure:
        steps.append(Step(failure.step, False, failure.detail))
        return Verdict(False, failure.reason, tuple(steps), failure.checkable)
    return Verdict(
        True,
        f"the entry is in the tree whose root chain {anchor.chain_id} holds for size "
        f"{anchor.tree_size}",
        tuple(steps),
    )


def _check_offline(proof: _Bundle, steps: list[Step]) -> _Anchor:
    """Leaf, inclusion, consistency and the anchor's claim, with no database and no chain."""
    recomputed = ledger.leaf_hash(
        proof.hasher, proof.seq, proof.entry_type, proof.body, proof.recorded_at
    )
    if recomputed != proof.leaf_hash:
        raise _Failed(
            "leaf",
            "the entry was altered (leaf hash does not match)",
            f"the entry hashes to {hex_of(recomputed)}, the bundle says {hex_of(proof.leaf_hash)}",
        )
    steps.append(Step("leaf", True, f"entry {proof.seq} hashes to {hex_of(recomputed)}"))
    checkpoint = proof.checkpoint
    if checkpoint is None:
        raise _Unchecked("checkpoint", "not anchored yet", "no checkpoint covers the entry yet")
    try:
        check_inclusion(
            proof.hasher,
            proof.seq,
            checkpoint.tree_size,
            proof.leaf_hash,
            proof.inclusion_proof,
            checkpoint.root,
        )
    except ProofError as error:
        raise _Failed(
            "inclusion", "the inclusion proof does not lead to the checkpoint root", error.detail
        ) from None
    steps.append(
        Step(
            "inclusion",
            True,
            f"leaf {proof.seq} is in the tree of size {checkpoint.tree_size}, "
            f"root {hex_of(checkpoint.root)}",
        )
    )
    target = checkpoint
    if proof.anchored is not None:
        target = proof.anchored
        try:
            check_consistency(
                proof.hasher,
                checkpoint.tree_size,
                target.tree_size,
                checkpoint.root,
                target.root,
                proof.consistency_proof,
            )
        except ProofError as error:
            raise _Failed(
                "consistency",
                "the checkpoint is not consistent with the anchored checkpoint",
                error.detail,
            ) from None
        steps.append(
            Step(
                "consistency",
                True,
                f"the tree of size {checkpoint.tree_size} is a prefix of the tree of size "
                f"{target.tree_size}, root {hex_of(target.root)}",
            )
        )
    anchor = proof.anchor
    if anchor is None:
        raise _Unchecked(
            "anchor", "not anchored yet", f"the tree of size {target.tree_size} awaits anchoring"
        )
    if (anchor.tree_size, anchor.root) != (target.tree_size, target.root):
        raise _Failed(
            "anchor",
            "the anchor is not for the checkpoint the proofs lead to",
            f"the proofs lead to size {target.tree_size}, root {hex_of(target.root)}; the anchor "
            f"is for size {anchor.tree_size}, root {hex_of(anchor.root)}",
        )
    steps.append(
        Step(
            "anchor",
            True,
            f"size {anchor.tree_size} anchored by {anchor.tx_hash} "
            f"on chain {anchor.chain_id} at {anchor.contract_address}",
        )
    )
    return anchor


def _check_on_chain(anchor: _Anchor, chain: Chain, steps: list[Step]) -> None:
    """The chain, the contract, the transaction and the root, each asked of the node directly.

    What the chain lacks (another chain, a reset one, a transaction it does not have) leaves the
    bundle unchecked; what the chain contradicts (a failed transaction, one that is not this
    checkpoint's anchor call on this contract, another root) proves it forged.
    """
    step = "chain"
    try:
        chain_id = chain.chain_id()
        if chain_id != anchor.chain_id:
            raise _Unchecked(
                step, "wrong chain", f"the anchor is on chain {anchor.chain_id}, not {chain_id}"
            )
        steps.append(Step(step, True, f"chain {chain_id}"))
        step = "contract"
        if not chain.has_anchor(anchor.contract_address):
            raise _Unchecked(
                step,
                "the anchor contract is not on this chain",
                f"no anchor contract code at {anchor.contract_address}",
            )
        steps.append(Step(step, True, f"anchor contract at {anchor.contract_address}"))
        step = "transaction"
        receipt = chain.receipt(anchor.tx_hash)
        if receipt is None:
            raise _Unchecked(
                step,
                "the anchor transaction is not on this chain",
                f"no mined transaction {anchor.tx_hash}",
            )
        if not receipt.succeeded:
            raise _Failed(
                step,
                "the anchor transaction failed",
                f"{anchor.tx_hash} reverted in block {receipt.block_number}",
            )
        _check_call(anchor, chain.anchor_call(anchor.tx_hash), step)
        steps.append(
            Step(
                step,
                True,
                f"{anchor.tx_hash} mined in block {receipt.block_number}, "
                f"{receipt.confirmations} confirmation(s), calls anchor({anchor.tree_size}, "
                f"{hex_of(anchor.root)}) on {anchor.contract_address}",
            )
        )
        step = "root"
        held = chain.root_of(anchor.contract_address, anchor.tree_size)
    except ChainUnavailable:
        raise
    except ChainError as error:
        raise _Unchecked(step, "the chain could not answer", str(error)) from None
    if held != anchor.root:
        what = "no" if held == bytes(len(held)) else "a different"
        raise _Failed(
            step,
            f"the chain holds {what} root for size {anchor.tree_size}",
            f"the chain holds {hex_of(held)}, the proofs lead to {hex_of(anchor.root)}",
        )
    steps.append(Step(step, True, f"the contract holds {hex_of(held)} for size {anchor.tree_size}"))


def _check_call(anchor: _Anchor, call: AnchorCall | None, step: str) -> None:
    """The transaction must call anchor(tree_size, root) on the contract with exactly the
    checkpoint's size and root: any other successful transaction proves nothing."""
    if call is None:
        raise _Unchecked(
            step,
            "the anchor transaction is not on this chain",
            f"no transaction {anchor.tx_hash}",
        )
    if call.to is None or call.to.lower() != anchor.contract_address.lower():
        raise _Failed(
            step,
            "the transaction is not a call of the anchor contract",
            f"{anchor.tx_hash} is sent to {call.to or 'no contract (a deployment)'}, "
            f"not {anchor.contract_address}",
        )
    if call.tree_size is None or call.root is None:
        raise _Failed(
            step,
            "the transaction is not a call of the anchor function",
            f"{anchor.tx_hash} does not call anchor(tree_size, root)",
        )
    if (call.tree_size, call.root) != (anchor.tree_size, anchor.root):
        raise _Failed(
            step,
            "the transaction anchors another checkpoint",
            f"{anchor.tx_hash} anchors size {call.tree_size}, root {hex_of(call.root)}; the "
            f"proofs lead to size {anchor.tree_size}, root {hex_of(anchor.root)}",
        )


# The command line: python -m contracts.verify BUNDLE.json [--rpc URL | --embedded PATH]


def _open_chain(rpc: str | None, embedded: Path | None) -> Chain | None:
    # The verifier only reads, so a fresh key stands in for the operator's: it never signs.
    throwaway = "0x" + secrets.token_hex(32)
    if rpc is not None:
        return RpcChain(rpc, throwaway)
    if embedded is not None:
        if not embedded.is_file():  # opening a missing file would create an empty chain
            raise ChainError(f"no embedded chain file at {embedded}")
        try:
            return EmbeddedChain(embedded, throwaway)
        except sqlite3.Error as error:  # raised before the adapter translates its errors
            raise ChainError(f"{embedded} is not an embedded chain: {error}") from error
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Verify a bundle file and print each step; 0 holds, 1 tampered, 2 cannot be checked."""
    parser = argparse.ArgumentParser(
        prog="python -m contracts.verify", description="Verify a Ganshu ledger proof bundle."
    )
    parser.add_argument("bundle", help="the bundle's JSON file, or - for standard input")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--rpc", metavar="URL", help="check the anchor on this JSON-RPC node")
    where.add_argument(
        "--embedded", metavar="PATH", type=Path, help="check the anchor in this embedded chain"
    )
    args = parser.parse_args(argv)
    try:
        if args.bundle == "-":
            bundle = json.load(sys.stdin)
        else:
            bundle = json.loads(Path(args.bundle).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"cannot read the bundle {args.bundle}: {error}", file=sys.stderr)
        return 2
    chain: Chain | None = None
    try:
        chain = _open_chain(args.rpc, args.embedded)
        verdict = verify_bundle(bundle, chain)
    except MalformedBundle as error:
        print(f"cannot read the bundle {args.bundle}: {error}", file=sys.stderr)
        return 2
    except ChainError as error:
        print(f"cannot check the chain: {error}", file=sys.stderr)
        return 2
    finally:
        if isinstance(chain, EmbeddedChain):
            chain.close()
    marks = {True: "ok  ", False: "FAIL", None: "skip"}
    for step in verdict.steps:
        print(f"  {marks[step.ok]}  {step.name:<12} {step.detail}")
    verdicts = {0: "VALID", 1: "INVALID", 2: "CANNOT BE CHECKED"}
    print(f"{verdicts[verdict.exit_code]}: {verdict.reason}")
    return verdict.exit_code


if __name__ == "__main__":
    sys.exit(main())
