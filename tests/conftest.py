"""Fixtures: an app per test on a migrated database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient

from exchange import create_app
from exchange.extensions import db
from tests.components import require_component
from tests.databases import (
    BACKENDS,
    Seed,
    create_postgres_database,
    drop_postgres_database,
    postgres_server_url,
    reset_tables,
    snapshot_rows,
)


def migrate_to_head(url: str, instance: str) -> None:
    """Build the schema the only way production does: through the migrations."""
    app = create_app({"MODE": "test", "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance})
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Seed]]:
    """A migrated database per backend for the whole session, with the rows it was seeded with."""
    instance = str(tmp_path_factory.mktemp("instance"))
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'exchange.db'}"
        migrate_to_head(url, instance)
        yield url, snapshot_rows(url)
        return
    server = postgres_server_url()
    require_component(server is not None, "PostgreSQL: set TEST_DATABASE_URL")
    assert server is not None
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    # One database per run and worker, so concurrent runs never drop each other's.
    url = create_postgres_database(server, f"ganshu_test_{worker}_{os.getpid()}")
    migrate_to_head(url, instance)
    yield url, snapshot_rows(url)
    drop_postgres_database(url)


@pytest.fixture
def database_url(migrated_database: tuple[str, Seed]) -> Iterator[str]:
    """The session's migrated database, emptied back to its seed after each test."""
    url, seed = migrated_database
    yield url
    reset_tables(url, seed)


@pytest.fixture
def app(database_url: str, tmp_path) -> Iterator[Flask]:  # noqa: ANN001
    """The exchange in test mode on a migrated, empty database."""
    app = create_app(
        {
            "MODE": "test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    yield app
    chain = app.extensions.get("chain")
    if chain is not None and hasattr(chain, "close"):
        chain.close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An HTTP client for the app."""
    return app.test_client()
