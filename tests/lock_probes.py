"""Probes for the locks a slow read must not hold: while an upload or a stored file is read, another
connection tries the writes that would wait on them (the ledger, the product's row)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import create_engine, text, update

from contracts.schema import ledger_state
from exchange.catalog.models import DataProduct
from exchange.storage import ObjectStore


class ProbingUpload(io.RawIOBase):
    """An upload that, when the exchange first reads it, tries the writes others need meanwhile:
    appending to the ledger, and counting a view of the product's page."""

    def __init__(self, content: bytes, probe: Callable[[], list[str]]) -> None:
        self.content = io.BytesIO(content)
        self.probe = probe
        self.blocked: list[str] | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.blocked is None:
            self.blocked = self.probe()
        data = self.content.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def blocked_writes(database_url: str, product_id: int | None) -> Callable[[], list[str]]:
    """The writes another connection cannot make within a moment, by name."""

    def probe() -> list[str]:
        sqlite = database_url.startswith("sqlite")
        engine = create_engine(database_url, connect_args={"timeout": 0.5} if sqlite else {})
        writes = {"ledger": update(ledger_state).values(tree_size=ledger_state.c.tree_size)}
        if product_id is not None:
            table = DataProduct.__table__
            writes["product page view"] = (
                update(table)
                .where(table.c.id == product_id)
                .values(view_count=table.c.view_count + 1)
            )
        blocked = []
        try:
            for name, statement in writes.items():
                with engine.connect() as connection:
                    if not sqlite:
                        connection.execute(text("SET lock_timeout = '500ms'"))
                    try:
                        connection.execute(statement)
                    except Exception:  # "database is locked" or PostgreSQL's lock timeout
                        blocked.append(name)
                    connection.rollback()
        finally:
            engine.dispose()
        return blocked

    return probe


class ProbingStore:
    """The real object store, trying the probe's writes when a stored file is opened."""

    def __init__(self, store: ObjectStore, probe: Callable[[], list[str]]) -> None:
        self.store = store
        self.probe = probe
        self.blocked: list[str] | None = None

    def open(self, *args: Any) -> Iterator[bytes]:
        self.blocked = self.probe()
        return self.store.open(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)
