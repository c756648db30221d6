"""The valuation settings every valuation uses, read and checked from the configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pricing import LicenceTable, MarketParameters, ValuationError, read_licence_table


@dataclass(frozen=True)
class ValuationSettings:
    """The licence-terms table and the market approach's parameters every valuation uses."""

    table: LicenceTable
    market: MarketParameters

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ValuationSettings:
        """Read and check the licence table and k; ValueError names the setting that is bad."""
        path = config["PRICING_LICENCE_TABLE"] or None
        try:
            table = read_licence_table(path)
        except (OSError, ValueError) as error:  # ValuationError is a ValueError, as parse errors
            where = path or "the default licence_terms.toml"
            raise ValueError(
                f"EXCHANGE_PRICING_LICENCE_TABLE: cannot use {where}: {error}"
            ) from error
        try:
            market = MarketParameters(k=int(config["VALUATION_COMPARABLES_K"]))
        except (ValueError, ValuationError) as error:
            raise ValueError(f"EXCHANGE_VALUATION_COMPARABLES_K: {error}") from error
        return cls(table, market)
