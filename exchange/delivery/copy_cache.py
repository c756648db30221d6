"""Buyers' copies read as columns, kept per process so the data API does not decrypt, mark and
parse a file on every call; least recently used copies go first once the byte budget is full.
A kept copy also keeps each column as the JSON cells pages are written from, once asked for."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from exchange.catalog.domain import FieldType
from exchange.delivery.rows import json_column


@dataclass(frozen=True)
class CopyTable:
    """A buyer's copy as its column names and columns, and the bytes it was read from."""

    names: tuple[str, ...]
    columns: list[list[Any]]
    size: int
    _served: dict[tuple[int, FieldType], list[Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def served(self, index: int, field_type: FieldType) -> list[Any]:
        """A column as JSON cells of a declared type, written on its first page and then kept
        (a type the vendor declares anew is written anew)."""
        key = (index, field_type)
        found = self._served.get(key)
        if found is None:  # two threads may both write it; either result is the same
            found = self._served[key] = json_column(self.columns[index], field_type)
        return found


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
        if self.keeps(table):
            with self._lock:
                if key not in self._copies:
                    self._copies[key] = table
                    self._bytes += table.size
                while self._bytes > self._max_bytes:
                    _, dropped = self._copies.popitem(last=False)
                    self._bytes -= dropped.size
        return table

    def keeps(self, table: CopyTable) -> bool:
        """Whether a copy this large is kept, so work done on it (its JSON cells) is kept too."""
        return table.size <= self._max_bytes

    def clear(self) -> None:
        """Forget every copy."""
        with self._lock:
            self._copies.clear()
            self._bytes = 0
