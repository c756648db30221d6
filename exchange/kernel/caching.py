"""A small time-to-live cache for answers many visitors ask for and that may be seconds old."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    """Keeps each computed value for `seconds`; 0 seconds keeps nothing (computes every time).

    Per process and thread-safe. Values are shared between callers, so they must be treated
    as read-only. The oldest entries go first once `max_entries` is reached.
    """

    def __init__(
        self,
        seconds: float,
        *,
        max_entries: int = 512,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        """The value stored under key if it is still fresh."""
        if self.seconds <= 0:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                del self._entries[key]
                return None
            return entry[1]

    def put(self, key: Hashable, value: V) -> None:
        """Keep the value for the cache's time to live."""
        if self.seconds <= 0:
            return
        with self._lock:
            self._entries.pop(key, None)
            while len(self._entries) >= self.max_entries:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = (self._clock() + self.seconds, value)

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The fresh value under key, or compute it (outside the lock) and keep it."""
        value = self.get(key)
        if value is None:
            value = compute()
            self.put(key, value)
        return value

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
