"""Buyers' copies read as columns, kept per process so the data API does not decrypt, mark and
parse a file on every call; least recently used copies go first once the byte budget is full."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CopyTable:
    """A buyer's copy as its column names and columns, and the bytes it was read from."""

    names: tuple[str, ...]
    columns: list[list[Any]]
    size: int


class CopyCache:
    """An LRU of copies within `max_bytes` of source files; a copy larger than that is read
    on each call and never kept."""

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._copies: OrderedDict[Hashable, CopyTable] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], CopyTable]) -> CopyTable:
        """The copy under key, loaded (outside the lock) when it is not kept."""
        with self._lock:
            found = self._copies.get(key)
            if found is not None:
                self._copies.move_to_end(key)
                return found
        table = load()
        if table.size <= self._max_bytes:
            with self._lock:
                if key not in self._copies:
                    self._copies[key] = table
                    self._bytes += table.size
                while self._bytes > self._max_bytes:
                    _, dropped = self._copies.popitem(last=False)
                    self._bytes -= dropped.size
        return table

    def clear(self) -> None:
        """Forget every copy."""
        with self._lock:
            self._copies.clear()
            self._bytes = 0
