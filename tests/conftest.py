"""Fixtures: an app per test on a migrated database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import gc
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from exchange.app import create_app
from exchange.extensions import db
from tests.components import REDIS_URL, require_component
from tests.databases import (
    BACKENDS,
    TemplateDatabase,
    postgres_server_url,
    postgres_template,
    sqlite_template,
)
from tests.scheduling import make_scheduler


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Long single-test modules first (tests/scheduling.py)."""
    return make_scheduler(config, log)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Spare the garbage collector the millions of objects the imports made, and let it run
    less often: every test builds an app, and with Python's defaults full collections over
    that heap took a third of a test run's time."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)


class Templates:
    """Each backend's template, migrated on first use and kept for the worker's whole run."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self._factory = factory
        self._made: dict[str, TemplateDatabase] = {}

    def get(self, backend: str) -> TemplateDatabase:
        if backend not in self._made:
            self._made[backend] = self._make(backend)
        return self._made[backend]

    def _make(self, backend: str) -> TemplateDatabase:
        folder = self._factory.mktemp(f"template-{backend}")
        if backend == "sqlite":
            return sqlite_template(folder)
        server = postgres_server_url()
        require_component(server is not None, "PostgreSQL: set TEST_DATABASE_URL")
        assert server is not None
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        # One database per run and worker, so concurrent runs never drop each other's.
        name = f"ganshu_test_{worker}_{os.getpid()}"
        return postgres_template(server, name, folder / "instance")

    def close(self) -> None:
        for template in self._made.values():
            template.close()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    """The migrated templates of this worker."""
    made = Templates(tmp_path_factory)
    yield made
    made.close()


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_database(request: pytest.FixtureRequest, templates: Templates) -> TemplateDatabase:
    """Each backend in turn: its migrated template, from which every test gets a fresh copy."""
    return templates.get(request.param)


@pytest.fixture
def database_url(migrated_database: TemplateDatabase, tmp_path: Path) -> Iterator[str]:
    """A migrated database holding only its seed, the test's own until it ends."""
    url = migrated_database.fresh(tmp_path / "database")
    yield url
    migrated_database.release(url)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
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
def configured_app(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build the exchange with some settings changed, on the test's database; each app's
    connections are closed after the test."""
    made: list[Flask] = []

    def build(**config: Any) -> Flask:
        settings = {
            "MODE": "test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(tmp_path / f"configured-{len(made)}"),
        }
        made.append(create_app(settings | config))
        return made[-1]

    yield build
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An HTTP client for the app."""
    return app.test_client()


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of the test's own in the local Redis, removed afterwards."""
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        available = bool(connection.ping())
    except redis.RedisError:
        available = False
    require_component(available, f"Redis: none answers at {REDIS_URL}")
    prefix = f"test-{uuid.uuid4().hex}"
    yield prefix
    for key in connection.scan_iter(f"*{prefix}*"):
        connection.delete(key)
    connection.close()
