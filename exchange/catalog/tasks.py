"""The catalog's background work: profiling large uploads off any request thread."""

from __future__ import annotations

from flask import Flask

from exchange.catalog.extension import data_files
from exchange.catalog.processing import profile_pending
from exchange.extensions import db
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.worker.registry import Task


def ingest_once(app: Flask) -> int:
    """Profile the large uploads waiting as processing versions; how many were finished (the
    worker runs this on each pass, off any request thread)."""
    with app.app_context():
        try:
            return profile_pending(UnitOfWork(db.session()), data_files())
        finally:
            db.session.remove()


def ingest_pass(app: Flask) -> str | None:
    """The worker's pass: profile what is waiting, and say how many when any were."""
    profiled = ingest_once(app)
    return f"worker: {profiled} uploaded file(s) profiled" if profiled else None


INGEST = Task("catalog.ingest", ingest_pass, failure="worker: profiling uploads failed; retrying")
