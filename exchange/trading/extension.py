"""Trading's settings, payment gateways and signing domain, built in create_app and kept in
app.extensions."""

from __future__ import annotations

from flask import Flask, current_app

from contracts.signing import SigningDomain
from exchange.config import ConfigurationError
from exchange.trading.settings import TradingSettings


def init_trading(app: Flask) -> None:
    """Read and check the trading settings once; a bad fee rate or gateway refuses to start."""
    try:
        app.extensions["trading"] = TradingSettings.from_config(app.config)
    except ValueError as error:
        raise ConfigurationError(str(error)) from error


def trading_settings(app: Flask | None = None) -> TradingSettings:
    """The current app's trading settings."""
    settings: TradingSettings = (app or current_app).extensions["trading"]
    return settings


def signing_domain(app: Flask | None = None) -> SigningDomain:
    """The EIP-712 domain contracts are signed under: the chain and the ledger's anchor contract
    (deployed on first need, as the anchoring worker would). Resolved once per process, so
    signing and contract pages cost no chain call (one row read notices a redeployment); with
    the node down, the recorded deployment still answers and no signature waits on the chain."""
    from contracts.anchoring import ensure_deployment
    from contracts.chain import ChainError
    from exchange.extensions import db
    from exchange.ledger.extension import chain_of
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
