"""Trading's settings, payment gateways and signing domain, built in create_app."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Flask, current_app

from contracts.signing import SigningDomain
from exchange.config import ConfigurationError
from exchange.domain.trading import Gateway
from exchange.payments.gateways import gateways_from_config
from exchange.trading.settings import TradingSetup

MAX_FEE_RATE = Decimal("0.5")


def init_trading(app: Flask) -> None:
    """Read and check the trading settings once; a bad fee rate or gateway refuses to start."""
    config = app.config
    try:
        fee_rate = Decimal(str(config["TRADE_FEE_RATE"]))
    except InvalidOperation:
        fee_rate = Decimal(-1)
    if not Decimal(0) <= fee_rate <= MAX_FEE_RATE:
        raise ConfigurationError(
            f"EXCHANGE_TRADE_FEE_RATE must be a fraction from 0 to {MAX_FEE_RATE}"
        )
    gateways = gateways_from_config(config)
    try:
        default = Gateway(config["PAYMENT_GATEWAY"])
    except ValueError as error:
        raise ConfigurationError(
            "EXCHANGE_PAYMENT_GATEWAY must be bank_transfer or stripe"
        ) from error
    if default not in gateways:
        raise ConfigurationError("EXCHANGE_PAYMENT_GATEWAY=stripe needs EXCHANGE_STRIPE_SECRET_KEY")
    app.extensions["trading"] = TradingSetup(
        gateways=gateways,
        default_gateway=default,
        fee_rate=fee_rate,
        expiry_hours=float(config["NEGOTIATION_EXPIRY_HOURS"]),
        acceptance_days=int(config["ACCEPTANCE_WINDOW_DAYS"]),
        link_seconds=int(config["DOWNLOAD_LINK_SECONDS"]),
        webhook_secret=config["STRIPE_WEBHOOK_SECRET"],
    )


def trading_setup(app: Flask | None = None) -> TradingSetup:
    """The current app's trading settings."""
    setup: TradingSetup = (app or current_app).extensions["trading"]
    return setup


def signing_domain(app: Flask | None = None) -> SigningDomain:
    """The EIP-712 domain contracts are signed under: the chain and the ledger's anchor contract
    (deployed on first need, as the anchoring worker would). Resolved once per process, so
    signing and contract pages cost no chain call (one row read notices a redeployment); with
    the node down, the recorded deployment still answers and no signature waits on the chain."""
    from contracts.anchoring import ensure_deployment
    from contracts.chain import ChainError
    from exchange.chains import chain_of
    from exchange.extensions import db
    from exchange.trading.signing_keys import deployed_signing_domain
    from exchange.trading.signing_keys import signing_domain as domain_of

    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    cached: SigningDomain | None = app.extensions.get("signing_domain")
    if cached is not None and cached == deployed_signing_domain(db.session()):
        return cached  # still the current deployment: `ledger reanchor` may have replaced it
    try:
        deployment = ensure_deployment(db.engine, chain_of(app))
    except ChainError:
        recorded = deployed_signing_domain(db.session())
        if recorded is None:
            raise
        return recorded
    domain = domain_of(deployment.chain_id, deployment.contract_address)
    app.extensions["signing_domain"] = domain
    return domain


def reconcile_once(app: Flask) -> dict[str, int]:
    """At start-up: apply payments the gateways captured while the exchange was not listening."""
    from exchange.extensions import db
    from exchange.http.context import uow
    from exchange.trading.reconcile import reconcile_payments

    with app.app_context():
        try:
            return reconcile_payments(uow(), trading_setup(app).gateways)
        finally:
            db.session.remove()


def sweep_once(app: Flask) -> tuple[int, int]:
    """Expire unanswered negotiations and settle trades whose acceptance window ended; how many
    of each (the worker runs this on each pass)."""
    from exchange.extensions import db
    from exchange.http.context import uow
    from exchange.trading import negotiations, settlement

    with app.app_context():
        try:
            return negotiations.expire_due(uow()), settlement.settle_due(uow())
        finally:
            db.session.remove()
