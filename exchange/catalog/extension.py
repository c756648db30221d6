"""The catalog's data-file adapters and its cache of answers, built from config in create_app
and kept in app.extensions."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from exchange.catalog.browse import CatalogPage
from exchange.catalog.datafiles import DataFiles
from exchange.catalog.ingest.limits import Limits
from exchange.config import ConfigurationError
from exchange.kernel.caching import TtlCache
from exchange.storage import CipherMode, KeyRing, LocalObjectStore


def init_files(app: Flask) -> None:
    """Build the encrypted object store, the key ring and the upload limits."""
    config = app.config
    try:
        mode = CipherMode(config["CIPHER_MODE"])
    except ValueError as error:
        choices = ", ".join(m.value for m in CipherMode)
        raise ConfigurationError(f"EXCHANGE_CIPHER_MODE must be one of {choices}") from error
    instance = Path(app.instance_path)
    root = Path(config["OBJECT_STORE_PATH"] or instance / "objects")
    app.extensions["data_files"] = DataFiles(
        store=LocalObjectStore(root),
        keys=KeyRing(config["MASTER_KEY"]),
        cipher_mode=mode,
        max_bytes=int(config["UPLOAD_MAX_BYTES"]),
        work_dir=instance / "uploads",
        sample_rows=int(config["SAMPLE_ROWS"]),
        limits=upload_limits(config),
        inline_max_bytes=int(config["UPLOAD_INLINE_MAX_BYTES"]),
        claim_seconds=float(config["UPLOAD_CLAIM_SECONDS"]),
        worker_seconds=float(config["UPLOAD_WORKER_MAX_SECONDS"]),
    )


def upload_limits(config: Mapping[str, Any]) -> Limits:
    """What reading one uploaded file may cost, from the UPLOAD_MAX_* settings."""
    return Limits(
        max_rows=int(config["UPLOAD_MAX_ROWS"]),
        max_columns=int(config["UPLOAD_MAX_COLUMNS"]),
        max_cell_chars=int(config["UPLOAD_MAX_CELL_CHARS"]),
        max_row_chars=int(config["UPLOAD_MAX_ROW_CHARS"]),
        max_decompressed_bytes=int(config["UPLOAD_MAX_DECOMPRESSED_BYTES"]),
        max_compression_ratio=float(config["UPLOAD_MAX_COMPRESSION_RATIO"]),
        max_seconds=float(config["UPLOAD_MAX_SECONDS"]),
    )


def data_files() -> DataFiles:
    """The current app's data-file adapters."""
    files: DataFiles = current_app.extensions["data_files"]
    return files


def init_caches(app: Flask) -> None:
    """The catalog's answers, shared by pages and API (the web keeps its own page cache)."""
    app.extensions["catalog_cache"] = TtlCache(app.config["CATALOG_CACHE_SECONDS"])


def catalog_cache() -> TtlCache[CatalogPage]:
    """The current app's cache of catalog answers."""
    cache: TtlCache[CatalogPage] = current_app.extensions["catalog_cache"]
    return cache
