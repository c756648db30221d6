"""create_app: configuration, adapters, the capabilities' blueprints, hooks, commands and
worker tasks."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from exchange import ROOT


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the exchange: configuration, extensions, blueprints, adapters, error handlers."""
    from exchange import cli, extensions, models  # noqa: F401 - models register their tables
    from exchange.accounts.passwords import FULL_COST, TEST_COST, set_hashing_cost
    from exchange.catalog.extension import init_caches, init_files
    from exchange.compute.extension import init_compute
    from exchange.config import load_config
    from exchange.delivery.extension import init_delivery
    from exchange.http.auth import init_auth
    from exchange.http.compiled_templates import COMPILED_TEMPLATES
    from exchange.http.i18n import init_i18n
    from exchange.http.problems import register_error_handlers
    from exchange.http.request_limits import init_request_limits
    from exchange.http.security_headers import init_security_headers
    from exchange.http.uploads import init_uploads
    from exchange.http.url_rules import BoundedIntegerConverter, CompiledRule
    from exchange.oversight.extension import init_oversight
    from exchange.rights.extension import init_rights
    from exchange.trading.extension import init_trading
    from exchange.valuation.extension import init_valuation

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
    init_delivery(app)
    init_compute(app)
    init_valuation(app)
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
    _register_api(app)
    _register_pages(app)
    init_caches(app)
    register_error_handlers(app)
    init_security_headers(app)
    cli.init_cli(app)
    _register_tasks(app)
    return app


def _register_tasks(app: Flask) -> None:
    """The worker's tasks, in the order it runs them: anchoring first (repairing what a killed
    worker left, before a gateway's reconcile that can take minutes), payments reconciled once;
    then on each pass large uploads profiled, negotiations expired and trades settled,
    certificates issued, data-API usage entered, abandoned computation runs failed, alerts
    raised, and due batches anchored."""
    from exchange.catalog.tasks import INGEST
    from exchange.compute.tasks import ABANDONED
    from exchange.delivery.tasks import usage_task
    from exchange.ledger.tasks import ANCHOR
    from exchange.oversight.tasks import DETECT
    from exchange.rights.tasks import SETTLE
    from exchange.trading.contract_lookup import trade_contract
    from exchange.trading.tasks import RECONCILE, SWEEP
    from exchange.worker.registry import Schedule, register_tasks

    register_tasks(
        app,
        Schedule(
            at_start=(ANCHOR, RECONCILE),
            each_pass=(
                INGEST,
                SWEEP,
                SETTLE,
                usage_task(trade_contract),
                ABANDONED,
                DETECT,
                ANCHOR,
            ),
        ),
    )


def _register_api(app: Flask) -> None:
    """Each capability's API blueprints, in the order the OpenAPI document lists them."""
    from exchange.accounts.api import organisations, users
    from exchange.catalog import api as catalog
    from exchange.compute import api as compute
    from exchange.delivery import api as delivery
    from exchange.http.api import init_api
    from exchange.ledger import api as ledger
    from exchange.oversight.api import alerts, market
    from exchange.payments.api import payments, stripe_webhook
    from exchange.rights import api as rights
    from exchange.trading.api import contracts, negotiations
    from exchange.valuation import api as valuation

    init_api(
        app,
        [
            users.blp,
            organisations.blp,
            ledger.blp,
            catalog.blp,
            valuation.blp,
            rights.blp,
            negotiations.blp,
            contracts.blp,
            payments.blp,
            delivery.blp,
            compute.blp,
            market.blp,
            alerts.blp,
            stripe_webhook.blp,
        ],
    )


def _register_pages(app: Flask) -> None:
    """Each capability's page blueprints and the labels its templates read."""
    from exchange.accounts.views import auth, organisations, profile, verification
    from exchange.catalog.views import labels as catalog_labels
    from exchange.catalog.views import public, review, vendor
    from exchange.compute import views as compute
    from exchange.delivery import views as delivery
    from exchange.http import site
    from exchange.http.pages import init_pages
    from exchange.ledger import views as ledger
    from exchange.oversight.views import market
    from exchange.rights import views as rights
    from exchange.trading.views import contracts, negotiations
    from exchange.trading.views import labels as trading_labels
    from exchange.valuation import views as valuation

    pages = (site, auth, profile, organisations, verification, ledger, public, vendor, review)
    init_pages(
        app,
        [
            module.bp
            for module in (
                *pages,
                valuation,
                rights,
                negotiations,
                contracts,
                delivery,
                compute,
                market,
            )
        ],
        {
            **catalog_labels.TEMPLATE_GLOBALS,
            **rights.TEMPLATE_GLOBALS,
            **trading_labels.TEMPLATE_GLOBALS,
            **valuation.TEMPLATE_GLOBALS,
            **compute.TEMPLATE_GLOBALS,
        },
    )
