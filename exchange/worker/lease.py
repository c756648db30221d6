"""Leases that let any number of worker processes run while exactly one leads each singleton."""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from datetime import timedelta
from typing import Protocol

from sqlalchemy import Connection, Engine, create_engine, delete, or_, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from exchange.kernel.models import utcnow
from exchange.worker.models import WorkerLease

# How a leader's lock connection names itself in pg_stat_activity: the prefix, then the
# singleton's name and the holder.
LEADER_PREFIX = "exchange leader: "


class Lease(Protocol):
    """Leadership of one named singleton: hold() takes or keeps it, release() hands it over."""

    name: str

    def hold(self) -> bool: ...

    def release(self) -> None: ...


def new_holder() -> str:
    """This process's name on a lease row: host, pid and a nonce (a pid can be reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def advisory_key(name: str) -> int:
    """The signed 64-bit key every process derives alike for pg_try_advisory_lock."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class AdvisoryLease:
    """PostgreSQL: a session advisory lock on a connection of its own (no pool), so the server
    frees it the moment that connection or its process dies and another worker takes over. The
    connection's application_name names the holder, so pg_stat_activity shows who leads."""

    def __init__(self, engine: Engine, name: str, holder: str) -> None:
        self.name = name
        self._key = advisory_key(name)
        self._engine = create_engine(
            engine.url,
            poolclass=NullPool,
            connect_args={"application_name": f"{LEADER_PREFIX}{name} {holder}"[:63]},
        )
        self._connection: Connection | None = None

    def hold(self) -> bool:
        """True while this process holds the lock: kept while its connection answers, else
        tried again on a fresh connection (never waiting for it)."""
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT 1"))
                return True
            except DBAPIError:
                self.release()  # the session, and the lock with it, is gone
        connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            ).scalar_one()
        except BaseException:
            connection.close()
            raise
        if taken:
            self._connection = connection
        else:
            connection.close()
        return bool(taken)

    def release(self) -> None:
        """Close the lock's connection: the server unlocks with the session."""
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except DBAPIError:
                pass  # already dead: the lock went with it


class RowLease:
    """SQLite (no advisory locks): a row naming the holder until expires_at, renewed each time
    the holder runs; a killed holder's row lapses after `seconds` and another worker takes it."""

    def __init__(self, engine: Engine, name: str, holder: str, seconds: float) -> None:
        self.name = name
        self._engine = engine
        self._holder = holder
        self._seconds = seconds

    def hold(self) -> bool:
        """Renew our row, or take one that lapsed or does not exist, in one transaction."""
        now = utcnow()
        until = now + timedelta(seconds=self._seconds)
        with self._engine.begin() as connection:
            renewed = connection.execute(
                update(WorkerLease)
                .where(
                    WorkerLease.name == self.name,
                    or_(WorkerLease.holder == self._holder, WorkerLease.expires_at < now),
                )
                .values(holder=self._holder, expires_at=until)
            ).rowcount
            if renewed:
                return True
            dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
            taken = connection.execute(
                dialect.insert(WorkerLease)
                .values(name=self.name, holder=self._holder, expires_at=until)
                .on_conflict_do_nothing(index_elements=["name"])
            ).rowcount
        return taken == 1

    def release(self) -> None:
        """Delete our row, so a clean stop hands over at once instead of after the lease."""
        with self._engine.begin() as connection:
            connection.execute(
                delete(WorkerLease).where(
                    WorkerLease.name == self.name, WorkerLease.holder == self._holder
                )
            )


def lease_for(engine: Engine, name: str, *, holder: str, seconds: float) -> Lease:
    """The lease the database offers: an advisory lock on PostgreSQL, a lease row elsewhere."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLease(engine, name, holder)
    return RowLease(engine, name, holder, seconds)
