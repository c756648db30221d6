"""RFC 9162 Merkle hashing and proofs: published vectors, a brute-force reference, node reads."""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import FrozenInstanceError

import pytest

from contracts.merkle import (
    SHA256,
    SM3,
    Hasher,
    ListSource,
    NodeSource,
    ProofError,
    ProofFailure,
    TreeHead,
    check_consistency,
    check_inclusion,
    consistency_proof,
    hasher_named,
    inclusion_proof,
    root,
    subtree_root,
    tree_head,
    tree_root,
    verify_consistency,
    verify_inclusion,
)

# The standard test leaves and expected hashes of the RFC 6962 reference implementation
# (certificate-transparency merkle_tree_test), as carried in transparency-dev/merkle
# proof/verify_test.go. Leaf indexes below are 0-based; that file counts leaves from 1.
LEAF_INPUTS = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes.fromhex("5051525354555657"),
    bytes.fromhex("606162636465666768696a6b6c6d6e6f"),
]
PUBLISHED_ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
PUBLISHED_INCLUSION = [  # (index, size, proof)
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
PUBLISHED_CONSISTENCY = [  # (old_size, new_size, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
# GB/T 32905-2016 SM3: the standard's example "abc", and the hash of the empty string.
SM3_ABC = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
SM3_EMPTY = "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"

MAX_SIZE = 70  # every (index, size) and (old, new) up to here is checked against the reference


# --- the reference: RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 written as recursion, nothing clever


def ref_mth(leaves: Sequence[bytes], hasher: Hasher) -> bytes:
    n = len(leaves)
    if n == 0:
        return hasher.empty()
    if n == 1:
        return leaves[0]
    k = largest_power_of_two_below(n)
    return hasher.node(ref_mth(leaves[:k], hasher), ref_mth(leaves[k:], hasher))


def ref_path(m: int, leaves: Sequence[bytes], hasher: Hasher) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = largest_power_of_two_below(n)
    if m < k:
        return ref_path(m, leaves[:k], hasher) + [ref_mth(leaves[k:], hasher)]
    return ref_path(m - k, leaves[k:], hasher) + [ref_mth(leaves[:k], hasher)]


def ref_proof(m: int, leaves: Sequence[bytes], hasher: Hasher) -> list[bytes]:
    return [] if m in (0, len(leaves)) else ref_subproof(m, leaves, True, hasher)


def ref_subproof(m: int, leaves: Sequence[bytes], whole: bool, hasher: Hasher) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [ref_mth(leaves, hasher)]
    k = largest_power_of_two_below(n)
    if m <= k:
        return ref_subproof(m, leaves[:k], whole, hasher) + [ref_mth(leaves[k:], hasher)]
    return ref_subproof(m - k, leaves[k:], False, hasher) + [ref_mth(leaves[:k], hasher)]


def largest_power_of_two_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


# --- helpers


def unhex(hashes: Sequence[str]) -> list[bytes]:
    return [bytes.fromhex(h) for h in hashes]


def published_leaves(hasher: Hasher = SHA256) -> list[bytes]:
    return [hasher.leaf(data) for data in LEAF_INPUTS]


def numbered_leaves(count: int, hasher: Hasher = SHA256) -> list[bytes]:
    return [hasher.leaf(b"entry %d" % i) for i in range(count)]


def flip_bit(proof: Sequence[bytes], position: int) -> list[bytes]:
    tampered = list(proof)
    tampered[position] = bytes([tampered[position][0] ^ 0x10]) + tampered[position][1:]
    return tampered


def failure(check: Callable[..., None], *args: object) -> ProofFailure | None:
    try:
        check(*args)
    except ProofError as error:
        return error.reason
    return None


def inclusion_failure(*args: object) -> ProofFailure | None:
    return failure(check_inclusion, SHA256, *args)


def consistency_failure(*args: object) -> ProofFailure | None:
    return failure(check_consistency, SHA256, *args)


class CountingSource:
    """Counts perfect-subtree reads and refuses any subtree not yet complete at size."""

    def __init__(self, inner: NodeSource, size: int) -> None:
        self.inner = inner
        self.hasher = inner.hasher
        self.size = size
        self.reads = 0

    def perfect(self, level: int, index: int) -> bytes:
        assert level >= 0 and index >= 0 and (index + 1) << level <= self.size
        self.reads += 1
        return self.inner.perfect(level, index)


class UniformSource:
    """A real (self-consistent) tree of any size whose leaves are all alike, so no leaf is hashed
    more than once: perfect subtrees differ only by level."""

    def __init__(self, hasher: Hasher = SHA256) -> None:
        self.hasher = hasher
        self.by_level = [hasher.leaf(b"the same entry")]

    def perfect(self, level: int, index: int) -> bytes:
        while len(self.by_level) <= level:
            self.by_level.append(self.hasher.node(self.by_level[-1], self.by_level[-1]))
        return self.by_level[level]


class DerivedSource:
    """Stand-in hashes derived from (level, index) alone, so a million-leaf log costs nothing."""

    hasher = SHA256

    def perfect(self, level: int, index: int) -> bytes:
        return hashlib.sha256(b"%d/%d" % (level, index)).digest()


def read_budget(size: int) -> int:
    return 2 * math.ceil(math.log2(size)) + 2 if size > 1 else 2


# --- published vectors


def test_empty_tree_root_is_the_hash_of_the_empty_string():
    assert root([]).hex() == EMPTY_SHA256
    assert tree_root(ListSource([]), 0).hex() == EMPTY_SHA256


@pytest.mark.parametrize("size", sorted(PUBLISHED_ROOTS))
def test_root_matches_the_published_root(size):
    leaves = published_leaves()[:size]
    assert root(leaves).hex() == PUBLISHED_ROOTS[size]
    assert tree_root(ListSource(leaves), size).hex() == PUBLISHED_ROOTS[size]


@pytest.mark.parametrize(("index", "size", "proof"), PUBLISHED_INCLUSION)
def test_inclusion_proof_matches_the_published_one_and_verifies(index, size, proof):
    leaves = published_leaves()
    made = inclusion_proof(ListSource(leaves[:size]), index, size)
    assert made == unhex(proof)
    root_hash = bytes.fromhex(PUBLISHED_ROOTS[size])
    assert verify_inclusion(SHA256, index, size, leaves[index], made, root_hash)


@pytest.mark.parametrize(("old_size", "new_size", "proof"), PUBLISHED_CONSISTENCY)
def test_consistency_proof_matches_the_published_one_and_verifies(old_size, new_size, proof):
    made = consistency_proof(ListSource(published_leaves()[:new_size]), old_size, new_size)
    assert made == unhex(proof)
    old_root, new_root = (bytes.fromhex(PUBLISHED_ROOTS[s]) for s in (old_size, new_size))
    assert verify_consistency(SHA256, old_size, new_size, old_root, new_root, made)


def test_leaf_and_node_hashes_carry_the_rfc_prefixes():
    left, right = b"L" * 32, b"R" * 32
    assert SHA256.leaf(b"data") == hashlib.sha256(b"\x00data").digest()
    assert SHA256.node(left, right) == hashlib.sha256(b"\x01" + left + right).digest()


# --- everything against the brute-force reference


@pytest.mark.parametrize("size", range(MAX_SIZE + 1))
def test_root_matches_the_reference(size):
    leaves = numbered_leaves(size)
    assert root(leaves) == ref_mth(leaves, SHA256)
    assert tree_root(ListSource(leaves), size) == ref_mth(leaves, SHA256)


@pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
def test_inclusion_proofs_match_the_reference_and_verify(size):
    leaves = numbered_leaves(size)
    root_hash = ref_mth(leaves, SHA256)
    for index in range(size):
        source = CountingSource(ListSource(leaves), size)
        proof = inclusion_proof(source, index, size)
        assert proof == ref_path(index, leaves, SHA256)
        assert source.reads <= read_budget(size)
        check_inclusion(SHA256, index, size, leaves[index], proof, root_hash)


@pytest.mark.parametrize("new_size", range(MAX_SIZE + 1))
def test_consistency_proofs_match_the_reference_and_verify(new_size):
    leaves = numbered_leaves(new_size)
    new_root = ref_mth(leaves, SHA256)
    for old_size in range(new_size + 1):
        source = CountingSource(ListSource(leaves), new_size)
        proof = consistency_proof(source, old_size, new_size)
        assert proof == ref_proof(old_size, leaves, SHA256)
        assert source.reads <= read_budget(new_size)
        old_root = ref_mth(leaves[:old_size], SHA256)
        check_consistency(SHA256, old_size, new_size, old_root, new_root, proof)


# --- refusals, each with its reason


@pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
def test_tampered_inclusion_proofs_fail_with_the_reason(size):
    leaves = numbered_leaves(2 * size)
    root_hash = ref_mth(leaves[:size], SHA256)

    def reason(index: int, claimed_size: int, proof: list[bytes], leaf: bytes) -> object:
        return inclusion_failure(index, claimed_size, leaf, proof, root_hash)

    def expected(index: int, claimed_size: int, proof: list[bytes]) -> ProofFailure:
        if not 0 <= index < claimed_size:
            return ProofFailure.INDEX_OUT_OF_RANGE
        if len(ref_path(index, leaves[:claimed_size], SHA256)) != len(proof):
            return ProofFailure.WRONG_PROOF_LENGTH
        return ProofFailure.ROOT_MISMATCH

    for index in range(size):
        proof, leaf = ref_path(index, leaves[:size], SHA256), leaves[index]
        for position in range(len(proof)):
            tampered = flip_bit(proof, position)
            assert reason(index, size, tampered, leaf) is ProofFailure.ROOT_MISMATCH
        assert reason(index, size, proof, leaves[-1]) is ProofFailure.ROOT_MISMATCH
        for longer in (proof + [root_hash], [root_hash] + proof):
            assert reason(index, size, longer, leaf) is ProofFailure.WRONG_PROOF_LENGTH
        if proof:
            assert reason(index, size, proof[:-1], leaf) is ProofFailure.WRONG_PROOF_LENGTH
        for wrong_index in {index - 1, index + 1, index ^ 2, size} - {index}:
            got = reason(wrong_index, size, proof, leaf)
            assert got is expected(wrong_index, size, proof)
        for wrong_size in (2 * size, size // 2):
            got = reason(index, wrong_size, proof, leaf)
            assert got is expected(index, wrong_size, proof)
        assert not verify_inclusion(SHA256, index, size, leaf, proof, SHA256.empty())


@pytest.mark.parametrize("new_size", range(2, MAX_SIZE + 1))
def test_tampered_consistency_proofs_fail_with_the_reason(new_size):
    leaves = numbered_leaves(2 * new_size)
    roots = [ref_mth(leaves[:size], SHA256) for size in range(2 * new_size + 1)]

    def reason(old_size: int, size: int, old_root: bytes, new_root: bytes, proof: list[bytes]):
        return consistency_failure(old_size, size, old_root, new_root, proof)

    def expected(old_size: int, size: int, proof: list[bytes]) -> ProofFailure:
        if not 0 <= old_size <= size:
            return ProofFailure.SIZE_OUT_OF_ORDER
        if len(ref_proof(old_size, leaves[:size], SHA256)) != len(proof):
            return ProofFailure.WRONG_PROOF_LENGTH
        return ProofFailure.ROOT_MISMATCH

    new_root = roots[new_size]
    for old_size in range(1, new_size):
        proof, old_root = ref_proof(old_size, leaves[:new_size], SHA256), roots[old_size]
        for position in range(len(proof)):
            tampered = flip_bit(proof, position)
            got = reason(old_size, new_size, old_root, new_root, tampered)
            assert got is ProofFailure.ROOT_MISMATCH
        for old, new in ((roots[-1], new_root), (old_root, roots[-1]), (new_root, old_root)):
            assert reason(old_size, new_size, old, new, proof) is ProofFailure.ROOT_MISMATCH
        for wrong in ([], proof[:-1], proof + [old_root], [new_root] + proof, proof[:1] + proof):
            got = reason(old_size, new_size, old_root, new_root, wrong)
            assert got is ProofFailure.WRONG_PROOF_LENGTH
        for wrong_old in (old_size - 1, old_size + 1, old_size ^ 2):
            got = reason(wrong_old, new_size, old_root, new_root, proof)
            assert got is expected(wrong_old, new_size, proof)
        for wrong_new in (2 * new_size, new_size // 2):
            got = reason(old_size, wrong_new, old_root, new_root, proof)
            assert got is expected(old_size, wrong_new, proof)


def test_inclusion_in_an_empty_tree_is_out_of_range():
    reason = inclusion_failure(0, 0, SHA256.leaf(b""), [], SHA256.empty())
    assert reason is ProofFailure.INDEX_OUT_OF_RANGE


def test_negative_index_is_out_of_range():
    leaf = SHA256.leaf(b"x")
    assert inclusion_failure(-1, 1, leaf, [], leaf) is ProofFailure.INDEX_OUT_OF_RANGE


def test_single_leaf_tree_proves_its_leaf_with_an_empty_proof():
    leaf = SHA256.leaf(b"data")
    assert verify_inclusion(SHA256, 0, 1, leaf, [], leaf)
    assert inclusion_failure(0, 1, leaf, [], SHA256.empty()) is ProofFailure.ROOT_MISMATCH


def test_hashes_of_the_wrong_size_are_refused():
    leaves = numbered_leaves(5)
    proof, root_hash = ref_path(2, leaves, SHA256), ref_mth(leaves, SHA256)
    short = [proof[0][:31], *proof[1:]]
    assert inclusion_failure(2, 5, leaves[2], short, root_hash) is ProofFailure.WRONG_HASH_SIZE
    assert inclusion_failure(2, 5, leaves[2], proof, b"") is ProofFailure.WRONG_HASH_SIZE
    garbage = proof + [b""]
    assert inclusion_failure(2, 5, leaves[2], garbage, root_hash) is ProofFailure.WRONG_HASH_SIZE


def test_consistency_from_the_empty_tree_needs_the_empty_root_and_no_proof():
    some_root = ref_mth(numbered_leaves(3), SHA256)
    assert verify_consistency(SHA256, 0, 3, SHA256.empty(), some_root, [])
    assert consistency_failure(0, 3, some_root, some_root, []) is ProofFailure.ROOT_MISMATCH
    assert (
        consistency_failure(0, 3, SHA256.empty(), some_root, [some_root])
        is ProofFailure.WRONG_PROOF_LENGTH
    )


def test_consistency_between_equal_sizes_needs_equal_roots_and_no_proof():
    one, other = (ref_mth(numbered_leaves(n), SHA256) for n in (3, 4))
    assert verify_consistency(SHA256, 3, 3, one, one, [])
    assert consistency_failure(3, 3, one, other, []) is ProofFailure.ROOT_MISMATCH
    assert consistency_failure(3, 3, one, one, [one]) is ProofFailure.WRONG_PROOF_LENGTH


def test_consistency_backwards_in_time_is_refused():
    one = ref_mth(numbered_leaves(3), SHA256)
    assert consistency_failure(4, 3, one, one, []) is ProofFailure.SIZE_OUT_OF_ORDER


def test_proof_error_carries_a_readable_detail():
    leaves = numbered_leaves(8)
    proof = ref_path(3, leaves, SHA256)[:-1]
    with pytest.raises(ProofError, match="proof has 2 hashes, this tree needs 3") as raised:
        check_inclusion(SHA256, 3, 8, leaves[3], proof, ref_mth(leaves, SHA256))
    assert raised.value.reason == "wrong_proof_length"


# --- building proofs: arguments, ranges and node reads


def test_proofs_are_not_built_for_impossible_arguments():
    source = ListSource(numbered_leaves(4))
    with pytest.raises(ValueError):
        inclusion_proof(source, 4, 4)
    with pytest.raises(ValueError):
        consistency_proof(source, 3, 2)
    with pytest.raises(ValueError):
        tree_root(source, -1)


def test_list_source_refuses_an_incomplete_subtree():
    with pytest.raises(ValueError):
        ListSource(numbered_leaves(3)).perfect(1, 1)


def test_subtree_root_refuses_a_range_the_split_never_makes():
    with pytest.raises(ValueError):
        subtree_root(ListSource(numbered_leaves(4)), 1, 3)


@pytest.mark.parametrize("size", [1_000_000, 999_999, 2**20, 2**20 + 1])
def test_proofs_from_a_million_leaf_log_read_logarithmically_many_nodes(size):
    source = CountingSource(DerivedSource(), size)
    tree_root(source, size)
    assert source.reads == size.bit_count()
    picks = random.Random(size).sample(range(size), 50) + [0, 1, size // 2, size - 2, size - 1]
    for index in picks:
        source.reads = 0
        inclusion_proof(source, index, size)
        assert source.reads <= read_budget(size)
    for old_size in picks[:-1]:
        source.reads = 0
        consistency_proof(source, old_size + 1, size)
        assert source.reads <= read_budget(size)


def test_proofs_from_a_million_leaf_log_verify():
    size, source = 1_000_000, UniformSource()
    leaf, root_hash = source.perfect(0, 0), tree_root(source, size)
    for index in (0, 1, 524_287, 524_288, 999_998, 999_999):
        proof = inclusion_proof(source, index, size)
        check_inclusion(SHA256, index, size, leaf, proof, root_hash)
    for old_size in (1, 3, 524_288, 524_289, 999_999):
        proof = consistency_proof(source, old_size, size)
        old_root = tree_root(source, old_size)
        check_consistency(SHA256, old_size, size, old_root, root_hash, proof)


# --- SM3, hasher names, tree heads


def test_sm3_hasher_is_the_gb_t_32905_hash():
    assert SM3.digest(b"abc").hex() == SM3_ABC
    assert SM3.empty().hex() == SM3_EMPTY


@pytest.mark.parametrize("size", range(1, 9))
def test_sm3_gives_other_roots_from_the_same_structure(size):
    sm3_leaves = published_leaves(SM3)[:size]
    sm3_root = root(sm3_leaves, SM3)
    assert sm3_root != bytes.fromhex(PUBLISHED_ROOTS[size])
    assert sm3_root == ref_mth(sm3_leaves, SM3)
    for index in range(size):
        proof = inclusion_proof(ListSource(sm3_leaves, SM3), index, size)
        assert len(proof) == len(ref_path(index, published_leaves()[:size], SHA256))
        assert verify_inclusion(SM3, index, size, sm3_leaves[index], proof, sm3_root)
        if proof:  # a one-leaf tree's root is its leaf hash, whatever combines nodes
            assert not verify_inclusion(SHA256, index, size, sm3_leaves[index], proof, sm3_root)


@pytest.mark.parametrize("new_size", range(1, 21))
def test_sm3_consistency_proofs_match_the_reference_and_verify(new_size):
    leaves = numbered_leaves(new_size, SM3)
    source = ListSource(leaves, SM3)
    for old_size in range(new_size + 1):
        proof = consistency_proof(source, old_size, new_size)
        assert proof == ref_proof(old_size, leaves, SM3)
        old_root, new_root = root(leaves[:old_size], SM3), root(leaves, SM3)
        check_consistency(SM3, old_size, new_size, old_root, new_root, proof)


def test_hashers_are_found_by_name():
    assert hasher_named("sha256") is SHA256
    assert hasher_named("SM3") is SM3
    with pytest.raises(ValueError, match="unknown Merkle hash"):
        hasher_named("md5")


def test_tree_head_records_size_root_and_hash():
    leaves = published_leaves(SM3)
    head = tree_head(ListSource(leaves, SM3), 8)
    assert head == TreeHead(8, root(leaves, SM3), "sm3")
    with pytest.raises(FrozenInstanceError):
        head.size = 9  # type: ignore[misc]


def test_tree_head_size_cannot_be_negative():
    with pytest.raises(ValueError):
        TreeHead(-1, SHA256.empty(), "sha256")
