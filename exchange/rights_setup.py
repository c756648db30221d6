"""The rights registry's settings and the exchange's certificate key, built in create_app."""

from __future__ import annotations

from dataclasses import dataclass

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from contracts.certificates import CertificateSigner
from exchange.extensions import db
from exchange.http.context import uow


@dataclass(frozen=True)
class RightsSetup:
    """How long a notice stands, the largest basis document, and the key that signs."""

    signer: CertificateSigner
    notice_seconds: float
    max_document_bytes: int


def init_rights(app: Flask) -> None:
    """Derive the certificate key from the master key and read the registry's limits."""
    app.extensions["rights"] = RightsSetup(
        signer=CertificateSigner.from_master_key(app.config["MASTER_KEY"]),
        notice_seconds=float(app.config["RIGHTS_NOTICE_SECONDS"]),
        max_document_bytes=int(app.config["RIGHTS_DOCUMENT_MAX_BYTES"]),
    )
    app.cli.add_command(rights_cli)


def rights_setup(app: Flask | None = None) -> RightsSetup:
    """The current app's registry settings."""
    setup: RightsSetup = (app or current_app).extensions["rights"]
    return setup


def settle_once(app: Flask) -> int:
    """Issue every certificate now due and lapse what has expired; how many certificates (the
    worker runs this on each pass)."""
    from exchange.models.base import utcnow
    from exchange.rights.notice import settle_due
    from exchange.rights.transfers import lapse_expired

    with app.app_context():
        try:
            work = uow()
            issued = settle_due(work, rights_setup(app).signer)
            if lapse_expired(work.session, utcnow().date()):
                work.commit()
            return issued
        finally:
            db.session.remove()


rights_cli = AppGroup("rights", help="The rights registry.")


@rights_cli.command("settle")
def settle() -> None:
    """Issue the certificates whose public-notice period has ended with nothing open."""
    issued = settle_once(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo(f"{issued} certificate(s) issued.")
