"""Oversight's thresholds, read and checked once in create_app, and its request hook."""

from __future__ import annotations

from flask import Flask, current_app

from exchange.config import ConfigurationError
from exchange.oversight.domain import Thresholds
from exchange.oversight.hooks import audit_regulator_reads


def init_oversight(app: Flask) -> None:
    """Read the alert thresholds; a nonsensical one refuses to start rather than never alert.
    Then audit what regulators read outside the portal."""
    try:
        app.extensions["oversight"] = Thresholds.from_config(app.config)
    except (ValueError, TypeError) as error:
        raise ConfigurationError(f"EXCHANGE_OVERSIGHT_*: {error}") from None
    app.after_request(audit_regulator_reads)


def thresholds(app: Flask | None = None) -> Thresholds:
    """The current app's alert thresholds."""
    found: Thresholds = (app or current_app).extensions["oversight"]
    return found
