"""The ingest package stays a pure library: no Flask, no database, no work at import time."""

from __future__ import annotations

import ast
from pathlib import Path

INGEST = Path(__file__).resolve().parents[3] / "exchange" / "catalog" / "ingest"
FORBIDDEN = {"flask", "flask_sqlalchemy", "sqlalchemy", "werkzeug", "exchange.models"}


def forbidden(name: str) -> bool:
    """Flask, the database, or any capability's models."""
    is_models = name.startswith("exchange.") and name.endswith(".models")
    return name in FORBIDDEN or name.split(".")[0] in FORBIDDEN or is_models


def test_the_ingest_package_is_found():
    assert len(list(INGEST.glob("*.py"))) >= 10


def module_level_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_ingest_never_imports_flask_or_the_database():
    offenders = {
        path.name: sorted(name for name in module_level_imports(path) if forbidden(name))
        for path in INGEST.glob("*.py")
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_ingest_modules_only_define_things_at_import_time():
    allowed = (
        ast.Import,
        ast.ImportFrom,
        ast.FunctionDef,
        ast.ClassDef,
        ast.Assign,
        ast.AnnAssign,
        ast.Expr,  # docstrings
    )
    stray = {
        path.name: [type(node).__name__ for node in ast.parse(path.read_text()).body]
        for path in INGEST.glob("*.py")
    }
    assert {
        name: kinds
        for name, kinds in stray.items()
        if any(kind not in {cls.__name__ for cls in allowed} for kind in kinds)
    } == {}
