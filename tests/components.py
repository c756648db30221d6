"""What a missing component means: skip on a developer's machine, fail under CI=true."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def require_component(available: bool, reason: str) -> None:
    """Skip the test when the component is missing, unless CI demands every component."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing component fails the run)", pytrace=False)
    pytest.skip(reason)


REDIS_URL = "redis://127.0.0.1:6379"  # the Redis every machine of this kind runs
