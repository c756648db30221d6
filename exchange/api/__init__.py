"""The JSON API under /api/v1, documented by OpenAPI 3 at /api/openapi.json."""

from __future__ import annotations

from flask import Flask, send_from_directory
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import RAISE
from swagger_ui_bundle import swagger_ui_path
from webargs.flaskparser import FlaskParser

from exchange.extensions import csrf

# OpenAPI security requirement of every route that takes a bearer token.
BEARER = [{"bearerAuth": []}]


class StrictParser(FlaskParser):
    """webargs ignores unknown query parameters by default; a typo in a filter must not
    silently widen a search, so the API refuses them as it refuses unknown body fields."""

    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": RAISE,
        "querystring": RAISE,
    }


class Blueprint(SmorestBlueprint):
    """An API blueprint whose arguments refuse unknown parameters wherever they come from."""

    ARGUMENTS_PARSER = StrictParser()


def init_api(app: Flask) -> Api:
    """Attach flask-smorest, the bearer security scheme and every API blueprint."""
    from exchange.api import (
        accounts,
        catalog,
        contracts,
        entitlements,
        ledger,
        negotiations,
        organisations,
        oversight,
        oversight_alerts,
        payments,
        rights,
        stripe_webhook,
        valuations,
    )

    api = Api(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    trading = (negotiations, contracts, payments, entitlements)
    supervision = (oversight, oversight_alerts)
    for module in (
        accounts,
        organisations,
        ledger,
        catalog,
        valuations,
        rights,
        *trading,
        *supervision,
    ):
        csrf.exempt(module.blp)  # bearer tokens, not cookies: no CSRF to defend against
        api.register_blueprint(module.blp)
    csrf.exempt(stripe_webhook.bp)  # Stripe signs the raw body; there is no cookie to defend
    app.register_blueprint(stripe_webhook.bp)

    @app.route("/api/docs/assets/<path:filename>")
    def swagger_assets(filename: str):  # type: ignore[no-untyped-def]
        """Swagger UI from the installed package, never from a CDN."""
        return send_from_directory(swagger_ui_path, filename)

    return api
