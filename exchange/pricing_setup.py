"""The valuation settings, built from config in create_app and kept in app.extensions."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from exchange.config import ConfigurationError
from pricing import LicenceTable, MarketParameters, ValuationError, read_licence_table


@dataclass(frozen=True)
class PricingSetup:
    """The licence-terms table and the market approach's parameters every valuation uses."""

    table: LicenceTable
    market: MarketParameters


def init_pricing(app: Flask) -> None:
    """Read and check the licence table once; a bad table or k refuses to start."""
    path = app.config["PRICING_LICENCE_TABLE"] or None
    try:
        table = read_licence_table(path)
    except (OSError, ValueError) as error:  # ValuationError is a ValueError, as are parse errors
        where = path or "the default licence_terms.toml"
        raise ConfigurationError(
            f"EXCHANGE_PRICING_LICENCE_TABLE: cannot use {where}: {error}"
        ) from error
    try:
        market = MarketParameters(k=int(app.config["VALUATION_COMPARABLES_K"]))
    except (ValueError, ValuationError) as error:
        raise ConfigurationError(f"EXCHANGE_VALUATION_COMPARABLES_K: {error}") from error
    app.extensions["pricing"] = PricingSetup(table, market)


def pricing_setup() -> PricingSetup:
    """The current app's licence table and market parameters."""
    setup: PricingSetup = current_app.extensions["pricing"]
    return setup
