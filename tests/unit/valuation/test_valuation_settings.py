"""The valuation settings are read once at start-up, and a bad licence table refuses to start."""

from __future__ import annotations

import os
from importlib import resources

import pytest

from exchange.app import create_app
from exchange.config import ConfigurationError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No EXCHANGE_* or DATABASE_URL from the developer's shell; the instance folder is tmp."""
    for name in list(os.environ):
        if name.startswith("EXCHANGE_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("EXCHANGE_INSTANCE_PATH", str(tmp_path / "instance"))


def test_the_default_licence_table_is_built_at_start_up():
    app = create_app({"MODE": "test"})

    setup = app.extensions["valuation"]
    assert setup.table.version == "2026.2"
    assert setup.market.k == 5


def test_a_licence_table_whose_reference_is_not_priced_at_one_refuses_to_start(tmp_path):
    text = resources.files("pricing").joinpath("licence_terms.toml").read_text(encoding="utf-8")
    bad = tmp_path / "terms.toml"
    bad.write_text(text.replace('non_exclusive = "1.00"', 'non_exclusive = "1.10"'))

    with pytest.raises(ConfigurationError, match="EXCHANGE_PRICING_LICENCE_TABLE.*reference"):
        create_app({"MODE": "test", "PRICING_LICENCE_TABLE": str(bad)})


def test_a_missing_licence_table_refuses_to_start(tmp_path):
    with pytest.raises(ConfigurationError, match="EXCHANGE_PRICING_LICENCE_TABLE"):
        create_app({"MODE": "test", "PRICING_LICENCE_TABLE": str(tmp_path / "none.toml")})


def test_too_few_comparables_refuses_to_start():
    with pytest.raises(ConfigurationError, match="EXCHANGE_VALUATION_COMPARABLES_K"):
        create_app({"MODE": "test", "VALUATION_COMPARABLES_K": 2})
