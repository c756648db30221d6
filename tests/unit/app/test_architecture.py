"""What import-linter cannot say (its contracts in pyproject.toml hold the import directions):
pages and the API leave the database session to the services."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
EXCHANGE = ROOT / "exchange"
EDGE_MODULES = ("api.py", "views.py", "forms.py", "schemas.py")
EDGE_PACKAGES = ("api", "views")
# The request's plumbing: the one place a request's unit of work is made, and the user loader.
SESSION_OWNERS = {"http/context.py", "http/auth.py"}


def edge_files() -> list[Path]:
    """Every module of the HTTP edge: exchange/http and each capability's pages and API."""
    files = list((EXCHANGE / "http").rglob("*.py"))
    for capability in EXCHANGE.iterdir():
        if capability.is_dir() and (capability / "__init__.py").exists():
            files += [capability / name for name in EDGE_MODULES if (capability / name).exists()]
            for package in EDGE_PACKAGES:
                files += list((capability / package).glob("*.py"))
    return files


def test_the_edge_is_found():
    names = {str(path.relative_to(EXCHANGE)) for path in edge_files()}
    assert {
        "http/api.py",
        "catalog/api.py",
        "catalog/views/public.py",
        "trading/api/contracts.py",
    } <= names
    assert len(names) >= 50


def test_views_never_touch_the_session():
    touching = [
        str(path.relative_to(ROOT))
        for path in edge_files()
        if str(path.relative_to(EXCHANGE)) not in SESSION_OWNERS
        and ("db.session" in path.read_text() or ".commit()" in path.read_text())
    ]
    assert touching == []
