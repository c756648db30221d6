"""Migrated databases for tests, made cheaply: SQLite always, PostgreSQL when configured.

Each backend is migrated once per test process (per xdist worker). SQLite then hands every test
a copy of that template file. PostgreSQL keeps one database per worker and, after each test,
empties only the tables the test wrote, restores the rows the migrations seeded and restarts
every sequence: the state a test starts from is the migrated schema with its seed, as before.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, MetaData, Table, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from exchange.catalog.search_index import is_search_index
from exchange.config import database_url

BACKENDS = ("sqlite", "postgresql")

Seed = dict[str, list[dict[str, Any]]]


def postgres_server_url() -> str | None:
    """The PostgreSQL URL the suite may use, if one is configured."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    return url if url.startswith(("postgresql", "postgres://")) else None


def create_postgres_database(server_url: str, name: str) -> str:
    """Create (or recreate) a database for this test session and return its URL."""
    url = make_url(database_url(server_url, Path(".")))
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # A test database need not survive a crash of the server: commits stop waiting for
        # the disk. What every test reads and writes is unchanged.
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(session_url: str) -> None:
    """Remove the session's database."""
    url = make_url(session_url)
    admin = create_engine(
        url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def reflect_tables(engine: Engine) -> MetaData:
    """The database's tables, minus the full-text index (FTS5 keeps its own shadow tables)."""
    metadata = MetaData()
    metadata.reflect(engine, only=lambda name, _: not is_search_index(name))
    return metadata


def _seeded_rows(engine: Engine, metadata: MetaData) -> Seed:
    """The rows the migrations seeded (e.g. the ledger's state row, the industry boards)."""
    with engine.connect() as connection:
        seed = {
            name: [dict(row._mapping) for row in connection.execute(table.select())]
            for name, table in metadata.tables.items()
            if name != "alembic_version"
        }
    return {name: rows for name, rows in seed.items() if rows}


@contextmanager
def guards_down(engine: Engine) -> Iterator[Connection]:
    """A transaction in which the ledger's append-only triggers stand aside, as for someone
    with direct database access: PostgreSQL's replica role fires no ordinary trigger; on SQLite
    the triggers are dropped and recreated before the transaction commits."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            yield connection
            return
        triggers = connection.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        ).all()
        for name, _ in triggers:
            connection.execute(text(f'DROP TRIGGER "{name}"'))
        yield connection
        for _, sql in triggers:
            connection.execute(text(sql))


def tamper(engine: Engine, *statements: str) -> None:
    """Change rows behind the application's back, guards down."""
    with guards_down(engine) as connection:
        for statement in statements:
            connection.execute(text(statement))


class TemplateDatabase(Protocol):
    """One backend's migrated database for this worker, and fresh copies of it for tests."""

    def fresh(self, folder: Path) -> str:
        """The URL of a migrated, seeded database with nothing else in it, for one test."""
        ...

    def release(self, url: str) -> None:
        """Put the database back as `fresh` gave it, once its test has finished."""
        ...

    def close(self) -> None:
        """Free what the template holds at the end of the run."""
        ...


def migrate_to_head(url: str, instance: str) -> None:
    """Build the schema the only way production does: through the migrations."""
    import flask_migrate

    from exchange.app import create_app
    from exchange.extensions import db

    app = create_app({"MODE": "test", "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance})
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


@dataclass
class SqliteTemplate:
    """A migrated SQLite file, copied for each test (its WAL folded in, so one file is all)."""

    path: Path

    def fresh(self, folder: Path) -> str:
        folder.mkdir(parents=True, exist_ok=True)
        copy = folder / "exchange.db"
        shutil.copyfile(self.path, copy)
        return f"sqlite:///{copy}"

    def release(self, url: str) -> None:
        """Nothing to do: the copy is the test's own, in its temporary folder."""

    def close(self) -> None:
        """Nothing to do: the template lies in the run's temporary folder."""


@dataclass
class PostgresTemplate:
    """The worker's migrated PostgreSQL database, emptied back to its seed after each test."""

    url: str
    engine: Engine
    metadata: MetaData
    seed: Seed
    _tables: dict[str, Table] = field(init=False)
    _probe: str = field(init=False)

    def __post_init__(self) -> None:
        self._tables = {n: t for n, t in self.metadata.tables.items() if n != "alembic_version"}
        # One statement names every table holding a row: only those need emptying.
        self._probe = " UNION ALL ".join(
            f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in self._tables
        )
        self.release(self.url)  # sequences the seed advanced start again, as after any test

    def fresh(self, folder: Path) -> str:
        return self.url

    def release(self, url: str) -> None:
        tables = self._tables
        with self.engine.connect() as connection:
            written = set(connection.execute(text(self._probe)).scalars())
        with guards_down(self.engine) as connection:
            for name in written | set(self.seed):
                connection.execute(tables[name].delete())
            for name, rows in self.seed.items():
                connection.execute(tables[name].insert(), rows)
            # What TRUNCATE … RESTART IDENTITY did: every sequence starts again.
            connection.execute(
                text(
                    "SELECT setval(seqrelid, seqstart, false) FROM pg_sequence "
                    "JOIN pg_class ON pg_class.oid = seqrelid "
                    "JOIN pg_namespace ON pg_namespace.oid = relnamespace "
                    "WHERE nspname = current_schema()"
                )
            )

    def close(self) -> None:
        self.engine.dispose()
        drop_postgres_database(self.url)


def sqlite_template(folder: Path) -> SqliteTemplate:
    """Migrate a SQLite file once; every test gets a copy."""
    path = folder / "template.db"
    migrate_to_head(f"sqlite:///{path}", str(folder / "instance"))
    # The last connection to close checkpointed the WAL into the file and removed it.
    assert not path.with_name(path.name + "-wal").exists()
    return SqliteTemplate(path)


def postgres_template(server_url: str, name: str, instance: Path) -> PostgresTemplate:
    """Create and migrate the worker's PostgreSQL database, reflected once for the run."""
    url = create_postgres_database(server_url, name)
    migrate_to_head(url, str(instance))
    engine = create_engine(url, pool_size=1)
    metadata = reflect_tables(engine)
    return PostgresTemplate(url, engine, metadata, _seeded_rows(engine, metadata))
