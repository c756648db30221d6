"""The encrypted object store: vendors' data files, encrypted at rest under per-product keys."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class CipherMode(StrEnum):
    """How a product's file is encrypted at rest: AES-256-GCM, or SM4-GCM (national crypto)."""

    AES_256_GCM = "aes-256-gcm"
    SM4_GCM = "sm4-gcm"


class StorageError(Exception):
    """Root of every error the object store raises; services map these to exchange errors."""


class ObjectCorrupted(StorageError):
    """A stored object failed authentication: wrong key, damaged, truncated or reordered."""


class KeyUnwrapFailed(StorageError):
    """A wrapped data key did not open: wrong master key, wrong cipher mode, or tampered blob."""


class ObjectNotFound(StorageError):
    """No object is stored under the key."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"no stored object {key!r}")


class ObjectTooLarge(StorageError):
    """The plaintext ran past the size limit; nothing was stored."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        super().__init__(f"object larger than {max_bytes} bytes")


class InvalidObjectKey(StorageError, ValueError):
    """An object key outside the safe shape, which could otherwise escape the store's root."""


@dataclass(frozen=True)
class StoredObject:
    """What a put wrote: plaintext size and SHA-256 for the catalog, bytes used on disk."""

    key: str
    size: int
    sha256: str
    stored_size: int


class ObjectStore(Protocol):
    """Where encrypted data files live; the local folder now, an object service later."""

    def put(
        self,
        key: str,
        chunks: Iterable[bytes],
        data_key: bytes,
        mode: CipherMode,
        *,
        max_bytes: int,
    ) -> StoredObject:
        """Encrypt the plaintext chunks as they stream in and store them atomically under key."""
        ...

    def open(self, key: str, data_key: bytes, mode: CipherMode) -> Iterator[bytes]:
        """Yield the plaintext chunk by chunk, each verified before it is yielded."""
        ...

    def open_sealed(self, key: str) -> Iterator[bytes]:
        """Yield the object as stored, still encrypted, for a process that holds the key."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; a missing object is not an error."""
        ...

    def exists(self, key: str) -> bool:
        """Whether an object is stored under key."""
        ...


_SEGMENT = re.compile(r"[a-z0-9][a-z0-9_.-]*")
MAX_KEY_LENGTH = 512


def check_object_key(key: str) -> str:
    """Return key if it is safe as a relative path everywhere, else raise InvalidObjectKey."""
    segments = key.split("/")
    if (
        not key
        or len(key) > MAX_KEY_LENGTH
        or ".." in key
        or not all(_SEGMENT.fullmatch(segment) for segment in segments)
    ):
        raise InvalidObjectKey(f"invalid object key {key!r}")
    return key


def new_object_key(prefix: str) -> str:
    """A fresh, unguessable key for a product's file: products/<prefix>/<uuid4 hex>."""
    return check_object_key(f"products/{prefix}/{uuid.uuid4().hex}")


# Imported last: the submodules raise the errors defined above.
from exchange.storage.ciphers import (  # noqa: E402
    DEFAULT_CHUNK_SIZE,
    data_key_size,
    decrypt_stream,
    encrypt_chunks,
)
from exchange.storage.keys import KeyRing  # noqa: E402
from exchange.storage.local import LocalObjectStore  # noqa: E402

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "InvalidObjectKey",
    "KeyRing",
    "KeyUnwrapFailed",
    "LocalObjectStore",
    "ObjectCorrupted",
    "ObjectNotFound",
    "ObjectStore",
    "ObjectTooLarge",
    "StorageError",
    "StoredObject",
    "check_object_key",
    "data_key_size",
    "decrypt_stream",
    "encrypt_chunks",
    "new_object_key",
]
