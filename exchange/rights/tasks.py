"""The rights registry's background work: issuing the certificates now due."""

from __future__ import annotations

from flask import Flask

from exchange.extensions import db
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.rights.extension import rights_settings
from exchange.rights.notice import settle_due
from exchange.rights.transfers import lapse_expired
from exchange.worker.registry import Task


def settle_once(app: Flask) -> int:
    """Issue every certificate now due and lapse what has expired; how many certificates (the
    worker runs this on each pass)."""
    with app.app_context():
        try:
            work = UnitOfWork(db.session())
            issued = settle_due(work, rights_settings(app).signer)
            if lapse_expired(work.session, utcnow().date()):
                work.commit()
            return issued
        finally:
            db.session.remove()


def settle_pass(app: Flask) -> str | None:
    """The worker's pass: issue what is due, and say how many when any were."""
    issued = settle_once(app)
    return f"worker: {issued} rights certificate(s) issued" if issued else None


SETTLE = Task("rights.settle", settle_pass, failure="worker: issuing certificates failed; retrying")
