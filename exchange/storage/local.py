"""The default object store: encrypted files in a local folder, written atomically."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from exchange.storage import (
    CipherMode,
    InvalidObjectKey,
    ObjectNotFound,
    ObjectTooLarge,
    StoredObject,
    check_object_key,
)
from exchange.storage.ciphers import DEFAULT_CHUNK_SIZE, decrypt_stream, encrypt_chunks


class LocalObjectStore:
    """Each object is one file at root/<key>; temporary files start with "." so no key hits one."""

    def __init__(
        self, root: str | os.PathLike[str], *, chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> None:
        self.root = Path(root)
        self.chunk_size = chunk_size

    def put(
        self,
        key: str,
        chunks: Iterable[bytes],
        data_key: bytes,
        mode: CipherMode,
        *,
        max_bytes: int,
    ) -> StoredObject:
        """Encrypt into a temporary file beside the target, then fsync and rename it into place."""
        path = self._path(key)
        tally = _Tally(max_bytes)
        sealed = encrypt_chunks(tally.count(chunks), data_key, mode, chunk_size=self.chunk_size)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                for piece in sealed:
                    out.write(piece)
                out.flush()
                os.fsync(out.fileno())
                stored_size = out.tell()
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        _fsync_directory(path.parent)
        return StoredObject(key, tally.size, tally.digest.hexdigest(), stored_size)

    def open(self, key: str, data_key: bytes, mode: CipherMode) -> Iterator[bytes]:
        """Yield verified plaintext chunks; ObjectNotFound at once if nothing is stored."""
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(key)
        return self._read(path, key, data_key, mode)

    def open_sealed(self, key: str) -> Iterator[bytes]:
        """Yield the object's bytes as stored, still encrypted; ObjectNotFound at once if none."""
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(key)
        return self._read_sealed(path, key)

    def delete(self, key: str) -> None:
        """Remove the object's file; a missing one is fine."""
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Whether a file is stored under key."""
        return self._path(key).is_file()

    def _read(self, path: Path, key: str, data_key: bytes, mode: CipherMode) -> Iterator[bytes]:
        try:
            source = path.open("rb")
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        with source:
            yield from decrypt_stream(source, data_key, mode)

    def _read_sealed(self, path: Path, key: str) -> Iterator[bytes]:
        try:
            source = path.open("rb")
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        with source:
            while chunk := source.read(DEFAULT_CHUNK_SIZE):
                yield chunk

    def _path(self, key: str) -> Path:
        root = self.root.resolve()
        path = root.joinpath(*check_object_key(key).split("/"))
        # The key's shape already keeps it inside; this also stops a symlink planted in the root.
        if not path.resolve().is_relative_to(root):
            raise InvalidObjectKey(f"object key {key!r} leads outside the store")
        return path


class _Tally:
    """Counts and hashes the plaintext as it streams past, stopping once it passes the limit."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.digest = hashlib.sha256()

    def count(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.size += len(chunk)
            if self.size > self.max_bytes:
                raise ObjectTooLarge(self.max_bytes)
            self.digest.update(chunk)
            yield chunk


def _fsync_directory(folder: Path) -> None:
    """Make the rename itself durable: on POSIX the directory entry needs its own fsync."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
