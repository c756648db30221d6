"""`flask rights …`: the registry's commands."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from exchange.rights.tasks import settle_once

rights_cli = AppGroup("rights", help="The rights registry.")


@rights_cli.command("settle")
def settle() -> None:
    """Issue the certificates whose public-notice period has ended with nothing open."""
    issued = settle_once(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo(f"{issued} certificate(s) issued.")
