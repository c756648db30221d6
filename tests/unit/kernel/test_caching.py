"""The time-to-live cache behind the catalog's busiest answers."""

from __future__ import annotations

from exchange.kernel.caching import TtlCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def counting():
    calls = []

    def compute():
        calls.append(1)
        return {"n": len(calls)}

    return calls, compute


def test_a_fresh_value_is_computed_once():
    cache = TtlCache(10, clock=Clock())
    calls, compute = counting()
    assert cache.get_or_compute("q", compute) == cache.get_or_compute("q", compute)
    assert len(calls) == 1


def test_a_value_is_computed_again_once_its_time_is_up():
    clock = Clock()
    cache = TtlCache(10, clock=clock)
    calls, compute = counting()
    cache.get_or_compute("q", compute)
    clock.now += 10
    assert cache.get_or_compute("q", compute) == {"n": 2}


def test_zero_seconds_keeps_nothing():
    cache = TtlCache(0, clock=Clock())
    calls, compute = counting()
    cache.get_or_compute("q", compute)
    cache.get_or_compute("q", compute)
    assert len(calls) == 2
    assert cache.get("q") is None


def test_different_keys_are_different_answers():
    cache = TtlCache(10, clock=Clock())
    cache.put("a", 1)
    cache.put("b", 2)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, 2, None)


def test_the_oldest_entry_goes_first_when_full():
    cache = TtlCache(10, max_entries=2, clock=Clock())
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (None, 2, 3)


def test_clear_forgets_everything():
    cache = TtlCache(10, clock=Clock())
    cache.put("a", 1)
    cache.clear()
    assert cache.get("a") is None
