"""Chunked AEAD for stored files: published vectors, round trips, every tampering detected."""

from __future__ import annotations

import io
import os
import tracemalloc
from collections.abc import Callable, Iterator

import pytest
from cryptography.exceptions import InvalidTag
from hypothesis import given, settings
from hypothesis import strategies as st

from exchange.storage import CipherMode, ObjectCorrupted, StorageError
from exchange.storage.ciphers import (
    DEFAULT_CHUNK_SIZE,
    HEADER_SIZE,
    TAG_SIZE,
    data_key_size,
    decrypt_stream,
    encrypt_chunks,
    opener,
    sealer,
)

MODES = list(CipherMode)

# RFC 8998 appendix A.1 (SM4-GCM), carried also in GmSSL's sm4 tests.
SM4_KEY = "0123456789ABCDEFFEDCBA9876543210"
SM4_IV = "00001234567800000000ABCD"
SM4_AAD = "FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2"
SM4_PLAINTEXT = (
    "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
    "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
)
SM4_CIPHERTEXT = (
    "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
    "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
)
SM4_TAG = "83DE3541E4C2B58177E065A9BF7B62EC"

# The GCM specification (McGrew & Viega), test case 16: AES-256 with associated data.
AES_KEY = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
AES_IV = "cafebabefacedbaddecaf888"
AES_AAD = "feedfacedeadbeeffeedfacedeadbeefabaddad2"
AES_PLAINTEXT = (
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
)
AES_CIPHERTEXT = (
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
)
AES_TAG = "76fc6ece0f4e1768cddf8853bb2d551b"

VECTORS = {
    CipherMode.SM4_GCM: (SM4_KEY, SM4_IV, SM4_AAD, SM4_PLAINTEXT, SM4_CIPHERTEXT + SM4_TAG),
    CipherMode.AES_256_GCM: (AES_KEY, AES_IV, AES_AAD, AES_PLAINTEXT, AES_CIPHERTEXT + AES_TAG),
}


def new_key(mode: CipherMode) -> bytes:
    return os.urandom(data_key_size(mode))


