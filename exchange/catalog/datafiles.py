"""Taking in a data file: check its name and content, spool it, profile it, store it encrypted.

The upload is spooled to a private work folder because XLSX and Parquet need random access to
be read; the spooled copy is removed whatever happens, and the encrypted object is removed
again if the product's unit of work does not commit, so a failure leaves no orphan file.
Profiling is bounded by the ingest limits and runs before the caller writes anything, so a
refused file leaves nothing behind and no lock is held while a large file is read. A file past
`inline_max_bytes` gets only the checks its edges allow and is profiled by the worker.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

from exchange.catalog.domain import FileFormat
from exchange.catalog.ingest import (
    IngestError,
    detect_format,
    open_table,
    profile_table,
    safe_filename,
)
from exchange.catalog.ingest.limits import Limits
from exchange.catalog.ingest.profile import StoredProfile
from exchange.catalog.ingest.structure import check_structure
from exchange.kernel.errors import PayloadTooLarge, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.storage import CipherMode, KeyRing, ObjectStore, ObjectTooLarge, new_object_key

READ_SIZE = 1024 * 1024
HEAD_SIZE = 4096


@dataclass(frozen=True)
class DataFiles:
    """The adapters and limits a service needs to take in data files."""

    store: ObjectStore
    keys: KeyRing
    cipher_mode: CipherMode
    max_bytes: int
    work_dir: Path
    sample_rows: int = 20
    limits: Limits = field(default_factory=Limits)
    inline_max_bytes: int = 8 * 1024 * 1024  # larger files are profiled by the worker
    claim_seconds: float = 300.0  # a worker's lease on one file; longer than the time limit
    worker_seconds: float = 240.0  # the worker's time limit on reading one file

    def worker_limits(self) -> Limits:
        """The limits off the request thread: the same, but the worker's own time limit."""
        return replace(self.limits, max_seconds=self.worker_seconds)


@dataclass(frozen=True)
class Upload:
    """A file as the client sent it: its name and a stream of its bytes."""

    filename: str
    stream: IO[bytes]


@dataclass(frozen=True)
class Profiled:
    """An upload spooled and profiled within the limits, not stored yet; a large one's profile
    is None until the worker makes it."""

    file_name: str
    file_format: FileFormat
    path: Path
    profile: StoredProfile | None


@dataclass(frozen=True)
class Ingested:
    """A stored file, ready to become a product version (a processing one without profile)."""

    file_name: str
    file_format: FileFormat
    object_key: str
    size_bytes: int
    sha256: str
    profile: StoredProfile | None


def too_large(max_bytes: int) -> PayloadTooLarge:
    """The refusal of a file past the upload limit, named on the `file` field."""
    message = N_("The file is larger than the %(limit)s MB allowed.")
    # %g keeps a limit under 1 MB readable (0.5, not 0) and a whole one plain (200).
    return PayloadTooLarge(message, errors={"file": [message]}, limit=f"{max_bytes / 2**20:g}")


def _refuse(error: IngestError) -> ValidationFailed:
    return ValidationFailed(
        N_("The file cannot be used."), errors={"file": [error.message]}, **error.params
    )


@contextmanager
def _spooled(files: DataFiles, upload: Upload) -> Iterator[tuple[Path, bytes]]:
    """Copy the upload into a private temporary file, refusing it once past the size limit."""
    files.work_dir.mkdir(parents=True, exist_ok=True)
    # openpyxl opens only names ending in .xlsx: keep the upload's extension.
    suffix = Path(upload.filename).suffix.lower()[:10]
    handle, name = tempfile.mkstemp(prefix=".upload-", suffix=suffix, dir=files.work_dir)
    path = Path(name)
    try:
        size = 0
        head = b""
        with os.fdopen(handle, "wb") as out:
            while chunk := upload.stream.read(READ_SIZE):
                size += len(chunk)
                if size > files.max_bytes:
                    raise too_large(files.max_bytes)
                if len(head) < HEAD_SIZE:
                    head += chunk[: HEAD_SIZE - len(head)]
                out.write(chunk)
        yield path, head
    finally:
        path.unlink(missing_ok=True)


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(READ_SIZE):
            yield chunk


@contextmanager
def profiled(
    files: DataFiles, upload: Upload, *, declared_personal: Collection[str] = ()
) -> Iterator[Profiled]:
    """Check and profile one upload within the limits; the spooled copy lasts for the block.

    A file past `inline_max_bytes` is only checked as far as its edges show (profile None):
    the worker profiles it, so no request thread reads it whole.
    """
    try:
        filename = safe_filename(upload.filename)
    except IngestError as error:
        raise _refuse(error) from error
    with _spooled(files, upload) as (path, head):
        try:
            file_format = detect_format(filename, head)
            profile: StoredProfile | None = None
            if path.stat().st_size > files.inline_max_bytes:
                check_structure(path, file_format, files.limits)
            else:
                with open_table(path, file_format, files.limits) as table:
                    profile = profile_table(
                        table,
                        declared_personal=declared_personal,
                        sample_size=files.sample_rows,
                        seed=filename,
                    ).to_dict()
        except IngestError as error:
            raise _refuse(error) from error
        yield Profiled(filename, file_format, path, profile)


def store(
    files: DataFiles, upload: Profiled, *, product_id: int, wrapped_key: bytes, mode: CipherMode
) -> Ingested:
    """Store a profiled upload encrypted under the product's data key."""
    try:
        stored = files.store.put(
            new_object_key(str(product_id)),
            _chunks(upload.path),
            files.keys.unwrap(wrapped_key, mode),
            mode,
            max_bytes=files.max_bytes,
        )
    except ObjectTooLarge as error:
        raise too_large(files.max_bytes) from error
    return Ingested(
        file_name=upload.file_name,
        file_format=upload.file_format,
        object_key=stored.key,
        size_bytes=stored.size,
        sha256=stored.sha256,
        profile=upload.profile,
    )


def reprofile(
    files: DataFiles,
    *,
    object_key: str,
    file_name: str,
    file_format: FileFormat,
    wrapped_key: bytes,
    mode: CipherMode,
    declared_personal: Collection[str],
) -> StoredProfile:
    """Profile a stored file again, e.g. after the vendor declares another column personal."""
    try:
        return profile_stored(
            files,
            object_key=object_key,
            file_name=file_name,
            file_format=file_format,
            wrapped_key=wrapped_key,
            mode=mode,
            declared_personal=declared_personal,
        )
    except IngestError as error:  # e.g. limits lowered since the file was taken
        raise _refuse(error) from error


def profile_stored(
    files: DataFiles,
    *,
    object_key: str,
    file_name: str,
    file_format: FileFormat,
    wrapped_key: bytes,
    mode: CipherMode,
    declared_personal: Collection[str],
    limits: Limits | None = None,
) -> StoredProfile:
    """Profile a stored file within the limits (the request's unless given); IngestError names
    the limit it passed."""
    files.work_dir.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        prefix=".reprofile-", suffix=f".{file_format.value}", dir=files.work_dir
    )
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in files.store.open(object_key, files.keys.unwrap(wrapped_key, mode), mode):
                out.write(chunk)
        with open_table(path, file_format, limits or files.limits) as table:
            return profile_table(
                table,
                declared_personal=declared_personal,
                sample_size=files.sample_rows,
                seed=file_name,
            ).to_dict()
    finally:
        path.unlink(missing_ok=True)


def discard(files: DataFiles, object_key: str) -> None:
    """Remove a stored object whose product change did not commit."""
    files.store.delete(object_key)
