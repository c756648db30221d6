"""The data API's adapters: the per-process cache of buyers' copies and the per-key rate,
built from config in create_app and kept in app.extensions."""

from __future__ import annotations

from flask import Flask, current_app
from limits import parse

from exchange.delivery.copy_cache import CopyCache
from exchange.delivery.rate import LimitsRate


def init_delivery(app: Flask) -> None:
    """Build the cache of buyers' copies; the rate is read from config on each call."""
    parse(app.config["DATA_API_RATE_LIMIT"])  # refuse a malformed rate at start-up
    app.extensions["data_api_copies"] = CopyCache(int(app.config["DATA_API_CACHE_BYTES"]))


def copy_cache() -> CopyCache:
    """The current app's cache of buyers' copies."""
    cache: CopyCache = current_app.extensions["data_api_copies"]
    return cache


def call_rate() -> LimitsRate:
    """The data API's per-key rate over the app's Flask-Limiter strategy and storage."""
    config = current_app.config
    return LimitsRate(
        current_app.extensions["throttle_strategy"],
        parse(config["DATA_API_RATE_LIMIT"]),
        prefix=config["RATELIMIT_KEY_PREFIX"],
    )
