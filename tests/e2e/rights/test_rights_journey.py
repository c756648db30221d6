"""A vendor registers rights with a PDF, another organisation objects on the public notice, an
operator dismisses the objection once the notice has ended, and a visitor verifies the
certificate in Chromium."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import update

from contracts.anchoring import anchor_pending
from exchange.extensions import db
from exchange.kernel.vocabulary import Role
from exchange.ledger.extension import chain_of
from exchange.rights.models import RightsRegistration
from tests.catalog import person
from tests.e2e.catalog.test_catalog_journey import sign_in, sign_out
from tests.factories import make_member
from tests.rights import PDF, own_product

pytestmark = pytest.mark.e2e

REASONS = "该数据系我方传感器采集，申请人无权登记持有权。"


def end_notice(app: Flask, registration_id: int) -> None:
    """As if the public-notice period had run its course."""
    with app.app_context():
        db.session.execute(
            update(RightsRegistration)
            .where(RightsRegistration.id == registration_id)
            .values(notice_ends_at=RightsRegistration.created_at)
        )
        db.session.commit()
        db.session.remove()


def anchor(app: Flask) -> None:
    with app.app_context():
        anchor_pending(db.engine, chain_of(app), force=True)
        db.session.remove()


def test_rights_go_from_the_vendors_form_to_a_verified_certificate(
    app: Flask, page: Page, screenshot: Callable[[str], Path]
) -> None:
    vendor = make_member(app, [Role.VENDOR])
    colleague = person(app, [Role.VENDOR], organisation_id=vendor.organisation_id)
    product = own_product(app.test_client(), colleague)
    rival = make_member(app, [Role.VENDOR])
    operator = make_member(app, [Role.OPERATOR])

    page.goto("/")
    sign_in(page, vendor)
    page.goto(f"/products/{product['id']}")
    page.get_by_test_id("register-rights").click()
    form = page.get_by_test_id("registration-form")
    form.locator("#f-claim_holding").check()
    form.locator("#f-claim_operation").check()
    form.locator("#f-uses_operation-internal").uncheck()
    form.locator("#f-documents").set_input_files(
        {"name": "数据来源说明.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    screenshot("rights-form")
    form.locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/rights/registrations/\d+$"))
    registration_path = urlparse(page.url).path
    registration_id = int(registration_path.rsplit("/", 1)[1])
    expect(page.get_by_test_id("registration-status")).to_have_attribute("data-status", "notice")
    expect(page.get_by_test_id("right-row")).to_have_count(2)
    expect(page.get_by_test_id("document-link")).to_have_text("数据来源说明.pdf")
    sign_out(page)

    sign_in(page, rival)
    page.locator("#mainnav a[href='/rights/notices']").click()
    page.get_by_test_id("on-notice").locator(f"a[href='{registration_path}']").click()
    objection = page.get_by_test_id("objection-form")
    objection.locator("#f-reasons").fill(REASONS)
    objection.locator("button[type=submit]").click()
    expect(page.get_by_test_id("reasons")).to_have_text(REASONS)
    expect(page.get_by_test_id("objection-status")).to_have_attribute("data-status", "open")
    sign_out(page)

    end_notice(app, registration_id)
    sign_in(page, operator)
    page.locator("#mainnav a[href='/rights/objections']").click()
    page.get_by_test_id("objection-queue").locator(f"a[href='{registration_path}']").click()
    decision = page.get_by_test_id("decide-form")
    decision.locator("textarea[name=reason]").fill("异议方未提供采集记录，驳回。")
    screenshot("rights-decision")
    decision.locator("button[name=decision][value=dismiss]").click()
    expect(page.get_by_test_id("objection-status")).to_have_attribute("data-status", "dismissed")
    expect(page.get_by_test_id("registration-status")).to_have_attribute("data-status", "certified")
    sign_out(page)

    anchor(app)
    page.goto(registration_path)
    page.get_by_test_id("certificate-link").first.click()
    expect(page).to_have_url(re.compile(r"/rights/certificates/GSC-\d{4}-\d{6}$"))
    certificate = page.get_by_test_id("certificate")
    expect(page.get_by_test_id("qr").locator("svg")).to_be_visible()
    expect(certificate.locator("tr[data-right]")).to_have_count(2)
    screenshot("rights-certificate")
    page.get_by_test_id("verify-link").click()

    expect(page).to_have_url(re.compile(r"/verify$"))
    expect(page.get_by_test_id("verdict")).to_have_attribute("data-status", "verified")
    expect(page.locator("[data-testid=check][data-ok=false]")).to_have_count(0)
    screenshot("rights-verified")
