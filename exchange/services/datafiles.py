"""Taking in a data file: check its name and content, spool it, profile it, store it encrypted.

The upload is spooled to a private work folder because XLSX and Parquet need random access to
be read; the spooled copy is removed whatever happens, and the encrypted object is removed
again if the product's unit of work does not commit, so a failure leaves no orphan file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from exchange.domain.catalog import CipherMode, FileFormat
from exchange.domain.errors import PayloadTooLarge, ValidationFailed
from exchange.domain.i18n import N_
from exchange.ingest import IngestError, detect_format, open_table, profile_table, safe_filename
from exchange.storage import KeyRing, ObjectStore, ObjectTooLarge, new_object_key

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


@dataclass(frozen=True)
class Upload:
    """A file as the client sent it: its name and a stream of its bytes."""

    filename: str
    stream: IO[bytes]


@dataclass(frozen=True)
class Ingested:
    """A stored, profiled file, ready to become a product version."""

    file_name: str
    file_format: FileFormat
    object_key: str
    size_bytes: int
    sha256: str
    profile: dict[str, Any]


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


def ingest(
    files: DataFiles,
    upload: Upload,
    *,
    product_id: int,
    wrapped_key: bytes,
    mode: CipherMode,
    declared_personal: Collection[str] = (),
) -> Ingested:
    """Check, profile and store one uploaded file under the product's data key."""
    try:
        filename = safe_filename(upload.filename)
    except IngestError as error:
        raise _refuse(error) from error
    with _spooled(files, upload) as (path, head):
        try:
            file_format = detect_format(filename, head)
            with open_table(path, file_format) as table:
                profile = profile_table(
                    table,
                    declared_personal=declared_personal,
                    sample_size=files.sample_rows,
                    seed=filename,
                )
        except IngestError as error:
            raise _refuse(error) from error
        key = new_object_key(str(product_id))
        try:
            stored = files.store.put(
                key,
                _chunks(path),
                files.keys.unwrap(wrapped_key, mode),
                mode,
                max_bytes=files.max_bytes,
            )
        except ObjectTooLarge as error:
            raise too_large(files.max_bytes) from error
    return Ingested(
        file_name=filename,
        file_format=file_format,
        object_key=stored.key,
        size_bytes=stored.size,
        sha256=stored.sha256,
        profile=profile.to_dict(),
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
) -> dict[str, Any]:
    """Profile a stored file again, e.g. after the vendor declares another column personal."""
    files.work_dir.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        prefix=".reprofile-", suffix=f".{file_format.value}", dir=files.work_dir
    )
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in files.store.open(object_key, files.keys.unwrap(wrapped_key, mode), mode):
                out.write(chunk)
        with open_table(path, file_format) as table:
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
