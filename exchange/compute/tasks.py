"""Computation's background work: failing the queries a dead process left running, so their
buyers get back the query and the privacy budget each took."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from exchange.compute import queries
from exchange.extensions import db
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.worker.registry import Task

# A run lasts at most COMPUTE_SECONDS; one running twice as long, and a minute more for the
# result to be written, has no process left to finish it.
GRACE = timedelta(minutes=1)


def abandoned_pass(app: Flask) -> str | None:
    """Fail the abandoned runs, and say how many when there were any."""
    older_than = 2 * timedelta(seconds=float(app.config["COMPUTE_SECONDS"])) + GRACE
    with app.app_context():
        try:
            failed = queries.fail_abandoned(UnitOfWork(db.session()), older_than=older_than)
        finally:
            db.session.remove()
    if not failed:
        return None
    return f"worker: {failed} abandoned computation run(s) failed and given back"


ABANDONED = Task(
    "compute.abandoned",
    abandoned_pass,
    failure="worker: failing abandoned computation runs failed; retrying",
)
