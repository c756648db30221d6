"""What /healthz reports: can we reach the database, and the chain once there is one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session


def check_health(session: Session, *, chain_url: str = "") -> dict[str, Any]:
    """Probe each component and say which are up; 'ok' only when all of them are."""
    try:
        session.execute(text("SELECT 1"))
        database = {"status": "ok", "dialect": session.get_bind().dialect.name}
    except SQLAlchemyError:
        session.rollback()
        database = {"status": "unavailable"}
    chain = {"status": "not configured"} if not chain_url else {"status": "unknown"}
    healthy = database["status"] == "ok"
    return {"status": "ok" if healthy else "degraded", "database": database, "chain": chain}
