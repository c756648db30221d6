"""Oversight's thresholds, read and checked once in create_app, and the worker's detection pass."""

from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from exchange.config import ConfigurationError
from exchange.domain.oversight import Thresholds


def init_oversight(app: Flask) -> None:
    """Read the alert thresholds; a nonsensical one refuses to start rather than never alert."""
    try:
        app.extensions["oversight"] = Thresholds.from_config(app.config)
    except (ValueError, TypeError) as error:
        raise ConfigurationError(f"EXCHANGE_OVERSIGHT_*: {error}") from None
    app.cli.add_command(oversight_cli)


def thresholds(app: Flask | None = None) -> Thresholds:
    """The current app's alert thresholds."""
    found: Thresholds = (app or current_app).extensions["oversight"]
    return found


def detect_once(app: Flask, *, since: datetime | None = None, now: datetime | None = None) -> int:
    """Run the detectors over the lookback (or since the given moment); how many alerts were
    raised (the worker runs this on each pass)."""
    from exchange.context import uow
    from exchange.extensions import db
    from exchange.models.base import utcnow
    from exchange.services.oversight_alerts import detect

    with app.app_context():
        try:
            found = detect(uow(), now=now or utcnow(), thresholds=thresholds(app), since=since)
            return len(found)
        finally:
            db.session.remove()


oversight_cli = AppGroup("oversight", help="Alerts for the regulators.")


@oversight_cli.command("detect")
@click.option(
    "--days", type=float, default=None, help="Look this many days back (default: the lookback)."
)
def detect_command(days: float | None) -> None:
    """Run the alert detectors now, as the worker does on each pass."""
    from exchange.models.base import utcnow

    now = utcnow()
    since = now - timedelta(days=days) if days is not None else None
    raised = detect_once(current_app._get_current_object(), since=since, now=now)  # type: ignore[attr-defined]
    click.echo(f"{raised} alert(s) raised.")
