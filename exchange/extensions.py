"""Flask extensions, created unbound and attached to the app in create_app."""

from __future__ import annotations

import sqlite3

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, ExecutionContext

from exchange.kernel.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()
# Its storage and strategy count the throttled attempts (exchange/auth.py builds the throttle).
limiter = Limiter(key_func=get_remote_address)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    """WAL and synchronous=FULL so a crash loses no committed trade; foreign keys enforced."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def _sqlite_row_locks(
    conn: Connection,
    cursor: object,
    statement: str,
    parameters: object,
    context: ExecutionContext | None,
    executemany: bool,
) -> None:
    """SQLite has no row locks and drops FOR UPDATE: a locking read there starts the write
    transaction (BEGIN IMMEDIATE) unless one is open, so concurrent moves on one row wait their
    turn and then read the winner's outcome, as PostgreSQL's row lock makes them."""
    if conn.dialect.name != "sqlite" or context is None:
        return
    compiled = getattr(context, "compiled", None)
    if getattr(getattr(compiled, "statement", None), "_for_update_arg", None) is None:
        return
    dbapi_connection = conn.connection.dbapi_connection
    if isinstance(dbapi_connection, sqlite3.Connection) and not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")


def install_sqlite_pragmas() -> None:
    """Register the SQLite connection and row-lock hooks once per process."""
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)
    if not event.contains(Engine, "before_cursor_execute", _sqlite_row_locks):
        event.listen(Engine, "before_cursor_execute", _sqlite_row_locks)
