"""The valuation settings, built from config in create_app and kept in app.extensions."""

from __future__ import annotations

from flask import Flask, current_app

from exchange.config import ConfigurationError
from exchange.valuation.settings import ValuationSettings


def init_valuation(app: Flask) -> None:
    """Read and check the licence table once; a bad table or k refuses to start."""
    try:
        app.extensions["valuation"] = ValuationSettings.from_config(app.config)
    except ValueError as error:
        raise ConfigurationError(str(error)) from error


def valuation_settings() -> ValuationSettings:
    """The current app's licence table and market parameters."""
    settings: ValuationSettings = current_app.extensions["valuation"]
    return settings
