"""The direction of dependency: exchange → contracts, pricing; services never see Flask."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(folder: str) -> dict[str, set[str]]:
    """Every top-level module each file in the folder imports, anywhere in the file."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / folder).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize("folder", ["contracts", "pricing"])
def test_core_packages_never_import_the_exchange_or_flask(folder):
    offenders = {
        path: names & {"exchange", "flask", "flask_sqlalchemy", "werkzeug"}
        for path, names in imported_modules(folder).items()
    }
    assert {path: names for path, names in offenders.items() if names} == {}


@pytest.mark.parametrize("folder", ["exchange/services", "exchange/domain", "exchange/models"])
def test_services_domain_and_models_never_import_flask(folder):
    offenders = {
        path: names & {"flask", "flask_login", "flask_babel", "werkzeug", "flask_sqlalchemy"}
        for path, names in imported_modules(folder).items()
    }
    assert {path: names for path, names in offenders.items() if names} == {}


@pytest.mark.parametrize("folder", ["exchange/web", "exchange/api"])
def test_views_never_touch_the_session(folder):
    touching = [
        str(path.relative_to(ROOT))
        for path in (ROOT / folder).rglob("*.py")
        if "db.session" in path.read_text() or ".commit()" in path.read_text()
    ]
    assert touching == []
