"""Recompute the whole ledger from its rows and name exactly what, if anything, was altered.

The audit trusts nothing stored but the rows' own columns: it rebuilds every leaf and every
perfect subtree, compares them with what is stored, checks each checkpoint against the rebuilt
tree, checks that consecutive checkpoints are consistent and that the state row counts every
entry, and (when given what the chain holds, see contracts.chain_records) checks the rebuilt tree
and the stored anchors against the roots the anchor contracts recorded, which no database edit
can change. Every problem names the first entry it puts in doubt.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import select, text

from contracts import merkle
from contracts.chain_records import ChainRecords
from contracts.ledger import Executor, StoredNodes, stamped_leaf_data, state, utc_stamp
from contracts.merkle import Hasher
from contracts.schema import (
    ledger_anchors,
    ledger_checkpoints,
    ledger_deployments,
    ledger_nodes,
    node_index,
    node_pos,
)

PAGE = 20_000
MAX_LISTED = 20  # problems of one kind listed in full; the rest are counted


class Finding(StrEnum):
    """The kinds of damage the audit tells apart."""

    MODIFIED_ENTRY = "modified_entry"  # a row no longer hashes to its leaf
    MISSING_ENTRIES = "missing_entries"  # a gap in the sequence numbers
    DELETED_TAIL = "deleted_tail"  # the newest entries are gone
    CORRUPT_NODE = "corrupt_node"  # a stored subtree hash does not match the leaves
    REWRITTEN_HISTORY = "rewritten_history"  # self-consistent rows, but not what was signed off
    MISSING_ANCHOR = "missing_anchor"  # the chain no longer has an anchored checkpoint
    STATE_BEHIND = "state_behind"  # the state row counts fewer entries than are stored
    ALTERED_ANCHOR = "altered_anchor"  # a stored anchor differs from its checkpoint or the chain


@dataclass(frozen=True)
class Problem:
    kind: Finding
    detail: str
    seq: int | None = None
    tree_size: int | None = None


@dataclass(frozen=True)
class AuditReport:
    entries: int
    expected_entries: int
    checkpoints: int
    anchors_checked: int
    hash_name: str
    root: bytes
    problems: tuple[Problem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    def first(self, kind: Finding) -> Problem | None:
        """The first problem of a kind, e.g. the first modified sequence number."""
        return next((p for p in self.problems if p.kind == kind), None)

    @property
    def first_bad_entry(self) -> int | None:
        """The lowest sequence number any problem puts in doubt."""
        return min((p.seq for p in self.problems if p.seq is not None), default=None)


class _Problems:
    def __init__(self) -> None:
        self.found: list[Problem] = []
        self.counts: dict[Finding, int] = {}

    def add(self, problem: Problem) -> None:
        count = self.counts.get(problem.kind, 0) + 1
        self.counts[problem.kind] = count
        if count <= MAX_LISTED:
            self.found.append(problem)

    def summary(self) -> tuple[Problem, ...]:
        more = [
            Problem(kind, f"and {count - MAX_LISTED} more of this kind")
            for kind, count in self.counts.items()
            if count > MAX_LISTED
        ]
        return tuple(self.found + more)


def _rows(executor: Executor) -> Iterator[tuple[int, str, str, bytes, str]]:
    """Every entry in order, a page at a time, with its time already written as the leaf has it.

    SQLite keeps the time as text 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC (SQLAlchemy's format,
    always with microseconds), which becomes the leaf's stamp without building a datetime;
    PostgreSQL hands back an aware datetime.
    """
    last = -1
    query = (
        "SELECT seq, entry_type, body, leaf_hash, recorded_at FROM ledger_entries "
        "WHERE seq > {last} ORDER BY seq LIMIT {page}"
    )
    while True:
        page = executor.execute(text(query.format(last=int(last), page=PAGE))).all()
        if not page:
            return
        for seq, entry_type, body, leaf, recorded_at in page:
            if isinstance(recorded_at, str):
                stamp = recorded_at.replace(" ", "T", 1) + "+00:00"
            else:
                stamp = utc_stamp(recorded_at)
            yield seq, entry_type, body, bytes(leaf), stamp
        last = page[-1][0]


class _StoredNodeCursor:
    """Reads stored subtree hashes level by level, in index order, a page at a time."""

    def __init__(self, executor: Executor) -> None:
        self.executor = executor
        self.pages: dict[int, dict[int, bytes]] = {}
        self.next_start: dict[int, int] = {}

    def get(self, level: int, index: int) -> bytes | None:
        page = self.pages.get(level)
        if page is None or index not in page and index >= self.next_start.get(level, 0):
            rows = self.executor.execute(
                select(ledger_nodes.c.pos, ledger_nodes.c.hash)
                .where(
                    ledger_nodes.c.pos >= node_pos(level, index),
                    ledger_nodes.c.pos < node_pos(level + 1, 0),
                )
                .order_by(ledger_nodes.c.pos)
                .limit(PAGE)
            ).all()
            page = {node_index(row.pos): bytes(row.hash) for row in rows}
            self.pages[level] = page
            self.next_start[level] = (node_index(rows[-1].pos) + 1) if rows else index + 1
        return page.get(index)


def _fold(hasher: Hasher, stack: list[tuple[int, bytes]]) -> bytes:
    """The root of the prefix whose perfect subtrees are on the stack (RFC 9162's right fold)."""
    if not stack:
        return hasher.empty()
    node = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        node = hasher.node(left, node)
    return node


def audit_ledger(
    executor: Executor,
    *,
    anchored: Mapping[int, bytes | None] | None = None,
    chain: ChainRecords | None = None,
) -> AuditReport:
    """Recompute the ledger and report every kind of damage, or none."""
    if chain is not None:
        anchored = {**(anchored or {}), **{a.tree_size: a.root for a in chain.anchors}}
    expected, hasher = state(executor)
    checkpoints = [
        (row.tree_size, bytes(row.root))
        for row in executor.execute(
            select(ledger_checkpoints.c.tree_size, ledger_checkpoints.c.root).order_by(
                ledger_checkpoints.c.tree_size
            )
        )
    ]
    signed_off = dict(checkpoints)
    wanted = set(signed_off) | set(anchored or {})
    recomputed: dict[int, bytes] = {}
    problems = _Problems()
    nodes = _StoredNodeCursor(executor)
    stack: list[tuple[int, bytes]] = []
    first_modified: int | None = None
    count = 0
    for seq, entry_type, body, stored_leaf, recorded_at in _rows(executor):
        if seq != count:
            problems.add(
                Problem(
                    Finding.MISSING_ENTRIES, f"entries {count}..{seq - 1} are missing", seq=count
                )
            )
            break
        leaf = hasher.leaf(stamped_leaf_data(seq, entry_type, body, recorded_at))
        if leaf != stored_leaf:
            first_modified = seq if first_modified is None else first_modified
            problems.add(
                Problem(
                    Finding.MODIFIED_ENTRY, f"entry {seq} no longer hashes to its leaf", seq=seq
                )
            )
        stack.append((0, leaf))
        index = seq
        while len(stack) > 1 and stack[-1][0] == stack[-2][0]:
            (level, right), (_, left) = stack.pop(), stack.pop()
            node, level, index = hasher.node(left, right), level + 1, index // 2
            stack.append((level, node))
            if nodes.get(level, index) != node and first_modified is None:
                start = index << level
                problems.add(
                    Problem(
                        Finding.CORRUPT_NODE,
                        f"entries {start}..{seq} no longer give their stored subtree "
                        f"({level}, {index}): the first bad entry is among them, from entry "
                        f"{start}",
                        seq=start,
                    )
                )
        count += 1
        if count in wanted:
            recomputed[count] = _fold(hasher, stack)

    if count < expected:
        problems.add(
            Problem(
                Finding.DELETED_TAIL,
                f"entry {count} is the first of {expected - count} newest entries that are gone",
                seq=count,
            )
        )
    elif count > expected:
        problems.add(
            Problem(
                Finding.STATE_BEHIND,
                f"the state counts {expected} entries but {count} are stored: entry {expected} "
                "is the first it disowns",
                seq=expected,
            )
        )
    for size, root in checkpoints:
        if size > count:
            problems.add(
                Problem(
                    Finding.DELETED_TAIL,
                    f"checkpoint {size} covers entries that are gone, from entry {count}",
                    seq=count,
                    tree_size=size,
                )
            )
        elif recomputed[size] != root and (first_modified is None or first_modified >= size):
            problems.add(
                Problem(
                    Finding.REWRITTEN_HISTORY,
                    f"the entries no longer give checkpoint {size}'s root",
                    tree_size=size,
                )
            )
    _check_consistency(executor, hasher, checkpoints, count, problems)
    _check_chain(anchored or {}, signed_off, recomputed, count, problems)
    if chain is not None:
        _check_stored_anchors(executor, chain, signed_off, problems)
    return AuditReport(
        entries=count,
        expected_entries=expected,
        checkpoints=len(checkpoints),
        anchors_checked=len(anchored or {}),
        hash_name=hasher.name,
        root=_fold(hasher, stack),
        problems=problems.summary(),
    )


def _check_chain(
    anchored: Mapping[int, bytes | None],
    signed_off: Mapping[int, bytes],
    recomputed: Mapping[int, bytes],
    count: int,
    problems: _Problems,
) -> None:
    """The rebuilt tree against the chain's roots: between the last size the chain vouches for
    and the first it contradicts lies the first bad entry (the chain keeps only roots)."""
    vouched = 0
    for size, chain_root in sorted(anchored.items()):
        if chain_root is None:
            problems.add(
                Problem(
                    Finding.MISSING_ANCHOR, f"checkpoint {size} is not on the chain", tree_size=size
                )
            )
        elif size > count:
            problems.add(
                Problem(
                    Finding.DELETED_TAIL,
                    f"the chain anchored {size} entries; entry {count} is the first that is gone",
                    seq=count,
                    tree_size=size,
                )
            )
        elif recomputed.get(size) != chain_root:
            first = vouched if size - vouched > 1 else size - 1
            among = f"entries {vouched}..{size - 1}" if size - vouched > 1 else f"entry {first}"
            problems.add(
                Problem(
                    Finding.REWRITTEN_HISTORY,
                    f"{among} no longer give the root the chain holds for size {size}: "
                    + (
                        f"entry {first} is the first bad entry"
                        if size - vouched == 1
                        else f"the first bad entry is among them, from entry {first}"
                    ),
                    seq=first,
                    tree_size=size,
                )
            )
            return  # every later root contains the same change
        elif signed_off.get(size) != chain_root:
            what = "is gone" if size not in signed_off else "has another root"
            problems.add(
                Problem(
                    Finding.REWRITTEN_HISTORY,
                    f"checkpoint {size}, anchored on chain, {what} in the database",
                    tree_size=size,
                )
            )
            vouched = size
        else:
            vouched = size


def _check_stored_anchors(
    executor: Executor,
    chain: ChainRecords,
    signed_off: Mapping[int, bytes],
    problems: _Problems,
) -> None:
    """Each stored anchor must say what its checkpoint and its contract's record say."""
    held = {(a.contract_address.lower(), a.tree_size): a.root for a in chain.anchors}
    readable = {a.contract_address.lower() for a in chain.anchors}
    rows = executor.execute(
        select(
            ledger_anchors.c.tree_size,
            ledger_anchors.c.root,
            ledger_anchors.c.status,
            ledger_deployments.c.contract_address,
        )
        .join(ledger_deployments, ledger_deployments.c.id == ledger_anchors.c.deployment_id)
        .where(ledger_deployments.c.chain_id == chain.chain_id)
        .order_by(ledger_anchors.c.tree_size)
    ).all()
    for row in rows:
        address, size, root = row.contract_address.lower(), int(row.tree_size), bytes(row.root)
        on_chain = held.get((address, size))
        if signed_off.get(size) != root or (
            on_chain is not None and on_chain != root and row.status != "rejected"
        ):
            problems.add(
                Problem(
                    Finding.ALTERED_ANCHOR,
                    f"the stored anchor for size {size} differs from "
                    + ("the chain's record" if on_chain not in (None, root) else "its checkpoint"),
                    tree_size=size,
                )
            )
        elif on_chain is None and address in readable and row.status in ("anchored", "confirmed"):
            problems.add(
                Problem(
                    Finding.MISSING_ANCHOR,
                    f"the stored anchor for size {size} is not in its contract's records",
                    tree_size=size,
                )
            )


def _check_consistency(
    executor: Executor,
    hasher: Hasher,
    checkpoints: list[tuple[int, bytes]],
    count: int,
    problems: _Problems,
) -> None:
    """Each checkpoint must extend the one before it; proofs come from the stored subtrees."""
    if any(p.kind in (Finding.CORRUPT_NODE, Finding.MISSING_ENTRIES) for p in problems.found):
        return  # proofs read stored nodes, which are already known to be wrong
    source = StoredNodes(executor, hasher)
    present = [(size, root) for size, root in checkpoints if size <= count]
    for (old, old_root), (new, new_root) in zip(present, present[1:], strict=False):
        proof = merkle.consistency_proof(source, old, new)
        if not merkle.verify_consistency(hasher, old, new, old_root, new_root, proof):
            problems.add(
                Problem(
                    Finding.REWRITTEN_HISTORY,
                    f"checkpoint {new} does not extend checkpoint {old}",
                    tree_size=new,
                )
            )
