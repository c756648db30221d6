"""The process's short-lived caches, built from config in create_app."""

from __future__ import annotations

from flask import Flask, current_app

from exchange.catalog.browse import CatalogPage
from exchange.kernel.caching import TtlCache


def init_caches(app: Flask) -> None:
    """The catalog's answers, shared by pages and API (the web keeps its own page cache)."""
    app.extensions["catalog_cache"] = TtlCache(app.config["CATALOG_CACHE_SECONDS"])


def catalog_cache() -> TtlCache[CatalogPage]:
    """The current app's cache of catalog answers."""
    cache: TtlCache[CatalogPage] = current_app.extensions["catalog_cache"]
    return cache
