"""The migrations build an empty database into exactly what the models describe, and back."""

from __future__ import annotations

import os
from collections.abc import Iterator

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from contracts.schema import metadata as ledger_metadata
from exchange import ROOT
from exchange import models as registry  # noqa: F401 - every model's table, whatever ran first
from exchange.app import create_app
from exchange.catalog.search_index import include_object, is_search_index
from exchange.extensions import db
from exchange.kernel.models import Base
from tests.components import require_component
from tests.databases import (
    BACKENDS,
    create_postgres_database,
    drop_postgres_database,
    postgres_server_url,
)

# The exchange's models and the ledger's own tables, both built by the migrations.
SCHEMAS = [Base.metadata, ledger_metadata]
MODEL_TABLES = set(Base.metadata.tables) | set(ledger_metadata.tables)


@pytest.fixture(scope="module")
def empty_postgres() -> Iterator[str]:
    """A database of this worker's own for the migration tests, created once for the module."""
    server = postgres_server_url()
    require_component(server is not None, "PostgreSQL: set TEST_DATABASE_URL")
    assert server is not None
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    # The pid keeps concurrent test sessions on one server out of each other's way.
    url = create_postgres_database(server, f"ganshu_migrations_check_{worker}_{os.getpid()}")
    yield url
    drop_postgres_database(url)


def empty_again(url: str) -> None:
    """Drop everything the migrations made (the public schema and all in it) and start afresh:
    much cheaper than a new database, which costs the server a checkpoint to drop."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def empty_app(request: pytest.FixtureRequest, tmp_path) -> Iterator[Flask]:
    """The exchange on a brand-new database with no tables at all."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        url = request.getfixturevalue("empty_postgres")
    app = create_app(
        {"MODE": "test", "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path)}
    )
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []
        yield app
        db.session.remove()
        db.engine.dispose()
    if request.param == "postgresql":
        empty_again(url)


def table_names() -> set[str]:
    """The tables, minus the SQLite full-text index's virtual and shadow tables."""
    return {name for name in inspect(db.engine).get_table_names() if not is_search_index(name)}


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        return compare_metadata(context, SCHEMAS)


def test_migrations_have_a_single_head():
    script = ScriptDirectory(str(ROOT / "migrations"))
    assert len(script.get_heads()) == 1


def test_upgrade_creates_every_model_table(empty_app):
    flask_migrate.upgrade()
    assert table_names() == MODEL_TABLES | {"alembic_version"}


def test_upgraded_schema_matches_the_models(empty_app):
    flask_migrate.upgrade()
    assert schema_differences() == []


def test_downgrade_to_base_leaves_only_alembic_version(empty_app):
    flask_migrate.upgrade()
    flask_migrate.downgrade(revision="base")
    assert table_names() == {"alembic_version"}


def test_upgrade_after_downgrade_rebuilds_the_same_schema(empty_app):
    flask_migrate.upgrade()
    flask_migrate.downgrade(revision="base")
    flask_migrate.upgrade()
    assert table_names() == MODEL_TABLES | {"alembic_version"}
    assert schema_differences() == []


def test_each_revision_downgrades_and_upgrades_again(empty_app):
    script = ScriptDirectory(str(ROOT / "migrations"))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    for revision in revisions:
        flask_migrate.upgrade(revision=revision)
        flask_migrate.downgrade(revision="-1")
        flask_migrate.upgrade(revision=revision)
    assert schema_differences() == []


def test_comparison_notices_a_schema_behind_the_models(empty_app):
    # 0008 adds the product tables the models describe; stopping short of it must show.
    flask_migrate.upgrade(revision="0007_industry_boards")
    assert schema_differences() != []
