"""RFC 9162 Merkle log hashing, tree heads, inclusion and consistency proofs (pure, no I/O).

Proofs are built from a `NodeSource` that hands out the hashes of perfect subtrees (level L,
index i covers leaves [i·2^L, (i+1)·2^L)), so a stored log answers any proof with O(log n)
node reads and never rebuilds the tree. Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from cryptography.hazmat.primitives import hashes

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


@dataclass(frozen=True)
class Hasher:
    """A hash with RFC 9162 domain separation, so SHA-256 and SM3 share every algorithm."""

    name: str
    digest: Callable[[bytes], bytes] = field(repr=False, compare=False)
    size: int

    def leaf(self, data: bytes) -> bytes:
        """Hash a leaf's data behind 0x00 so a leaf can never pass for an interior node."""
        return self.digest(LEAF_PREFIX + data)

    def node(self, left: bytes, right: bytes) -> bytes:
        """Hash two children behind 0x01, the interior-node prefix."""
        return self.digest(NODE_PREFIX + left + right)

    def empty(self) -> bytes:
        """The root of the empty tree: the hash of the empty string."""
        return self.digest(b"")


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _sm3(data: bytes) -> bytes:
    hash_ = hashes.Hash(hashes.SM3())
    hash_.update(data)
    return hash_.finalize()


SHA256 = Hasher("sha256", _sha256, 32)
SM3 = Hasher("sm3", _sm3, 32)  # GB/T 32905, for the national-cryptography mode
HASHERS = {hasher.name: hasher for hasher in (SHA256, SM3)}


def hasher_named(name: str) -> Hasher:
    """The hasher a stored tree head or a config value names, so the name is all we persist."""
    try:
        return HASHERS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown Merkle hash {name!r}; known: {', '.join(HASHERS)}") from None


@dataclass(frozen=True)
class TreeHead:
    """What a checkpoint commits to: the size, the root and which hash made the root."""

    size: int
    root: bytes
    hash_name: str

    def __post_init__(self) -> None:
        if self.size < 0:
            raise ValueError("a tree head's size cannot be negative")


class ProofFailure(StrEnum):
    """Why a proof was refused, stable enough for a verifier to show or a test to check."""

    INDEX_OUT_OF_RANGE = "index_out_of_range"
    SIZE_OUT_OF_ORDER = "size_out_of_order"
    WRONG_HASH_SIZE = "wrong_hash_size"
    WRONG_PROOF_LENGTH = "wrong_proof_length"
    ROOT_MISMATCH = "root_mismatch"


class MerkleError(Exception):
    """Root of the errors this module raises on purpose."""


