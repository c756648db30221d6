"""The data API's rate per key, counted by the `limits` strategy Flask-Limiter runs (memory in
one process, Redis across many), so every web process shares one count per key."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem
from limits.errors import StorageError
from limits.strategies import RateLimiter

from exchange.kernel.errors import ExchangeError
from exchange.kernel.i18n import N_

SCOPE = "data-api"


class RateUnavailable(ExchangeError):
    """The counts cannot be read (Redis is down): no call is served uncounted."""

    status = 503
    code = "rate-unavailable"
    title = N_("The data API is briefly unavailable; try again in a minute.")

    def __init__(self) -> None:
        super().__init__()
        self.retry_after = 60


class LimitsRate:
    """A RateLimit (exchange.delivery.data_api) over one `limits` item per key."""

    def __init__(self, strategy: RateLimiter, item: RateLimitItem, *, prefix: str) -> None:
        self._strategy = strategy
        self._item = item
        self._prefix = prefix

    def spend(self, key_digest: str) -> int:
        """Count one call; 0 when it may go ahead, else the seconds until the window frees."""
        try:
            if self._strategy.hit(self._item, self._prefix, SCOPE, key_digest):
                return 0
            reset = self._strategy.get_window_stats(
                self._item, self._prefix, SCOPE, key_digest
            ).reset_time
        except StorageError:
            raise RateUnavailable() from None
        return max(1, math.ceil(reset - time.time()))
