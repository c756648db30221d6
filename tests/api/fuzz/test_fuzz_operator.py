"""The standing fuzz as the exchange's operator: see tests.api.fuzzing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.fuzzing import World, fuzz, world_on


@pytest.fixture(scope="module")
def world(templates: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """This module's own world, on SQLite."""
    yield from world_on(templates.get("sqlite"), tmp_path_factory.mktemp("fuzz-operator"))


def test_no_request_as_operator_breaks_the_api_or_strays_from_its_document(world: World) -> None:
    failures = fuzz(world, "operator")
    assert not failures, "\n\n".join(failures)
