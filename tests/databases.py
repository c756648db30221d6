"""Fresh, migrated databases for tests: SQLite always, PostgreSQL when TEST_DATABASE_URL says."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, create_engine, text
from sqlalchemy.engine import make_url

from exchange.config import database_url
from exchange.models.search_index import is_search_index

BACKENDS = ("sqlite", "postgresql")


def postgres_server_url() -> str | None:
    """The PostgreSQL URL the suite may use, if one is configured."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    return url if url.startswith(("postgresql", "postgres://")) else None


def create_postgres_database(server_url: str, name: str) -> str:
    """Create (or recreate) a database for this test session and return its URL."""
    url = make_url(database_url(server_url, Path(".")))
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(session_url: str) -> None:
    """Remove the session's database."""
    url = make_url(session_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


Seed = dict[str, list[dict[str, Any]]]


def _reflect(engine: Engine) -> MetaData:
    """The database's tables, minus the full-text index (FTS5 keeps its own shadow tables)."""
    metadata = MetaData()
    metadata.reflect(engine, only=lambda name, _: not is_search_index(name))
    return metadata


def snapshot_rows(url: str) -> Seed:
    """The rows the migrations seeded (e.g. the ledger's state row), to restore after each test."""
    engine = create_engine(url)
    metadata = _reflect(engine)
    with engine.connect() as connection:
        seed = {
            name: [dict(row._mapping) for row in connection.execute(table.select())]
            for name, table in metadata.tables.items()
            if name != "alembic_version"
        }
    engine.dispose()
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


def reset_tables(url: str, seed: Seed) -> None:
    """Delete every row the test wrote, append-only ledger tables included, and re-seed."""
    engine = create_engine(url)
    metadata = _reflect(engine)
    tables = [t for name, t in metadata.tables.items() if name != "alembic_version"]
    with guards_down(engine) as connection:
        if engine.dialect.name == "postgresql":
            joined = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE TABLE {joined} RESTART IDENTITY CASCADE"))
        else:
            connection.execute(text("PRAGMA foreign_keys=OFF"))
            for table in reversed(metadata.sorted_tables):
                if table.name != "alembic_version":
                    connection.execute(table.delete())
            # The triggers that keep the full-text index in step are down: empty it directly.
            connection.execute(
                text("INSERT INTO product_search(product_search) VALUES ('delete-all')")
            )
            connection.execute(text("PRAGMA foreign_keys=ON"))
        for name, rows in seed.items():
            connection.execute(metadata.tables[name].insert(), rows)
    engine.dispose()
