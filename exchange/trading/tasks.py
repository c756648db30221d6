"""Trading's background work: reconciling payments at start-up, expiring negotiations and
settling trades on each pass."""

from __future__ import annotations

from flask import Flask

from exchange.extensions import db
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.trading import negotiations, settlement
from exchange.trading.extension import trading_settings
from exchange.trading.reconcile import reconcile_payments
from exchange.worker.registry import Task


def reconcile_once(app: Flask) -> dict[str, int]:
    """At start-up: apply payments the gateways captured while the exchange was not listening."""
    with app.app_context():
        try:
            return reconcile_payments(UnitOfWork(db.session()), trading_settings(app).gateways)
        finally:
            db.session.remove()


def sweep_once(app: Flask) -> tuple[int, int]:
    """Expire unanswered negotiations and settle trades whose acceptance window ended; how many
    of each (the worker runs this on each pass)."""
    with app.app_context():
        try:
            expired = negotiations.expire_due(UnitOfWork(db.session()))
            return expired, settlement.settle_due(UnitOfWork(db.session()))
        finally:
            db.session.remove()


def reconcile_pass(app: Flask) -> str | None:
    """The worker's start-up task: reconcile, and say what was applied when anything was."""
    reconciled = reconcile_once(app)
    return f"worker: payments reconciled at start-up: {reconciled}" if reconciled else None


def sweep_pass(app: Flask) -> str | None:
    """The worker's pass: expire and settle, and say how many when any were."""
    expired, settled = sweep_once(app)
    if expired or settled:
        return f"worker: {expired} negotiation(s) expired, {settled} trade(s) settled"
    return None


RECONCILE = Task(
    "trading.reconcile",
    reconcile_pass,
    failure="worker: reconciling payments failed; the webhooks will bring them",
)
SWEEP = Task("trading.sweep", sweep_pass, failure="worker: the trading sweep failed; retrying")
