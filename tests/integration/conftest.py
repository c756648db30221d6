"""Fixtures of the integration tests (chains come from `chains.py`), and a gas summary."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine

from tests.integration.chains import (
    anvil,
    anvil_snapshot,
    chain_under_test,
    deployed_chain,
    embedded_snapshot,
)

__all__ = ["anvil", "anvil_snapshot", "chain_under_test", "deployed_chain", "embedded_snapshot"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Show the gas each chain charged per anchor, recorded by the tests as `anchor_gas`."""
    lines = [
        f"{report.nodeid}: {value}"
        for report in terminalreporter.stats.get("passed", [])
        if report.when == "call"
        for name, value in report.user_properties
        if name == "anchor_gas"
    ]
    if lines:
        terminalreporter.write_sep("-", "gas per anchor (first anchor, then a later one)")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine straight onto the migrated database: the ledger needs no Flask."""
    engine = create_engine(database_url)
    yield engine
    engine.dispose()
