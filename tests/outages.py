"""Real database outages in the middle of a request, for the tests of lost connections: on
PostgreSQL another connection terminates the backend serving the request (as a failover or an
administrator would), on SQLite another connection holds the write lock past the app's busy
timeout. Nothing of the exchange is replaced: the fault is the database's own."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from exchange.extensions import db

# What the test apps wait for a lock on SQLite (the exchange waits 5 s), in milliseconds.
SHORT_BUSY_TIMEOUT_MS = 100


def is_sqlite(database_url: str) -> bool:
    return database_url.startswith("sqlite")


def short_busy_timeout(app: Flask) -> None:
    """Make the app's SQLite connections give up on a held lock after a moment, not 5 s."""
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "checkout")
    def _short(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SHORT_BUSY_TIMEOUT_MS}")
        cursor.close()


@contextmanager
def write_lock_held(database_url: str) -> Iterator[sqlite3.Connection]:
    """Another connection holds SQLite's write lock until the block ends."""
    path = make_url(database_url).database
    assert path is not None
    locker = sqlite3.connect(path, isolation_level=None, timeout=5)
    locker.execute("BEGIN IMMEDIATE")
    try:
        yield locker
    finally:
        locker.execute("ROLLBACK")
        locker.close()


def terminate_backend(database_url: str, pid: int) -> None:
    """Terminate a PostgreSQL backend from another connection and wait until it is gone."""
    admin = create_engine(database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            deadline = time.monotonic() + 5
            alive = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
            while connection.execute(alive, {"pid": pid}).scalar() and time.monotonic() < deadline:
                time.sleep(0.01)
    finally:
        admin.dispose()


@contextmanager
def backend_terminated_at(app: Flask, database_url: str, statement: str) -> Iterator[list[str]]:
    """PostgreSQL: the first time the app is about to run a statement starting with this text,
    its connection's backend is terminated, so the statement meets a dead connection."""
    with app.app_context():
        engine = db.engine
    fired: list[str] = []

    def cut(conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if not fired and sql.lstrip().startswith(statement):
            fired.append(sql)
            terminate_backend(database_url, conn.connection.dbapi_connection.info.backend_pid)

    event.listen(engine, "before_cursor_execute", cut)
    try:
        yield fired
    finally:
        event.remove(engine, "before_cursor_execute", cut)
