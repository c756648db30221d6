"""A vendor's upload forms sent without a file: refused beside the file input (422), as the API
refuses the same request (tests/api/catalog/test_product_uploads.py), with nothing stored."""

from __future__ import annotations

import pytest

from exchange.kernel.vocabulary import Role
from tests.catalog import catalog_state, person
from tests.integration.catalog_pages import (
    draft,
    english,
    feedback,
    form_data,
    post,
    sign_in_as,
)

NO_FILE = ["Choose a data file to upload."]


@pytest.fixture
def world(app):
    """A vendor and an API client."""
    return {"app": app, "api": app.test_client(), Role.VENDOR: person(app, [Role.VENDOR])}


def test_a_new_version_without_a_file_names_the_file_input(app, client, world):
    product_id = draft(world)
    sign_in_as(client, world[Role.VENDOR])
    english(client)
    before = catalog_state(app)
    response = post(
        client,
        f"/vendor/products/{product_id}/versions/new",
        {"note": "忘了附件"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert feedback(response, "file") == NO_FILE
    assert catalog_state(app) == before


def test_a_new_product_without_a_file_names_the_file_input(app, client, world):
    sign_in_as(client, world[Role.VENDOR])
    english(client)
    before = catalog_state(app)
    response = post(client, "/vendor/products/new", form_data(), content_type="multipart/form-data")
    assert response.status_code == 422
    assert feedback(response, "file") == NO_FILE
    assert catalog_state(app) == before
