"""What /healthz reports: can we reach the database, and the ledger's chain."""

from __future__ import annotations

from typing import TYPE_CHECKING, NotRequired, TypedDict

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from contracts.chain import Chain

# The default for ANCHOR_STALE_SECONDS (see exchange/config.py for why 300 s).
STALE_SECONDS = 300.0


class DatabaseHealth(TypedDict):
    """Whether the database answers, and which one it is."""

    status: str
    dialect: NotRequired[str]


class ChainHealth(TypedDict):
    """Whether the chain answers and holds our anchors, and how far they lag the ledger."""

    status: str
    kind: str
    chain_id: NotRequired[int]
    contract_address: NotRequired[str | None]
    anchored_entries: NotRequired[int]
    pending_entries: NotRequired[int]
    oldest_unanchored_seconds: NotRequired[int | None]
    problems: NotRequired[list[str]]


class Health(TypedDict):
    """The whole report: ok, or degraded with each component's reasons."""

    status: str
    ready: bool
    database: DatabaseHealth
    chain: ChainHealth


def check_health(
    session: Session, chain: Chain | None, *, kind: str, stale_seconds: float = STALE_SECONDS
) -> Health:
    """Probe each component. The exchange serves without its chain (anchoring catches up
    later), so only the database decides readiness; a chain outage, a reset chain or entries
    left unanchored too long read 'degraded', with the reasons."""
    try:
        session.execute(text("SELECT 1"))
        database = DatabaseHealth(status="ok", dialect=session.get_bind().dialect.name)
    except SQLAlchemyError:
        session.rollback()
        database = DatabaseHealth(status="unavailable")
    chain_report = ChainHealth(status="unavailable", kind=kind)
    if chain is not None and chain.is_available():
        chain_report = ChainHealth(status="ok", kind=kind, chain_id=chain.chain_id())
        if database["status"] == "ok":
            _add_anchoring(chain_report, session, chain, stale_seconds)
    healthy = database["status"] == "ok" and chain_report["status"] == "ok"
    return Health(
        status="ok" if healthy else "degraded",
        ready=database["status"] == "ok",
        database=database,
        chain=chain_report,
    )


def _add_anchoring(
    report: ChainHealth, session: Session, chain: Chain, stale_seconds: float
) -> None:
    from contracts.anchoring import anchoring_health
    from contracts.chain import ChainError

    try:
        found = anchoring_health(session, chain, stale_seconds=stale_seconds)
    except ChainError as error:  # the node went away mid-check
        report["status"] = "unavailable"
        report["problems"] = [f"chain_error: {error}"]
        return
    report["contract_address"] = found.contract_address
    report["anchored_entries"] = found.anchored_entries
    report["pending_entries"] = found.pending_entries
    report["oldest_unanchored_seconds"] = found.oldest_unanchored_seconds
    report["problems"] = list(found.problems)
    if found.problems:
        report["status"] = "degraded"
