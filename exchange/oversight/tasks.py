"""Oversight's background work: running the alert detectors."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from exchange.extensions import db
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.oversight.alerts import detect
from exchange.oversight.extension import thresholds
from exchange.worker.registry import Task


def detect_once(app: Flask, *, since: datetime | None = None, now: datetime | None = None) -> int:
    """Run the detectors over the lookback (or since the given moment); how many alerts were
    raised (the worker runs this on each pass)."""
    with app.app_context():
        try:
            work = UnitOfWork(db.session())
            found = detect(work, now=now or utcnow(), thresholds=thresholds(app), since=since)
            return len(found)
        finally:
            db.session.remove()


def detect_pass(app: Flask) -> str | None:
    """The worker's pass: detect, and say how many alerts when any were raised."""
    raised = detect_once(app)
    return f"worker: {raised} oversight alert(s) raised" if raised else None


# A pass reads the whole lookback: at most once every OVERSIGHT_DETECT_SECONDS.
DETECT = Task(
    "oversight.detect",
    detect_pass,
    failure="worker: oversight detection failed; retrying",
    every="OVERSIGHT_DETECT_SECONDS",
)
