"""A regulator opens the ledger, reads one entry's proof and verifies the whole ledger."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Page, expect

from exchange.kernel.vocabulary import Role
from tests.factories import PASSWORD, bearer, make_member

pytestmark = pytest.mark.e2e


def verified_vendor(app: Flask, client: FlaskClient) -> None:
    """An operator verifies a vendor, which puts entry 0 on the ledger."""
    operator = make_member(app, [Role.OPERATOR])
    vendor = make_member(app, [Role.VENDOR], verified=False)
    response = client.post(
        f"/api/v1/organisations/{vendor.organisation_id}/verification",
        json={"decision": "verified"},
        headers=bearer(client, operator),
    )
    assert response.status_code == 200


def test_regulator_reads_an_entry_and_verifies_the_ledger(
    app: Flask, client: FlaskClient, page: Page, screenshot: Callable[[str], Path]
) -> None:
    verified_vendor(app, client)
    regulator = make_member(app, [Role.REGULATOR])
    page.goto("/sign-in")
    form = page.locator("[data-testid=sign-in-form]")
    form.locator("#f-email").fill(regulator.email)
    form.locator("#f-password").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("profile-link")).to_be_visible()

    page.locator("#mainnav").get_by_role("link", name="账本").click()
    expect(page).to_have_url(re.compile(r"/ledger$"))
    rows = page.locator("[data-testid=ledger-entries] tbody tr[data-seq]")
    expect(rows).to_have_count(1)
    screenshot("ledger")

    rows.first.locator("a[href$='/ledger/0']").click()
    expect(page).to_have_url(re.compile(r"/ledger/0$"))
    expect(page.get_by_test_id("verify-command")).to_contain_text("python -m contracts.verify")
    expect(page.get_by_test_id("proof-download")).to_have_attribute("href", "/ledger/0/proof.json")
    screenshot("ledger-entry")

    page.locator("#mainnav").get_by_role("link", name="账本").click()
    page.get_by_test_id("verify-form").locator("button[type=submit]").click()
    verdict = page.get_by_test_id("verdict")
    expect(verdict).to_have_attribute("data-ok", "true")
    expect(verdict).to_contain_text("账本完整")
    screenshot("ledger-verification")
