"""Content-Disposition for downloads: any file name, sent as an ASCII header (RFC 6266)."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

_UNSAFE = re.compile(r'[^\x20-\x7e]|["\\;]')
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def ascii_fallback(name: str, default: str = "download") -> str:
    """The name as plain ASCII for clients that ignore `filename*`, keeping its extension."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    cleaned = _UNSAFE.sub("_", folded).strip()
    stem, dot, extension = cleaned.rpartition(".")
    if not dot:
        stem, extension = cleaned, ""
    if not stem.strip("._ "):
        return default + (f".{extension}" if extension.strip() else "")
    return cleaned


def content_disposition(name: str) -> str:
    """`attachment`, an ASCII `filename`, and the UTF-8 `filename*` when ASCII loses anything."""
    name = name.replace("/", "_").replace("\\", "_") or "download"
    fallback = ascii_fallback(name)
    quoted = fallback if _TOKEN.fullmatch(fallback) else f'"{fallback}"'
    header = f"attachment; filename={quoted}"
    if fallback != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header
