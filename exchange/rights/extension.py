"""The rights registry's settings and certificate key, built in create_app and kept in
app.extensions."""

from __future__ import annotations

from flask import Flask, current_app

from exchange.rights.settings import RightsSettings


def init_rights(app: Flask) -> None:
    """Build the registry's settings (the certificate key among them) once."""
    app.extensions["rights"] = RightsSettings.from_config(app.config)


def rights_settings(app: Flask | None = None) -> RightsSettings:
    """The current app's registry settings."""
    settings: RightsSettings = (app or current_app).extensions["rights"]
    return settings
