"""The ledger's background work: anchoring due checkpoints on the chain."""

from __future__ import annotations

from flask import Flask

from contracts.anchoring import anchor_pending
from exchange.extensions import db
from exchange.ledger.extension import anchor_policy, chain_of
from exchange.worker.registry import Task


def anchor_once(app: Flask, *, force: bool = False) -> str:
    """One anchoring pass; returns a line saying what happened."""
    with app.app_context():
        run = anchor_pending(db.engine, chain_of(app), anchor_policy(app), force=force)
    if run.error:
        return f"anchoring postponed: {run.error}"
    if run.anchored_size:
        return f"anchored tree size {run.anchored_size} in {run.tx_hash}"
    if run.resent:
        return f"re-sent {run.resent} dropped anchor(s) (confirmed {run.confirmed})"
    return f"nothing due (repaired {run.repaired}, confirmed {run.confirmed})"


def anchor_pass(app: Flask) -> str | None:
    """The worker's pass: anchor (repairing what a killed worker left and re-sending dropped
    anchors), and say what happened unless nothing was due; a failing chain only postpones."""
    line = anchor_once(app)
    return None if line.startswith("nothing due") else f"ledger worker: {line}"


# A singleton: two workers anchoring at once would send with colliding nonces.
ANCHOR = Task(
    "ledger.anchor",
    anchor_pass,
    failure="ledger worker: the pass failed; retrying",
    singleton=True,
)
