"""The tiers of a throttled scope: each doubles the attempts over eight times the window."""

from __future__ import annotations

from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from exchange.accounts.throttle import Growth, LimitsThrottle


def test_each_tier_doubles_the_attempts_over_eight_times_the_window():
    tiers = [(item.amount, item.get_expiry()) for item in Growth(5, 60).items()]
    assert tiers == [(5, 60), (10, 480), (20, 3840), (40, 30720)]


def test_a_spent_scope_names_the_wait_and_forgiving_clears_it():
    throttle = LimitsThrottle(MovingWindowRateLimiter(MemoryStorage()), {"s": Growth(2, 60)})
    assert [throttle.spend("s", "k") for _ in range(2)] == [0, 0]
    wait = throttle.spend("s", "k")
    assert 0 < wait <= 60
    assert throttle.wait("s", "k") == wait
    assert throttle.spend("s", "other key") == 0
    throttle.forgive("s", "k")
    assert throttle.wait("s", "k") == 0
