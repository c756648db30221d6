"""The append-only ledger: append in the caller's transaction, checkpoint, and prove.

Every entry is a leaf of an RFC 9162 Merkle tree. Appends store the hashes of the perfect
subtrees they complete, so any proof reads O(log n) rows and never rebuilds the tree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring as _json_string
from typing import Any, TypeVar

import rfc8785
from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.orm import Session

from contracts import merkle
from contracts.merkle import Hasher, NodeSource, TreeHead, hasher_named
from contracts.schema import (
    ledger_checkpoints,
    ledger_entries,
    ledger_nodes,
    ledger_state,
    node_pos,
)

Executor = Session | Connection
T = TypeVar("T")


class LedgerError(Exception):
    """Root of the errors the ledger raises on purpose."""


class UnknownEntry(LedgerError):
    """No entry has that sequence number (yet)."""


@dataclass(frozen=True)
class Entry:
    seq: int
    entry_type: str
    body: str  # canonical JSON (RFC 8785)
    leaf_hash: bytes
    recorded_at: datetime


def canonical_json(value: Mapping[str, Any]) -> str:
    """RFC 8785 canonical JSON, so the same facts always hash the same."""
    return rfc8785.dumps(value).decode()


def leaf_data(seq: int, entry_type: str, body: str, recorded_at: datetime) -> bytes:
    """What a leaf commits to: its position, type, time and body, all of it tamper-evident.

    The envelope holds only an integer and strings under sorted ASCII keys, for which the
    standard library's string escaping gives exactly RFC 8785 — and written out by hand it is
    fast enough to recompute a million leaves in an audit.
    """
    return stamped_leaf_data(seq, entry_type, body, utc_stamp(recorded_at))


def utc_stamp(moment: datetime) -> str:
    """The time as a leaf writes it: ISO 8601 in UTC with microseconds."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def stamped_leaf_data(seq: int, entry_type: str, body: str, stamp: str) -> bytes:
    """leaf_data with the time already written out (the audit reads it that way, in bulk)."""
    return (
        f'{{"body":{_json_string(body)},"recorded_at":"{stamp}",'
        f'"seq":{seq:d},"type":{_json_string(entry_type)}}}'
    ).encode()


def leaf_hash(hasher: Hasher, seq: int, entry_type: str, body: str, recorded_at: datetime) -> bytes:
    """The leaf hash of an entry, recomputable from its stored columns alone."""
    return hasher.leaf(leaf_data(seq, entry_type, body, recorded_at))


class StoredNodes:
    """A merkle.NodeSource over the ledger's tables: leaves from entries, the rest from nodes."""

    def __init__(self, executor: Executor, hasher: Hasher) -> None:
        self.executor = executor
        self.hasher = hasher
        self.reads = 0

    def perfect(self, level: int, index: int) -> bytes:
        """One row read per perfect subtree."""
        self.reads += 1
        if level == 0:
            query = select(ledger_entries.c.leaf_hash).where(ledger_entries.c.seq == index)
        else:
            query = select(ledger_nodes.c.hash).where(ledger_nodes.c.pos == node_pos(level, index))
        value = self.executor.execute(query).scalar_one_or_none()
        if value is None:
            raise UnknownEntry(f"no stored subtree at level {level}, index {index}")
        return bytes(value)


class _Recorder:
    """A node source that only notes which subtrees a proof reads (proof shapes never depend
    on the hashes), so one query can fetch them all."""

    def __init__(self, hasher: Hasher) -> None:
        self.hasher = hasher
        self.keys: list[tuple[int, int]] = []

    def perfect(self, level: int, index: int) -> bytes:
        self.keys.append((level, index))
        return bytes(self.hasher.size)


class _Fetched:
    """A node source over hashes fetched ahead."""

    def __init__(self, hasher: Hasher, values: dict[tuple[int, int], bytes]) -> None:
        self.hasher = hasher
        self.values = values

    def perfect(self, level: int, index: int) -> bytes:
        try:
            return self.values[(level, index)]
        except KeyError:
            raise UnknownEntry(f"no stored subtree at level {level}, index {index}") from None


# Cached statements: an expanding IN list keeps one compiled form whatever the proof's size.
_LEAVES = select(ledger_entries.c.seq, ledger_entries.c.leaf_hash).where(
    ledger_entries.c.seq.in_(bindparam("seqs", expanding=True))
)
_NODES = select(ledger_nodes.c.pos, ledger_nodes.c.hash).where(
    ledger_nodes.c.pos.in_(bindparam("positions", expanding=True))
)


def _prefetched(executor: Executor, hasher: Hasher, build: Callable[[NodeSource], T]) -> T:
    """Run a proof twice: once to learn which subtrees it reads, then over one fetch of them."""
    recorder = _Recorder(hasher)
    build(recorder)
    leaves = [index for level, index in recorder.keys if level == 0]
    inner = {node_pos(level, index): (level, index) for level, index in recorder.keys if level}
    values: dict[tuple[int, int], bytes] = {}
    if leaves:
        rows = executor.execute(_LEAVES, {"seqs": leaves})
        values |= {(0, row.seq): bytes(row.leaf_hash) for row in rows}
    if inner:
        rows = executor.execute(_NODES, {"positions": list(inner)})
        values |= {inner[row.pos]: bytes(row.hash) for row in rows}
    return build(_Fetched(hasher, values))


