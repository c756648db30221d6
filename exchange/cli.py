"""Command-line tasks: each capability's group. `flask demo` is a plugin of the demo package,
not ours."""

from __future__ import annotations

from flask import Flask

from exchange.ledger.cli import ledger_cli
from exchange.oversight.cli import oversight_cli
from exchange.rights.cli import rights_cli


def init_cli(app: Flask) -> None:
    """Add the exchange's commands to `flask`."""
    for group in (rights_cli, oversight_cli, ledger_cli):
        app.cli.add_command(group)
