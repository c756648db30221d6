"""What /healthz reports: can we reach the database, and the ledger's chain."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from contracts.chain import Chain

# The default for ANCHOR_STALE_SECONDS (see exchange/config.py for why 300 s).
STALE_SECONDS = 300.0


def check_health(
    session: Session, chain: Chain | None, *, kind: str, stale_seconds: float = STALE_SECONDS
) -> dict[str, Any]:
    """Probe each component. The exchange serves without its chain (anchoring catches up
    later), so only the database decides readiness; a chain outage, a reset chain or entries
    left unanchored too long read 'degraded', with the reasons."""
    try:
        session.execute(text("SELECT 1"))
        database = {"status": "ok", "dialect": session.get_bind().dialect.name}
    except SQLAlchemyError:
        session.rollback()
        database = {"status": "unavailable"}
    chain_report: dict[str, Any] = {"status": "unavailable", "kind": kind}
    if chain is not None and chain.is_available():
        chain_report = {"status": "ok", "kind": kind, "chain_id": chain.chain_id()}
        if database["status"] == "ok":
            chain_report |= _anchoring(session, chain, stale_seconds)
    healthy = database["status"] == "ok" and chain_report["status"] == "ok"
    return {
        "status": "ok" if healthy else "degraded",
        "ready": database["status"] == "ok",
        "database": database,
        "chain": chain_report,
    }


def _anchoring(session: Session, chain: Chain, stale_seconds: float) -> dict[str, Any]:
    from contracts.anchoring import anchoring_health
    from contracts.chain import ChainError

    try:
        report = anchoring_health(session, chain, stale_seconds=stale_seconds)
    except ChainError as error:  # the node went away mid-check
        return {"status": "unavailable", "problems": [f"chain_error: {error}"]}
    found = asdict(report)
    found["problems"] = list(report.problems)
    if report.problems:
        found["status"] = "degraded"
    return found
