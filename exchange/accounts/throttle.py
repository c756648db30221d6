"""Growing delays for guessable actions, counted by the `limits` strategy Flask-Limiter runs.

Each scope has tiers: N attempts per window, then 2N per 8 windows, 4N per 64 windows, and so
on, so every doubling of attempts multiplies the wait by eight. Each tier is one moving-window
limit whose hit is atomic in the limiter's storage (a lock in memory, a Lua script in Redis), so
concurrent attempts cannot slip past a tier.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.errors import StorageError
from limits.strategies import RateLimiter

from exchange.kernel.errors import ExchangeError, TooManyAttempts
from exchange.kernel.i18n import N_

SIGN_IN = "sign-in"  # one account from one address
SIGN_IN_ACCOUNT = "sign-in-account"  # one account from any address not known to it
SIGN_IN_ADDRESS = "sign-in-address"  # failures from one address, whatever the account
PASSWORD_CHECK = "password-check"  # the current password asked before changing it
REGISTRATION = "registration"  # registrations from one address
KNOWN_EMAIL = "known-email"  # answers that an email is taken, per administrator adding members

WAIT_MESSAGE = N_("Too many attempts; try again in %(seconds)s seconds.")


class ThrottleUnavailable(ExchangeError):
    """The counts cannot be read (Redis is down): nothing guessable proceeds uncounted."""

    status = 503
    code = "throttle-unavailable"
    title = N_("Signing in is briefly unavailable; try again in a minute.")

    def __init__(self) -> None:
        super().__init__()
        self.retry_after = 60


@dataclass(frozen=True)
class Growth:
    """The first tier of a scope and how many tiers follow it."""

    attempts: int
    window_seconds: int
    tiers: int = 4
    factor: int = 8

    def items(self) -> tuple[RateLimitItem, ...]:
        """The limits of each tier: twice the attempts over `factor` times the window."""
        return tuple(
            RateLimitItemPerSecond(self.attempts * 2**step, self.window_seconds * self.factor**step)
            for step in range(self.tiers)
        )


class Throttle(Protocol):
    """Counts attempts per scope and key, and says how long to wait once they run out."""

    def spend(self, scope: str, key: str) -> int:
        """Count one attempt; 0 when it may go ahead, else the seconds to wait."""

    def wait(self, scope: str, key: str) -> int:
        """Seconds to wait before the next attempt, counting none; 0 when it may go ahead."""

    def forgive(self, scope: str, key: str) -> None:
        """Forget the attempts counted, after one that proved who is asking."""


class LimitsThrottle:
    """A Throttle over a `limits` strategy and its storage (memory or Redis)."""

    def __init__(
        self, strategy: RateLimiter, growth: Mapping[str, Growth], *, prefix: str = "ganshu"
    ) -> None:
        self._strategy = strategy
        self._items = {scope: rule.items() for scope, rule in growth.items()}
        self._prefix = prefix

    def _until(self, item: RateLimitItem, scope: str, key: str) -> int:
        reset = self._strategy.get_window_stats(item, self._prefix, scope, key).reset_time
        return max(1, math.ceil(reset - time.time()))

    def spend(self, scope: str, key: str) -> int:
        try:
            for item in self._items[scope]:
                if not self._strategy.hit(item, self._prefix, scope, key):
                    return self.wait(scope, key)
        except StorageError:
            raise ThrottleUnavailable() from None
        return 0

    def wait(self, scope: str, key: str) -> int:
        try:
            full = [
                item
                for item in self._items[scope]
                if not self._strategy.test(item, self._prefix, scope, key)
            ]
            return max((self._until(item, scope, key) for item in full), default=0)
        except StorageError:
            raise ThrottleUnavailable() from None

    def forgive(self, scope: str, key: str) -> None:
        try:
            for item in self._items[scope]:
                self._strategy.clear(item, self._prefix, scope, key)
        except StorageError:
            raise ThrottleUnavailable() from None


def refuse_if_waiting(waits: Sequence[int]) -> None:
    """Raise a 429 carrying the longest wait when any check says to wait."""
    longest = max(waits, default=0)
    if longest:
        raise TooManyAttempts(WAIT_MESSAGE, retry_after=longest, seconds=longest)
