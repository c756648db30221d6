"""Every SQLite connection the app opens is durable (WAL, synchronous=FULL) and checks keys."""

from __future__ import annotations

from collections.abc import Iterator

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from exchange.accounts.models import Membership
from exchange.app import create_app
from exchange.extensions import db

FULL = 2


@pytest.fixture
def sqlite_app(tmp_path) -> Iterator[Flask]:
    url = f"sqlite:///{tmp_path / 'exchange.db'}"
    app = create_app(
        {"MODE": "test", "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path)}
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def pragma(connection, name: str):
    return connection.execute(text(f"PRAGMA {name}")).scalar()


def test_journal_mode_is_wal(sqlite_app):
    assert pragma(db.session, "journal_mode") == "wal"


def test_synchronous_is_full(sqlite_app):
    assert pragma(db.session, "synchronous") == FULL


def test_foreign_keys_are_on(sqlite_app):
    assert pragma(db.session, "foreign_keys") == 1


def test_busy_timeout_waits_for_other_writers(sqlite_app):
    assert pragma(db.session, "busy_timeout") == 5000


def test_every_pooled_connection_gets_the_pragmas(sqlite_app):
    with db.engine.connect() as first, db.engine.connect() as second:
        for connection in (first, second):
            assert pragma(connection, "synchronous") == FULL
            assert pragma(connection, "foreign_keys") == 1


def test_wal_file_appears_beside_the_database(sqlite_app, tmp_path):
    flask_migrate.upgrade()
    with db.engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM users"))
        assert (tmp_path / "exchange.db-wal").exists()


def test_reference_to_a_missing_row_is_refused(sqlite_app):
    flask_migrate.upgrade()
    db.session.add(Membership(user_id=999, organisation_id=999, is_admin=False))
    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        db.session.commit()
