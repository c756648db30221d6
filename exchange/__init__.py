"""Ganshu Data Exchange (赣数交易): the Flask marketplace."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the exchange: configuration, extensions, blueprints, adapters, error handlers."""
    from exchange import cli, extensions, models  # noqa: F401 - models register their tables
    from exchange.accounts.passwords import FULL_COST, TEST_COST, set_hashing_cost
    from exchange.api import init_api
    from exchange.api.problems import register_error_handlers
    from exchange.auth import init_auth
    from exchange.caches import init_caches
    from exchange.config import load_config
    from exchange.files import init_files
    from exchange.i18n import init_i18n
    from exchange.oversight_setup import init_oversight
    from exchange.pricing_setup import init_pricing
    from exchange.request_limits import init_request_limits
    from exchange.rights_setup import init_rights
    from exchange.security_headers import init_security_headers
    from exchange.trading_setup import init_trading
    from exchange.uploads import init_uploads
    from exchange.url_rules import BoundedIntegerConverter, CompiledRule
    from exchange.web import init_web
    from exchange.web.compiled_templates import COMPILED_TEMPLATES

    instance = (config or {}).get("INSTANCE_PATH") or os.environ.get(
        "EXCHANGE_INSTANCE_PATH", str(ROOT / "instance")
    )
    app = Flask(
        __name__,
        instance_path=str(instance),
        instance_relative_config=True,
        template_folder="web/templates",
    )
    app.url_rule_class = CompiledRule  # URL builders and templates: compiled once per process
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.jinja_options = {**app.jinja_options, "bytecode_cache": COMPILED_TEMPLATES}
    load_config(app, config)
    # Tests make thousands of accounts: only test mode hashes at argon2's cheapest cost.
    set_hashing_cost(TEST_COST if app.config["MODE"] == "test" else FULL_COST)
    init_files(app)
    init_pricing(app)
    init_rights(app)
    init_trading(app)
    init_oversight(app)
    extensions.install_sqlite_pragmas()
    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(ROOT / "migrations"))
    init_uploads(app)  # before CSRF, which reads the form: the upload limit must be set first
    init_request_limits(app)  # then 401 before any body is read, and JSON capped and measured
    extensions.csrf.init_app(app)
    extensions.bootstrap.init_app(app)
    init_i18n(app)
    init_auth(app)
    init_api(app)
    init_web(app)
    init_caches(app)
    register_error_handlers(app)
    init_security_headers(app)
    cli.init_cli(app)
    return app
