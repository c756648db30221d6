"""What /healthz reports: can we reach the database, and the ledger's chain."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from contracts.chain import Chain


def check_health(session: Session, chain: Chain | None, *, kind: str) -> dict[str, Any]:
    """Probe each component. The exchange serves without its chain (anchoring catches up
    later), so only the database decides readiness; a chain outage reads 'degraded'."""
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
            chain_report |= _anchoring(session, chain.chain_id())
    healthy = database["status"] == "ok" and chain_report["status"] == "ok"
    return {
        "status": "ok" if healthy else "degraded",
        "ready": database["status"] == "ok",
        "database": database,
        "chain": chain_report,
    }


def _anchoring(session: Session, chain_id: int) -> dict[str, Any]:
    from contracts import ledger
    from contracts.anchoring import active_deployment
    from contracts.schema import ledger_anchors

    size, _ = ledger.state(session)
    deployment = active_deployment(session, chain_id)
    anchored = 0
    if deployment is not None:
        anchored = session.execute(
            select(func.coalesce(func.max(ledger_anchors.c.tree_size), 0)).where(
                ledger_anchors.c.deployment_id == deployment.id,
                ledger_anchors.c.status.in_(("anchored", "confirmed")),
            )
        ).scalar_one()
    return {
        "contract_address": deployment.contract_address if deployment else None,
        "anchored_entries": anchored,
        "pending_entries": size - anchored,
    }