def pieces(data: bytes, size: int) -> Iterator[bytes]:
    """The data in pieces of an awkward size, as an upload arrives."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def encrypt(
    data: bytes, key: bytes, mode: CipherMode, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> bytes:
    return b"".join(encrypt_chunks(pieces(data, 1000), key, mode, chunk_size=chunk_size))


def decrypt(blob: bytes, key: bytes, mode: CipherMode) -> bytes:
    return b"".join(decrypt_stream(io.BytesIO(blob), key, mode))


@pytest.mark.parametrize("mode", MODES)
def test_seal_matches_the_published_vector(mode):
    key, iv, aad, plaintext, sealed = (bytes.fromhex(value) for value in VECTORS[mode])
    assert sealer(key, mode)(iv, plaintext, aad) == sealed


@pytest.mark.parametrize("mode", MODES)
def test_open_recovers_the_published_vector_and_refuses_a_flipped_tag(mode):
    key, iv, aad, plaintext, sealed = (bytes.fromhex(value) for value in VECTORS[mode])
    assert opener(key, mode)(iv, sealed, aad) == plaintext
    with pytest.raises(InvalidTag):
        opener(key, mode)(iv, sealed[:-1] + bytes([sealed[-1] ^ 1]), aad)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("size", "chunk_size"),
    [
        (0, DEFAULT_CHUNK_SIZE),
        (1, DEFAULT_CHUNK_SIZE),
        (DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_SIZE),
        (DEFAULT_CHUNK_SIZE + 1, DEFAULT_CHUNK_SIZE),
        (3 * 1024 * 1024 + 7, 4096),
    ],
    ids=["empty", "one-byte", "one-chunk", "chunk-plus-one", "several-mb"],
)
def test_round_trip(mode, size, chunk_size):
    data = os.urandom(size)
    key = new_key(mode)
    assert decrypt(encrypt(data, key, mode, chunk_size), key, mode) == data


@pytest.mark.parametrize(
    ("size", "expected_chunks"),
    [(0, [0]), (64, [64]), (65, [64, 1]), (128, [64, 64])],
)
def test_every_chunk_but_the_last_is_full_and_the_last_may_be_full_or_empty(size, expected_chunks):
    mode = CipherMode.AES_256_GCM
    header, *sealed = encrypt_chunks([bytes(size)], new_key(mode), mode, chunk_size=64)
    assert len(header) == HEADER_SIZE
    assert [len(chunk) - TAG_SIZE for chunk in sealed] == expected_chunks


@pytest.mark.parametrize("mode", MODES)
def test_same_plaintext_encrypts_differently_each_time(mode):
    key = new_key(mode)
    assert encrypt(b"same", key, mode) != encrypt(b"same", key, mode)


CHUNK = 64
SEALED = CHUNK + TAG_SIZE


def split(blob: bytes) -> tuple[bytes, list[bytes]]:
    """The header and the sealed chunks of a stream written with chunk size CHUNK."""
    body = blob[HEADER_SIZE:]
    return blob[:HEADER_SIZE], [body[i : i + SEALED] for i in range(0, len(body), SEALED)]


def flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def drop_last_chunk(blob: bytes) -> bytes:
    header, chunks = split(blob)
    return header + b"".join(chunks[:-1])


def drop_middle_chunk(blob: bytes) -> bytes:
    header, chunks = split(blob)
    return header + chunks[0] + b"".join(chunks[2:])


def swap_first_two_chunks(blob: bytes) -> bytes:
    header, chunks = split(blob)
    return header + chunks[1] + chunks[0] + b"".join(chunks[2:])


def append_a_copy_of_a_chunk(blob: bytes) -> bytes:
    header, chunks = split(blob)
    return blob + chunks[0]


def append_a_copy_of_the_last_chunk(blob: bytes) -> bytes:
    header, chunks = split(blob)
    return blob + chunks[-1]


def truncate_inside_a_middle_chunk(blob: bytes) -> bytes:
    return blob[: HEADER_SIZE + SEALED + 40]


def truncate_the_last_chunk_by_one_byte(blob: bytes) -> bytes:
    return blob[:-1]


def flip_a_ciphertext_byte(blob: bytes) -> bytes:
    return flip(blob, HEADER_SIZE + SEALED + 5)


def flip_a_tag_byte(blob: bytes) -> bytes:
    return flip(blob, HEADER_SIZE + 2 * SEALED - 1)


def flip_a_byte_of_the_last_chunk(blob: bytes) -> bytes:
    return flip(blob, len(blob) - TAG_SIZE - 1)


def keep_only_the_header(blob: bytes) -> bytes:
    return blob[:HEADER_SIZE]


def cut_inside_the_header(blob: bytes) -> bytes:
    return blob[: HEADER_SIZE - 1]


def nothing_at_all(blob: bytes) -> bytes:
    return b""


TAMPERINGS: list[Callable[[bytes], bytes]] = [
    drop_last_chunk,
    drop_middle_chunk,
    swap_first_two_chunks,
    append_a_copy_of_a_chunk,
    append_a_copy_of_the_last_chunk,
    truncate_inside_a_middle_chunk,
    truncate_the_last_chunk_by_one_byte,
    flip_a_ciphertext_byte,
    flip_a_tag_byte,
    flip_a_byte_of_the_last_chunk,
    keep_only_the_header,
    cut_inside_the_header,
    nothing_at_all,
]

# Three full chunks and a short last one.
PLAINTEXT = os.urandom(3 * CHUNK + 10)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("tamper", TAMPERINGS, ids=lambda tamper: tamper.__name__)
def test_tampering_is_detected(mode, tamper):
    key = new_key(mode)
    blob = encrypt(PLAINTEXT, key, mode, CHUNK)
    assert len(split(blob)[1]) == 4
    with pytest.raises(ObjectCorrupted):
        decrypt(tamper(blob), key, mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("index", range(HEADER_SIZE))
def test_any_flipped_header_byte_is_detected(mode, index):
    key = new_key(mode)
    blob = encrypt(PLAINTEXT, key, mode, CHUNK)
    with pytest.raises(ObjectCorrupted):
        decrypt(flip(blob, index), key, mode)


@pytest.mark.parametrize("mode", MODES)
def test_chunks_spliced_from_another_stream_under_the_same_key_are_detected(mode):
    key = new_key(mode)
    header, _ = split(encrypt(PLAINTEXT, key, mode, CHUNK))
    _, chunks = split(encrypt(PLAINTEXT, key, mode, CHUNK))
    with pytest.raises(ObjectCorrupted):
        decrypt(header + b"".join(chunks), key, mode)


@pytest.mark.parametrize("mode", MODES)
def test_wrong_data_key_fails(mode):
    blob = encrypt(PLAINTEXT, new_key(mode), mode, CHUNK)
    with pytest.raises(ObjectCorrupted):
        decrypt(blob, new_key(mode), mode)


def test_stream_of_one_mode_refuses_to_open_as_the_other():
    blob = encrypt(PLAINTEXT, bytes(32), CipherMode.AES_256_GCM, CHUNK)
    with pytest.raises(ObjectCorrupted, match="sm4-gcm"):
        decrypt(blob, bytes(16), CipherMode.SM4_GCM)


def test_corruption_is_a_storage_error_not_a_cryptography_one():
    assert issubclass(ObjectCorrupted, StorageError)
    assert not issubclass(ObjectCorrupted, InvalidTag)


@pytest.mark.parametrize("mode", MODES)
def test_wrong_key_size_is_refused_before_any_input_is_read(mode):
    def untouchable() -> Iterator[bytes]:
        raise AssertionError("input read")
        yield b""

    with pytest.raises(ValueError, match="byte key"):
        encrypt_chunks(untouchable(), bytes(data_key_size(mode) + 1), mode)
    with pytest.raises(ValueError, match="byte key"):
        decrypt_stream(io.BytesIO(), bytes(data_key_size(mode) - 1), mode)


@pytest.mark.parametrize("chunk_size", [0, -1, 16 * 1024 * 1024 + 1])
def test_impossible_chunk_sizes_are_refused(chunk_size):
    with pytest.raises(ValueError, match="chunk size"):
        encrypt_chunks([b"x"], bytes(32), CipherMode.AES_256_GCM, chunk_size=chunk_size)


def test_fifty_megabytes_stream_through_one_chunk_at_a_time():
    mode = CipherMode.AES_256_GCM
    piece = bytes(64 * 1024)
    total = 50 * 1024 * 1024
    tracemalloc.start()
    try:
        sealed = encrypt_chunks((piece for _ in range(total // len(piece))), new_key(mode), mode)
        sizes = [len(chunk) for chunk in sealed]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert max(sizes) <= DEFAULT_CHUNK_SIZE + TAG_SIZE
    assert sum(sizes) == HEADER_SIZE + total + len(sizes[1:]) * TAG_SIZE
    assert peak < 8 * DEFAULT_CHUNK_SIZE


@settings(max_examples=60, deadline=None, database=None)
@given(
    data=st.binary(max_size=3000),
    chunk_size=st.integers(min_value=1, max_value=700),
    piece_size=st.integers(min_value=1, max_value=1500),
    mode=st.sampled_from(MODES),
)
def test_decrypt_inverts_encrypt(data, chunk_size, piece_size, mode):
    key = new_key(mode)
    sealed = encrypt_chunks(pieces(data, piece_size), key, mode, chunk_size=chunk_size)
    assert decrypt(b"".join(sealed), key, mode) == data