class ProofError(MerkleError):
    """A proof that does not hold, with the reason it fails."""

    def __init__(self, reason: ProofFailure, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class NodeSource(Protocol):
    """Where proofs read hashes from: an in-memory list or a ledger's stored subtrees."""

    @property
    def hasher(self) -> Hasher:
        """The hash that made the stored nodes, needed to combine them."""
        ...

    def perfect(self, level: int, index: int) -> bytes:
        """The root of the perfect subtree over leaves [index·2^level, (index+1)·2^level)."""
        ...


class ListSource:
    """A node source over leaf hashes held in memory, for tests and small logs."""

    def __init__(self, leaf_hashes: Sequence[bytes], hasher: Hasher = SHA256) -> None:
        self.hasher = hasher
        self._leaves = tuple(leaf_hashes)
        self._cache: dict[tuple[int, int], bytes] = {}

    def __len__(self) -> int:
        return len(self._leaves)

    def perfect(self, level: int, index: int) -> bytes:
        """Compute (and remember) a perfect subtree so repeated proofs stay cheap."""
        if level < 0 or index < 0 or (index + 1) << level > len(self._leaves):
            raise ValueError(f"no perfect subtree at level {level}, index {index}")
        if level == 0:
            return self._leaves[index]
        key = (level, index)
        if key not in self._cache:
            left = self.perfect(level - 1, 2 * index)
            self._cache[key] = self.hasher.node(left, self.perfect(level - 1, 2 * index + 1))
        return self._cache[key]


def root(leaf_hashes: Sequence[bytes], hasher: Hasher = SHA256) -> bytes:
    """MTH over leaf hashes level by level (an odd last node rises unpaired, as RFC 9162 splits)."""
    level = list(leaf_hashes)
    if not level:
        return hasher.empty()
    while len(level) > 1:
        paired = [hasher.node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        level = paired + level[len(level) - len(level) % 2 :]
    return level[0]


def _split(size: int) -> int:
    """RFC 9162's k: the largest power of two smaller than size (size > 1)."""
    return 1 << ((size - 1).bit_length() - 1)


def subtree_root(source: NodeSource, start: int, end: int) -> bytes:
    """MTH(D[start:end]) from its perfect subtrees, one read per set bit of end - start."""
    size = end - start
    if start < 0 or size <= 0:
        raise ValueError(f"not a non-empty range: [{start}, {end})")
    if start % (1 << (size.bit_length() - 1)):  # only ranges RFC 9162's recursive split makes
        raise ValueError(f"[{start}, {end}) is not a subtree of an RFC 9162 tree")
    parts: list[bytes] = []
    position = start
    for level in reversed(range(size.bit_length())):
        if size >> level & 1:
            parts.append(source.perfect(level, position >> level))
            position += 1 << level
    hash_ = parts.pop()
    while parts:
        hash_ = source.hasher.node(parts.pop(), hash_)
    return hash_


def tree_root(source: NodeSource, size: int) -> bytes:
    """The root of the first size leaves, the empty-string hash when there are none."""
    if size < 0:
        raise ValueError("a tree's size cannot be negative")
    return subtree_root(source, 0, size) if size else source.hasher.empty()


def tree_head(source: NodeSource, size: int) -> TreeHead:
    """The tree head a checkpoint records for the first size leaves."""
    return TreeHead(size, tree_root(source, size), source.hasher.name)


def inclusion_proof(source: NodeSource, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, siblings from the leaf up."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    siblings: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        middle = start + _split(end - start)
        if index < middle:
            siblings.append(subtree_root(source, middle, end))
            end = middle
        else:
            siblings.append(subtree_root(source, start, middle))
            start = middle
    siblings.reverse()
    return siblings


def consistency_proof(source: NodeSource, old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[0:new_size]) of RFC 9162 §2.1.4.1; empty when there is nothing to prove."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []
    nodes: list[bytes] = []
    start, end = 0, new_size
    old_is_a_subtree = True  # SUBPROOF's b: the old tree is a whole subtree of this one
    while end != old_size:
        middle = start + _split(end - start)
        if old_size <= middle:
            nodes.append(subtree_root(source, middle, end))
            end = middle
        else:
            nodes.append(subtree_root(source, start, middle))
            start = middle
            old_is_a_subtree = False
    if not old_is_a_subtree:
        nodes.append(subtree_root(source, start, end))
    nodes.reverse()
    return nodes


def _check_hash_sizes(hasher: Hasher, proof: Sequence[bytes], **named: bytes) -> None:
    for what, hash_ in [*named.items(), *((f"proof[{i}]", p) for i, p in enumerate(proof))]:
        if len(hash_) != hasher.size:
            raise ProofError(
                ProofFailure.WRONG_HASH_SIZE,
                f"{what} has {len(hash_)} bytes, {hasher.name} gives {hasher.size}",
            )


def _wrong_length(proof: Sequence[bytes], expected: int) -> ProofError:
    return ProofError(
        ProofFailure.WRONG_PROOF_LENGTH,
        f"proof has {len(proof)} hashes, this tree needs {expected}",
    )


def _inclusion_length(index: int, size: int) -> int:
    """Hashes in PATH(index, D[0:size]): levels where index and size-1 part, plus left turns."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def check_inclusion(
    hasher: Hasher, index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ProofError saying why, unless proof shows leaf_hash at index under root (§2.1.3.2)."""
    if not 0 <= index < size:
        raise ProofError(
            ProofFailure.INDEX_OUT_OF_RANGE, f"leaf {index} is not in a tree of size {size}"
        )
    _check_hash_sizes(hasher, proof, leaf_hash=leaf_hash, root=root)
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise _wrong_length(proof, _inclusion_length(index, size))
        if fn & 1 or fn == sn:
            r = hasher.node(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = hasher.node(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise _wrong_length(proof, _inclusion_length(index, size))
    if r != root:
        raise ProofError(ProofFailure.ROOT_MISMATCH, "the proof leads to a different root")


def _consistency_length(old_size: int, new_size: int) -> int:
    """Hashes in PROOF(old_size, D[0:new_size]) for 0 < old_size < new_size."""
    shift = (old_size & -old_size).bit_length() - 1  # the old tree's rightmost perfect subtree
    old_is_a_subtree = old_size == 1 << shift
    inner_length = _inclusion_length((old_size - 1) >> shift, ((new_size - 1) >> shift) + 1)
    return inner_length + (0 if old_is_a_subtree else 1)


def check_consistency(
    hasher: Hasher,
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
) -> None:
    """Raise ProofError saying why, unless proof shows the old tree is a prefix of the new."""
    if not 0 <= old_size <= new_size:
        raise ProofError(
            ProofFailure.SIZE_OUT_OF_ORDER, f"size {old_size} cannot precede size {new_size}"
        )
    _check_hash_sizes(hasher, proof, old_root=old_root, new_root=new_root)
    if old_size == 0 or old_size == new_size:  # §2.1.4.2 proves nothing here; check what we can
        if proof:
            raise _wrong_length(proof, 0)
        if old_size == 0 and old_root != hasher.empty():
            raise ProofError(ProofFailure.ROOT_MISMATCH, "the old root is not the empty tree's")
        if old_size == new_size and old_root != new_root:
            raise ProofError(ProofFailure.ROOT_MISMATCH, "two roots for the same size differ")
        return
    if not proof:
        raise _wrong_length(proof, _consistency_length(old_size, new_size))
    path = [old_root, *proof] if old_size & (old_size - 1) == 0 else list(proof)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise _wrong_length(proof, _consistency_length(old_size, new_size))
        if fn & 1 or fn == sn:
            fr, sr = hasher.node(c, fr), hasher.node(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = hasher.node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise _wrong_length(proof, _consistency_length(old_size, new_size))
    if fr != old_root:
        raise ProofError(ProofFailure.ROOT_MISMATCH, "the proof leads to a different old root")
    if sr != new_root:
        raise ProofError(ProofFailure.ROOT_MISMATCH, "the proof leads to a different new root")


def verify_inclusion(
    hasher: Hasher, index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether the inclusion proof holds; check_inclusion says why when it does not."""
    try:
        check_inclusion(hasher, index, size, leaf_hash, proof, root)
    except ProofError:
        return False
    return True


def verify_consistency(
    hasher: Hasher,
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
) -> bool:
    """Whether the consistency proof holds; check_consistency says why when it does not."""
    try:
        check_consistency(hasher, old_size, new_size, old_root, new_root, proof)
    except ProofError:
        return False
    return True
