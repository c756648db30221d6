"""Basis documents and evidence: checked to be what they claim, hashed, stored encrypted.

A document must be a PDF, PNG or JPEG whose content agrees with its name; when the sender
states its SHA-256, the bytes must have that hash. Every document is checked before any is
stored, and the stored objects are removed again if the unit of work does not commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from exchange.catalog.datafiles import DataFiles
from exchange.catalog.ingest import IngestError, safe_filename
from exchange.catalog.models import DataProduct
from exchange.kernel.errors import PayloadTooLarge, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.rights.models import RightsDocument
from exchange.storage import CipherMode, new_object_key

# Extension → (content type, how the file must begin).
KINDS = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
}
MAX_DOCUMENTS = 10


@dataclass(frozen=True)
class Document:
    """A document as sent: its name, its bytes, and the SHA-256 the sender says it has."""

    filename: str
    stream: IO[bytes]
    claimed_sha256: str | None = None


@dataclass(frozen=True)
class Checked:
    """A document that passed every check, ready to store."""

    file_name: str
    content_type: str
    content: bytes
    sha256: str


def check_documents(documents: Sequence[Document], *, field: str, max_bytes: int) -> list[Checked]:
    """Every document checked, or the refusal naming the first that fails and why."""
    if len(documents) > MAX_DOCUMENTS:
        raise ValidationFailed.on(
            field, N_("Send at most %(count)s documents."), count=MAX_DOCUMENTS
        )
    return [_check(document, field, max_bytes) for document in documents]


def _check(document: Document, field: str, max_bytes: int) -> Checked:
    try:
        name = safe_filename(document.filename)
    except IngestError as error:
        raise ValidationFailed.on(field, error.message, **error.params) from error
    content = document.stream.read(max_bytes + 1)
    if len(content) > max_bytes:
        message = N_("%(name)s is larger than the %(limit)s MB allowed.")
        raise PayloadTooLarge(
            message, errors={field: [message]}, name=name, limit=f"{max_bytes / 2**20:g}"
        )
    kind = KINDS.get(PurePath(name).suffix.lower())
    if kind is None:
        raise ValidationFailed.on(
            field, N_("%(name)s is not a PDF, PNG or JPEG document."), name=name
        )
    content_type, magic = kind
    if not content.startswith(magic):
        raise ValidationFailed.on(
            field,
            N_("%(name)s is not what its name says: its content is not %(kind)s."),
            name=name,
            kind=content_type,
        )
    digest = hashlib.sha256(content).hexdigest()
    claimed = (document.claimed_sha256 or "").strip().lower()
    if claimed and claimed != digest:
        raise ValidationFailed.on(
            field,
            N_(
                "%(name)s does not have the SHA-256 stated for it (%(claimed)s); it has %(actual)s."
            ),
            name=name,
            claimed=claimed,
            actual=digest,
        )
    return Checked(name, content_type, content, digest)


def store_documents(
    files: DataFiles,
    product: DataProduct,
    checked: Sequence[Checked],
    *,
    registration_id: int,
    uploaded_by_id: int,
    objection_id: int | None = None,
) -> list[RightsDocument]:
    """Encrypt each document under the product's data key and describe it as a row."""
    mode = CipherMode(product.cipher_mode)
    data_key = files.keys.unwrap(product.wrapped_key, mode)
    rows = []
    for document in checked:
        stored = files.store.put(
            new_object_key(f"{product.id}/rights"),
            [document.content],
            data_key,
            mode,
            max_bytes=len(document.content),
        )
        rows.append(
            RightsDocument(
                registration_id=registration_id,
                objection_id=objection_id,
                file_name=document.file_name,
                content_type=document.content_type,
                size_bytes=stored.size,
                sha256=stored.sha256,
                object_key=stored.key,
                uploaded_by_id=uploaded_by_id,
            )
        )
    return rows


def discard_documents(files: DataFiles, rows: Sequence[RightsDocument]) -> None:
    """Remove stored documents whose unit of work did not commit."""
    for row in rows:
        files.store.delete(row.object_key)
