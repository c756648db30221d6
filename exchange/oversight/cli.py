"""`flask oversight …`: the regulators' commands."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from exchange.kernel.models import utcnow
from exchange.oversight.tasks import detect_once

oversight_cli = AppGroup("oversight", help="Alerts for the regulators.")


@oversight_cli.command("detect")
@click.option(
    "--days", type=float, default=None, help="Look this many days back (default: the lookback)."
)
def detect_command(days: float | None) -> None:
    """Run the alert detectors now, as the worker does on each pass."""
    now = utcnow()
    since = now - timedelta(days=days) if days is not None else None
    raised = detect_once(current_app._get_current_object(), since=since, now=now)  # type: ignore[attr-defined]
    click.echo(f"{raised} alert(s) raised.")
