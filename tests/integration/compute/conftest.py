"""A real encrypted store holding uploads, and checked queries written by hand for the sandbox."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from exchange.compute.domain import (
    GROUP_SIZE,
    Aggregate,
    CheckedQuery,
    ColumnRule,
    ColumnUse,
    ComputePolicy,
    OutputColumn,
    OutputRole,
)
from exchange.compute.sandbox import Sandbox
from exchange.storage import CipherMode, LocalObjectStore
from exchange.storage.ciphers import data_key_size

FIELDS = [
    {"name": "city", "type": "string"},
    {"name": "amount", "type": "decimal"},
    {"name": "visits", "type": "integer"},
    {"name": "secret", "type": "string"},
]
POLICY = ComputePolicy(
    columns=(
        ColumnRule("city", ColumnUse.GROUP),
        ColumnRule("amount", ColumnUse.AGGREGATE),
        ColumnRule("visits", ColumnUse.AGGREGATE),
    ),
    min_group_size=2,
    max_rows=100,
)


@dataclass(frozen=True)
class Upload:
    """A file put in the store under a fresh data key, as the catalog stores a version."""

    store: LocalObjectStore
    key: str
    data_key: bytes
    mode: CipherMode

    def sealed(self) -> Iterator[bytes]:
        return self.store.open_sealed(self.key)


@pytest.fixture
def store(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "objects", chunk_size=4096)


@pytest.fixture
def upload(store: LocalObjectStore):
    def put(content: bytes, mode: CipherMode = CipherMode.AES_256_GCM) -> Upload:
        key = f"products/p1/{os.urandom(8).hex()}"
        data_key = os.urandom(data_key_size(mode))
        store.put(key, [content], data_key, mode, max_bytes=len(content) + 1)
        return Upload(store, key, data_key, mode)

    return put


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """One per module, a spare child always started ahead, as the app keeps it."""
    sandbox = Sandbox(spare=True)
    yield sandbox
    sandbox.close()


def checked(sql: str, outputs: Sequence[tuple[str, Aggregate | None]] = ()) -> CheckedQuery:
    """A checked query as the checker would give it; the SQL is run exactly as written."""
    columns = tuple(
        OutputColumn(name, OutputRole.AGGREGATE if aggregate else OutputRole.KEY, aggregate)
        for name, aggregate in outputs
    )
    return CheckedQuery(text=sql, sql=sql, outputs=columns, hidden=(GROUP_SIZE,), group_by=())


def hostile(sql: str) -> CheckedQuery:
    """SQL that never passed the checker, straight to the sandbox."""
    return checked(sql, [("n", Aggregate.COUNT)])


CITY_SQL = (
    f"SELECT city, COUNT(*) AS n, SUM(amount) AS total, SUM(visits) AS visits,"
    f" COUNT(*) AS {GROUP_SIZE} FROM data GROUP BY city ORDER BY city"
)
CITY_OUTPUTS = [
    ("city", None),
    ("n", Aggregate.COUNT),
    ("total", Aggregate.SUM),
    ("visits", Aggregate.SUM),
]
