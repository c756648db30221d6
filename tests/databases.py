"""Fresh, migrated databases for tests: SQLite always, PostgreSQL when TEST_DATABASE_URL says."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from exchange.config import database_url

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


def empty_tables(url: str) -> None:
    """Delete every row the test wrote, keeping the migrated schema."""
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = [t for t in inspect(connection).get_table_names() if t != "alembic_version"]
        if engine.dialect.name == "postgresql":
            joined = ", ".join(f'"{t}"' for t in tables)
            connection.execute(text(f"TRUNCATE TABLE {joined} RESTART IDENTITY CASCADE"))
        else:
            connection.execute(text("PRAGMA foreign_keys=OFF"))
            for table in tables:
                connection.execute(text(f'DELETE FROM "{table}"'))
            connection.execute(text("PRAGMA foreign_keys=ON"))
    engine.dispose()
