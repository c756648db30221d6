"""Which data format an upload holds: the extension decides, the first bytes must agree."""

from __future__ import annotations

import codecs
import unicodedata
from typing import Any

from exchange.catalog.domain import FileFormat
from exchange.kernel.i18n import N_

HEAD_BYTES = 8192
"""How many leading bytes callers pass to `detect_format`; enough to judge text encodings."""

MAX_FILENAME_LENGTH = 200
ZIP_MAGIC = b"PK\x03\x04"
PARQUET_MAGIC = b"PAR1"
UTF8_BOM = codecs.BOM_UTF8
JSON_WHITESPACE = b" \t\r\n"
TEXT_CONTROLS = frozenset("\t\n\r\f")  # the only control characters a CSV plausibly holds


class IngestError(Exception):
    """An upload that cannot be taken; `message` is an N_ string, `params` fill its placeholders."""

    message = N_("The file cannot be read")

    def __init__(self, message: str | None = None, **params: Any) -> None:
        self.message = message or self.message
        self.params = params
        super().__init__(self.message % params if params else self.message)


class UnsupportedFormat(IngestError):
    """The extension names no format the exchange takes."""

    message = N_("Files of type %(extension)s are not accepted; upload CSV, XLSX, JSON or Parquet")


class ContentMismatch(IngestError):
    """The bytes are not what the extension says."""

    message = N_("The file's content does not match its %(extension)s extension")


class UnsafeFilename(IngestError):
    """The name could reach outside its folder, or hide characters."""

    message = N_("The file name is not acceptable")


class UnreadableFile(IngestError):
    """The format is right but the content cannot be read as a table."""

    message = N_("The file cannot be read")


def safe_filename(name: str) -> str:
    """The name stripped of outer spaces, or UnsafeFilename if it could name a path or hide text."""
    stripped = name.strip()
    if not stripped or set(stripped) == {"."}:
        raise UnsafeFilename(N_("The file has no name"))
    if len(stripped) > MAX_FILENAME_LENGTH:
        raise UnsafeFilename(
            N_("The file name is longer than %(limit)s characters"), limit=MAX_FILENAME_LENGTH
        )
    # A colon names a Windows drive (C:x.csv) or an NTFS stream; slashes and ".." walk paths.
    if any(part in stripped for part in ("/", "\\", "..", ":")):
        raise UnsafeFilename(N_("The file name must not contain a path"))
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in stripped):
        raise UnsafeFilename(N_("The file name contains control characters"))
    return stripped


def extension_format(filename: str) -> FileFormat:
    """The format the file's extension names, or UnsupportedFormat."""
    stem, dot, extension = filename.rpartition(".")
    if not dot or not stem:
        raise UnsupportedFormat(
            N_("The file name has no extension; upload CSV, XLSX, JSON or Parquet")
        )
    try:
        return FileFormat(extension.lower())
    except ValueError:
        raise UnsupportedFormat(extension=extension.lower()) from None


def detect_format(filename: str, head: bytes) -> FileFormat:
    """The file's format, after checking its first bytes agree with its extension."""
    fmt = extension_format(filename)
    if not head:
        raise UnreadableFile(N_("The file is empty"))
    if not _content_agrees(fmt, head):
        raise ContentMismatch(extension=fmt.value)
    return fmt


def _content_agrees(fmt: FileFormat, head: bytes) -> bool:
    if fmt is FileFormat.XLSX:
        return head.startswith(ZIP_MAGIC)
    if fmt is FileFormat.PARQUET:
        return head.startswith(PARQUET_MAGIC)
    if fmt is FileFormat.JSON:
        return looks_like_json(head)
    return (
        not head.startswith((ZIP_MAGIC, PARQUET_MAGIC))
        and not looks_like_json(head)
        and text_encoding(head) is not None
    )


def looks_like_json(head: bytes) -> bool:
    """Whether the first non-blank byte (after a UTF-8 BOM) opens a JSON array or object."""
    body = head.removeprefix(UTF8_BOM).lstrip(JSON_WHITESPACE)
    return body[:1] in (b"[", b"{")


def text_encoding(head: bytes) -> str | None:
    """The codec that reads these leading bytes as text: utf-8-sig, else gb18030, else None.

    UTF-8 is tried first: GB18030 text is almost never valid UTF-8, while plain ASCII is both.
    The head may end inside a multi-byte character, so decoding is incremental and not final.
    """
    if b"\x00" in head:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        if all(char in TEXT_CONTROLS or unicodedata.category(char) != "Cc" for char in text):
            return encoding
        return None
    return None