def state(executor: Executor) -> tuple[int, Hasher]:
    """The current tree size and the hash the tree is built with."""
    row = executor.execute(select(ledger_state.c.tree_size, ledger_state.c.hash_name)).one()
    return row.tree_size, hasher_named(row.hash_name)


def choose_hash(executor: Executor, name: str) -> None:
    """Pick SHA-256 or SM3 for a ledger that has no entries yet; a grown tree keeps its hash."""
    size, hasher = state(executor)
    chosen = hasher_named(name)
    if chosen.name == hasher.name:
        return
    if size:
        raise LedgerError(f"the ledger already holds {size} entries hashed with {hasher.name}")
    executor.execute(update(ledger_state).values(hash_name=chosen.name))


def append(
    executor: Executor, entry_type: str, body: Mapping[str, Any], *, now: datetime | None = None
) -> Entry:
    """Add an entry inside the caller's transaction: it commits or rolls back with the change."""
    bumped = executor.execute(
        update(ledger_state)
        .values(tree_size=ledger_state.c.tree_size + 1)
        .returning(ledger_state.c.tree_size, ledger_state.c.hash_name)
    ).one()
    seq, hasher = bumped.tree_size - 1, hasher_named(bumped.hash_name)
    recorded_at = (now or datetime.now(UTC)).astimezone(UTC)
    text = canonical_json(body)
    leaf = leaf_hash(hasher, seq, entry_type, text, recorded_at)
    executor.execute(
        insert(ledger_entries).values(
            seq=seq, entry_type=entry_type, body=text, leaf_hash=leaf, recorded_at=recorded_at
        )
    )
    _store_completed_subtrees(executor, hasher, seq, leaf)
    return Entry(seq, entry_type, text, leaf, recorded_at)


def _store_completed_subtrees(executor: Executor, hasher: Hasher, seq: int, leaf: bytes) -> None:
    """Store each perfect subtree that this leaf completes (amortised one row per append)."""
    source = StoredNodes(executor, hasher)
    level, index, node = 0, seq, leaf
    while index % 2 == 1:
        node = hasher.node(source.perfect(level, index - 1), node)
        level, index = level + 1, index // 2
        executor.execute(insert(ledger_nodes).values(pos=node_pos(level, index), hash=node))


def entry(executor: Executor, seq: int) -> Entry:
    """One entry by sequence number."""
    row = executor.execute(select(ledger_entries).where(ledger_entries.c.seq == seq)).one_or_none()
    if row is None:
        raise UnknownEntry(f"no ledger entry {seq}")
    return Entry(row.seq, row.entry_type, row.body, bytes(row.leaf_hash), row.recorded_at)


def tree_head(executor: Executor, size: int | None = None) -> TreeHead:
    """The root over the first `size` entries (all of them by default)."""
    current, hasher = state(executor)
    size = current if size is None else size
    if not 0 <= size <= current:
        raise UnknownEntry(f"the ledger has {current} entries, not {size}")
    return _prefetched(executor, hasher, lambda source: merkle.tree_head(source, size))


def inclusion_proof(executor: Executor, seq: int, size: int | None = None) -> list[bytes]:
    """The audit path from entry `seq` to the root of the tree of `size` entries."""
    current, hasher = state(executor)
    size = current if size is None else size
    if not 0 <= seq < size <= current:
        raise UnknownEntry(f"entry {seq} is not in a tree of {size} (the ledger has {current})")
    return _prefetched(executor, hasher, lambda source: merkle.inclusion_proof(source, seq, size))


def consistency_proof(executor: Executor, old_size: int, new_size: int) -> list[bytes]:
    """The proof that the tree of `new_size` extends the tree of `old_size` unchanged."""
    current, hasher = state(executor)
    if not 0 <= old_size <= new_size <= current:
        raise UnknownEntry(f"sizes {old_size}..{new_size} do not fit a ledger of {current}")
    return _prefetched(
        executor, hasher, lambda source: merkle.consistency_proof(source, old_size, new_size)
    )


def checkpoint(executor: Executor, *, now: datetime | None = None) -> TreeHead | None:
    """Record the current tree head if the tree grew since the last one; None when it did not."""
    head = tree_head(executor)
    latest = latest_checkpoint(executor)
    if head.size == 0 or (latest is not None and latest.size >= head.size):
        return None
    executor.execute(
        insert(ledger_checkpoints).values(
            tree_size=head.size,
            root=head.root,
            hash_name=head.hash_name,
            created_at=(now or datetime.now(UTC)).astimezone(UTC),
        )
    )
    return head


def latest_checkpoint(executor: Executor) -> TreeHead | None:
    """The newest recorded tree head."""
    row = executor.execute(
        select(ledger_checkpoints).order_by(ledger_checkpoints.c.tree_size.desc()).limit(1)
    ).one_or_none()
    return TreeHead(row.tree_size, bytes(row.root), row.hash_name) if row else None
