"""Command-line tasks: the ledger's. `flask demo` is a plugin of the demo package, not ours."""

from __future__ import annotations

from flask import Flask

from exchange.ledger_cli import ledger_cli


def init_cli(app: Flask) -> None:
    """Add the exchange's commands to `flask`."""
    app.cli.add_command(ledger_cli)
