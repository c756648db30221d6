"""Chunked authenticated encryption (the STREAM construction) so large files never sit in memory.

Layout: a header, then chunks of ciphertext ‖ 16-byte tag. The header is
magic ‖ format version ‖ cipher mode id ‖ chunk size (u32) ‖ 7-byte random nonce prefix, and is
the associated data of every chunk. Chunk i is sealed under nonce prefix ‖ i (u32) ‖ final flag, so
a changed header, a flipped bit, reordered, dropped, truncated or appended chunks all fail to open.
Every chunk but the last holds exactly chunk-size bytes of plaintext; the last holds 0..chunk-size
(0 only for an empty file), so the reader knows the last chunk as the one the file ends with.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from exchange.storage import CipherMode, ObjectCorrupted

MAGIC = b"GSX1"
FORMAT_VERSION = 1
DEFAULT_CHUNK_SIZE = 1024 * 1024
MAX_CHUNK_SIZE = 16 * 1024 * 1024
TAG_SIZE = 16
NONCE_PREFIX_SIZE = 7
_HEADER = struct.Struct(f">4sBBI{NONCE_PREFIX_SIZE}s")
HEADER_SIZE = _HEADER.size
_MAX_CHUNKS = 2**32

_MODE_IDS = {CipherMode.AES_256_GCM: 1, CipherMode.SM4_GCM: 2}
_KEY_SIZES = {CipherMode.AES_256_GCM: 32, CipherMode.SM4_GCM: 16}

# seal(nonce, plaintext, aad) -> ciphertext ‖ tag; open(nonce, ciphertext ‖ tag, aad) -> plaintext
Aead = Callable[[bytes, bytes, bytes], bytes]


def data_key_size(mode: CipherMode) -> int:
    """Bytes of data key the mode needs: 32 for AES-256-GCM, 16 for SM4-GCM."""
    return _KEY_SIZES[mode]


def _sm4_seal(key: bytes) -> Aead:
    def seal(nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(aad)
        body = encryptor.update(plaintext) + encryptor.finalize()
        return body + encryptor.tag

    return seal


def _sm4_open(key: bytes) -> Aead:
    def open_(nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
        if len(sealed) < TAG_SIZE:
            raise InvalidTag
        body, tag = sealed[:-TAG_SIZE], sealed[-TAG_SIZE:]
        decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(aad)
        return decryptor.update(body) + decryptor.finalize()

    return open_


def sealer(key: bytes, mode: CipherMode) -> Aead:
    """The mode's one-shot AEAD encryption: (nonce, plaintext, aad) -> ciphertext ‖ tag."""
    _check_key(key, mode)
    if mode == CipherMode.SM4_GCM:
        return _sm4_seal(key)
    return AESGCM(key).encrypt


def opener(key: bytes, mode: CipherMode) -> Aead:
    """The mode's one-shot AEAD decryption; raises cryptography's InvalidTag, callers translate."""
    _check_key(key, mode)
    if mode == CipherMode.SM4_GCM:
        return _sm4_open(key)
    return AESGCM(key).decrypt


def _check_key(key: bytes, mode: CipherMode) -> None:
    if len(key) != _KEY_SIZES[mode]:
        raise ValueError(f"{mode} needs a {_KEY_SIZES[mode]}-byte key, not {len(key)} bytes")


def _chunk_nonce(prefix: bytes, index: int, final: bool) -> bytes:
    if index >= _MAX_CHUNKS:
        raise ValueError("too many chunks for one object; use a larger chunk size")
    return prefix + struct.pack(">IB", index, 1 if final else 0)


def encrypt_chunks(
    chunks: Iterable[bytes],
    key: bytes,
    mode: CipherMode,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[bytes]:
    """Yield the header, then one sealed chunk per chunk_size of plaintext, holding one at most.

    A wrong key size or chunk size raises ValueError here, before any input is read.
    """
    if not 0 < chunk_size <= MAX_CHUNK_SIZE:
        raise ValueError(f"chunk size must be 1..{MAX_CHUNK_SIZE} bytes")
    return _encrypt(chunks, sealer(key, mode), mode, chunk_size)


def _encrypt(
    chunks: Iterable[bytes], seal: Aead, mode: CipherMode, chunk_size: int
) -> Iterator[bytes]:
    prefix = os.urandom(NONCE_PREFIX_SIZE)
    header = _HEADER.pack(MAGIC, FORMAT_VERSION, _MODE_IDS[mode], chunk_size, prefix)
    yield header
    pending = bytearray()
    index = 0
    for piece in chunks:
        pending += piece
        # Strictly greater: a full chunk waits until we know whether it is the last one.
        while len(pending) > chunk_size:
            yield seal(_chunk_nonce(prefix, index, False), bytes(pending[:chunk_size]), header)
            del pending[:chunk_size]
            index += 1
    yield seal(_chunk_nonce(prefix, index, True), bytes(pending), header)


def decrypt_stream(source: BinaryIO, key: bytes, mode: CipherMode) -> Iterator[bytes]:
    """Yield plaintext chunks of an encrypted stream, each authenticated before it is yielded.

    A fault later in the stream raises ObjectCorrupted mid-iteration, so a consumer that has
    already passed earlier chunks on must treat the whole transfer as void. A wrong key size
    raises ValueError here, before anything is read.
    """
    return _decrypt(source, opener(key, mode), mode)


def _decrypt(source: BinaryIO, open_: Aead, mode: CipherMode) -> Iterator[bytes]:
    header = _read_exactly(source, HEADER_SIZE)
    if len(header) < HEADER_SIZE:
        raise ObjectCorrupted("stored object is shorter than its header")
    magic, version, mode_id, chunk_size, prefix = _HEADER.unpack(header)
    if magic != MAGIC or version != FORMAT_VERSION:
        raise ObjectCorrupted("stored object has an unknown format")
    if mode_id != _MODE_IDS[mode]:
        raise ObjectCorrupted(f"stored object is not encrypted with {mode}")
    if not 0 < chunk_size <= MAX_CHUNK_SIZE:
        raise ObjectCorrupted("stored object has an impossible chunk size")
    sealed_size = chunk_size + TAG_SIZE
    current = _read_exactly(source, sealed_size)
    index = 0
    while True:
        following = _read_exactly(source, sealed_size)
        final = not following
        try:
            plaintext = open_(_chunk_nonce(prefix, index, final), current, header)
        except InvalidTag:
            raise ObjectCorrupted(f"chunk {index} of the stored object failed to verify") from None
        yield plaintext
        if final:
            return
        current = following
        index += 1


def _read_exactly(source: BinaryIO, size: int) -> bytes:
    """Read size bytes, fewer only at end of stream (raw files and pipes may return short)."""
    data = source.read(size)
    if len(data) == size or not data:
        return data
    parts = [data]
    missing = size - len(data)
    while missing:
        more = source.read(missing)
        if not more:
            break
        parts.append(more)
        missing -= len(more)
    return b"".join(parts)
