"""Uploaded data files: check the format, read the rows, profile them and mask a sample.

Free of Flask and the database: services pass a path in and store the profile's plain data.
"""

from __future__ import annotations

from exchange.catalog.ingest.formats import (
    ContentMismatch,
    IngestError,
    UnreadableFile,
    UnsafeFilename,
    UnsupportedFormat,
    detect_format,
    safe_filename,
)
from exchange.catalog.ingest.profile import ColumnProfile, Profile, profile_table
from exchange.catalog.ingest.readers import Table, open_table

__all__ = [
    "ColumnProfile",
    "ContentMismatch",
    "IngestError",
    "Profile",
    "Table",
    "UnreadableFile",
    "UnsafeFilename",
    "UnsupportedFormat",
    "detect_format",
    "open_table",
    "profile_table",
    "safe_filename",
]
