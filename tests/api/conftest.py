"""API tests compare messages in English, so every client here asks for it."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.helpers import english_client


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A client asking for English."""
    return english_client(app)
