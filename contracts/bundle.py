"""Self-contained proof bundles for one ledger entry, made from the ledger's tables.

A bundle carries the entry, its inclusion proof to the first checkpoint that covers it, the
consistency proof from that checkpoint to the anchored one it grows into, and where the anchor
is on chain; `contracts.verify` checks it with no database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from contracts import ledger
from contracts.anchoring import ON_CHAIN
from contracts.ledger import Executor
from contracts.schema import ledger_anchors, ledger_checkpoints, ledger_deployments

FORMAT = "ganshu-ledger-proof/1"
PENDING = "pending"


class BundleError(Exception):
    """Root of the errors bundles raise on purpose."""


class NoSuchEntry(BundleError):
    """No bundle can be made: the ledger has no entry with that sequence number."""


def hex_of(value: bytes) -> str:
    """Bytes as the 0x-hex strings bundles carry."""
    return "0x" + value.hex()


def _head(tree_size: int, root: bytes) -> dict[str, Any]:
    return {"tree_size": tree_size, "root": hex_of(root)}


def make_bundle(executor: Executor, seq: int) -> dict[str, Any]:
    """Everything needed to check entry `seq` offline and against the chain, as plain JSON."""
    try:
        found = ledger.entry(executor, seq)
    except ledger.UnknownEntry:
        raise NoSuchEntry(f"the ledger has no entry {seq}") from None
    _, hasher = ledger.state(executor)
    bundle: dict[str, Any] = {
        "format": FORMAT,
        "hash": hasher.name,
        "status": PENDING,
        "entry": {
            "seq": found.seq,
            "type": found.entry_type,
            "body": found.body,
            "recorded_at": found.recorded_at.isoformat(timespec="microseconds"),
            "leaf_hash": hex_of(found.leaf_hash),
        },
        "checkpoint": None,
        "inclusion_proof": [],
        "anchored_checkpoint": None,
        "anchor": None,
    }
    checkpoint = executor.execute(
        select(ledger_checkpoints.c.tree_size, ledger_checkpoints.c.root)
        .where(ledger_checkpoints.c.tree_size > seq)
        .order_by(ledger_checkpoints.c.tree_size)
        .limit(1)
    ).first()
    if checkpoint is None:
        return bundle
    size = int(checkpoint.tree_size)
    bundle["checkpoint"] = _head(size, bytes(checkpoint.root))
    bundle["inclusion_proof"] = [hex_of(h) for h in ledger.inclusion_proof(executor, seq, size)]
    anchor = executor.execute(
        select(
            ledger_anchors.c.tree_size,
            ledger_anchors.c.root,
            ledger_anchors.c.status,
            ledger_anchors.c.tx_hash,
            ledger_deployments.c.chain_id,
            ledger_deployments.c.contract_address,
        )
        .join(ledger_deployments, ledger_deployments.c.id == ledger_anchors.c.deployment_id)
        .where(
            ledger_anchors.c.tree_size >= size,
            ledger_anchors.c.status.in_(ON_CHAIN),
            ledger_anchors.c.tx_hash.is_not(None),  # a verifier looks the transaction up by hash
            ledger_deployments.c.retired_at.is_(None),  # anchors on a lost chain prove nothing
        )
        .order_by(ledger_anchors.c.tree_size, ledger_deployments.c.id.desc())
        .limit(1)
    ).first()
    if anchor is None:
        return bundle
    anchored_size = int(anchor.tree_size)
    if anchored_size != size:
        bundle["anchored_checkpoint"] = {
            **_head(anchored_size, bytes(anchor.root)),
            "consistency_proof": [
                hex_of(h) for h in ledger.consistency_proof(executor, size, anchored_size)
            ],
        }
    bundle["status"] = anchor.status
    bundle["anchor"] = {
        "chain_id": int(anchor.chain_id),
        "contract_address": anchor.contract_address,
        "tx_hash": anchor.tx_hash,
        "tree_size": anchored_size,
        "root": hex_of(bytes(anchor.root)),
        "status": anchor.status,
    }
    return bundle
