"""The JSON API's frame under /api/v1: its Blueprint and Api, documented at /api/openapi.json."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from apispec import APISpec
from flask import Flask, send_from_directory
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import RAISE
from swagger_ui_bundle import swagger_ui_path
from webargs.flaskparser import FlaskParser

from exchange.extensions import csrf
from exchange.http.idempotency import init_idempotency
from exchange.http.openapi import (
    ProblemPlugin,
    ProblemSchema,
    decimal_as_string,
    register_error_responses,
)

# OpenAPI security requirements: routes that need a bearer token (answered 401 before their
# input is read, see exchange.http.request_limits), and routes that serve strangers too but show a
# token's holder more (the empty alternative is OpenAPI's "or anonymously").
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
OPTIONAL_BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}, {}]


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


class Api(SmorestApi):
    """flask-smorest's Api, documenting each blueprint when the spec is first read rather than
    at start-up: building the OpenAPI document was two thirds of what create_app cost, and only the
    few requests for /api/openapi.json (or `flask openapi`) need it. Its document says what the
    API does (exchange.http.openapi): errors are problems, decimals strings."""

    ERROR_SCHEMA = ProblemSchema

    def __init__(self, app: Flask | None = None, **kwargs: Any) -> None:
        self._undocumented: list[tuple[SmorestBlueprint, str, Any]] = []
        self._documenting = threading.RLock()
        self._spec: APISpec | None = None
        super().__init__(app, **kwargs)

    def _init_spec(self, **kwargs: Any) -> None:
        """flask-smorest's spec, with problems for errors and strings for decimals."""
        kwargs.setdefault("extra_plugins", [ProblemPlugin()])
        super()._init_spec(**kwargs)
        self.ma_plugin.converter.add_attribute_function(decimal_as_string)

    def _register_responses(self) -> None:
        """flask-smorest's named error responses, as the problems the API sends."""
        register_error_responses(self.built_spec(), self.DEFAULT_ERROR_RESPONSE_NAME)

    @property
    def spec(self) -> APISpec | None:
        """The OpenAPI document, with every blueprint registered so far in it."""
        with self._documenting:
            pending, self._undocumented = self._undocumented, []
            for blueprint, name, parameters in pending:
                blueprint.register_views_in_doc(
                    self, self._app, self.built_spec(), name=name, parameters=parameters
                )
        return self._spec

    @spec.setter
    def spec(self, value: APISpec | None) -> None:
        self._spec = value

    def built_spec(self) -> APISpec:
        """The OpenAPI document as it stands (flask-smorest builds it in init_app)."""
        if self._spec is None:
            raise RuntimeError("The API has no OpenAPI document before init_app.")
        return self._spec

    def register_blueprint(
        self, blp: SmorestBlueprint, *, parameters: Any = None, **options: Any
    ) -> None:
        """Register the blueprint's routes now and its documentation on first need."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))
        self.built_spec().tag({"name": name, "description": blp.description})


def init_api(app: Flask, blueprints: Sequence[SmorestBlueprint]) -> Api:
    """Attach flask-smorest, the security schemes and the capabilities' API blueprints, in order
    (the order of the OpenAPI document's tags)."""
    api = Api(app)
    init_idempotency(app)  # after the token and body checks (init_request_limits) run
    spec = api.built_spec()
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    # An API product's key, which its buyer's entitlement holds: counted per call.
    spec.components.security_scheme(
        "dataApiKey", {"type": "apiKey", "in": "header", "name": "X-Api-Key"}
    )
    for blueprint in blueprints:
        # Bearer tokens, not cookies (Stripe signs its raw body): no CSRF to defend against.
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)

    @app.route("/api/docs/assets/<path:filename>")
    def swagger_assets(filename: str):  # type: ignore[no-untyped-def]
        """Swagger UI from the installed package, never from a CDN."""
        return send_from_directory(swagger_ui_path, filename)

    return api
