"""The process's short-lived caches, built from config in create_app."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from exchange.services.caching import TtlCache
from exchange.web.page_cache import init_page_cache


def init_caches(app: Flask) -> None:
    """The catalog's answers and anonymous visitors' catalog pages."""
    app.extensions["catalog_cache"] = TtlCache(app.config["CATALOG_CACHE_SECONDS"])
    init_page_cache(app)


def catalog_cache() -> TtlCache[dict[str, Any]]:
    """The current app's cache of catalog answers."""
    cache: TtlCache[dict[str, Any]] = current_app.extensions["catalog_cache"]
    return cache
