"""What import-linter cannot say (its contracts in pyproject.toml hold the import directions):
views leave the database session to the services."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("folder", ["exchange/web", "exchange/api"])
def test_views_never_touch_the_session(folder):
    touching = [
        str(path.relative_to(ROOT))
        for path in (ROOT / folder).rglob("*.py")
        if "db.session" in path.read_text() or ".commit()" in path.read_text()
    ]
    assert touching == []
