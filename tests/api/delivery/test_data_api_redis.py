"""The data API's rate per key is one count across processes when Flask-Limiter's storage is
Redis, as in production; with its storage down, no call is served uncounted."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from tests.api.delivery.test_data_api_rows import call, keyed, metered, problem_type
from tests.components import REDIS_URL


def test_two_processes_sharing_redis_share_one_keys_rate(
    configured_app: Callable[..., Flask], redis_prefix: str, tmp_path: Path
) -> None:
    shared = {
        # One object store and one set of secrets, as processes of one deployment share them.
        "INSTANCE_PATH": str(tmp_path / "shared"),
        "MASTER_KEY": secrets.token_urlsafe(32),
        "SECRET_KEY": secrets.token_urlsafe(32),
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": redis_prefix,
        "DATA_API_RATE_LIMIT": "3/minute",
    }
    first, second = configured_app(**shared), configured_app(**shared)
    bought = keyed(first, first.test_client())
    for app in (first, second, first):
        assert call(app.test_client(), bought.key, bought.product_id, limit=1).status_code == 200
    refused = call(second.test_client(), bought.key, bought.product_id, limit=1)
    assert problem_type(refused, 429) == "rate-limited"
    assert metered(first, bought.entitlement_id) == (3, [1, 1, 1])


def test_with_the_rate_storage_down_a_call_is_a_503_and_nothing_is_served(
    configured_app: Callable[..., Flask],
) -> None:
    app = configured_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")  # nothing listens there
    client = app.test_client()
    bought = keyed(app, client)
    refused = call(client, bought.key, bought.product_id, limit=1)
    assert problem_type(refused, 503) == "rate-unavailable"
    assert refused.headers["Retry-After"] == "60"
    assert metered(app, bought.entitlement_id) == (0, [])
