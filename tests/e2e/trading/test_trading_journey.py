"""A whole trade in Chromium: a buyer offers on a product's page; the vendor counters; the buyer
accepts; both sign; the buyer pays by bank transfer and an operator confirms it; the buyer
downloads a fingerprinted copy and accepts delivery; the vendor sees the payout."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from exchange.accounts.models import User
from exchange.extensions import db
from tests.catalog import Person
from tests.e2e.catalog.test_catalog_journey import SIGN_IN_FORM, sign_out
from tests.factories import PASSWORD
from tests.trading import market

pytestmark = pytest.mark.e2e


def sign_in(page: Page, app: Flask, someone: Person) -> None:
    """Sign in through the page as one of the market's people."""
    with app.app_context():
        email = db.session.get(User, someone.user_id).email
        db.session.remove()
    page.goto("/")
    page.locator("nav a[href$='/sign-in']").click()
    form = page.locator(SIGN_IN_FORM)
    form.locator("#f-email").fill(email)
    form.locator("#f-password").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("profile-link")).to_be_visible()


def test_a_trade_goes_from_an_offer_to_the_vendors_payout(
    app: Flask, page: Page, screenshot: Callable[[str], Path]
) -> None:
    trade = market(app, app.test_client())

    # The buyer offers less than the list price from the product's page.
    sign_in(page, app, trade.buyer)
    page.goto(f"/products/{trade.product_id}")
    offer = page.get_by_test_id(f"make-offer-{trade.offer_id}")
    offer.locator("summary").click()
    offer.locator("input[name=price]").fill("9000.00")
    offer.locator("textarea[name=message]").fill("我方预算有限，请考虑。")
    screenshot("trading-offer")
    offer.get_by_test_id("send-offer").click()
    expect(page).to_have_url(re.compile(r"/negotiations/\d+$"))
    negotiation_path = urlparse(page.url).path
    expect(page.get_by_test_id("history").locator("li")).to_have_count(1)
    sign_out(page)

    # The vendor finds it among its negotiations and counters.
    sign_in(page, app, trade.vendor)
    page.get_by_test_id("nav-negotiations").click()
    page.locator(f"a[href='{negotiation_path}']").click()
    counter = page.get_by_test_id("counter-form")
    counter.locator("input[name=price]").fill("9800.00")
    counter.get_by_test_id("send-counter").click()
    expect(page.get_by_test_id("history").locator("li")).to_have_count(2)
    expect(page.get_by_test_id("counter-form")).to_have_count(0)
    sign_out(page)

    # The buyer accepts; the terms become a contract, which it signs.
    sign_in(page, app, trade.buyer)
    page.goto(negotiation_path)
    page.get_by_test_id("accept").click()
    expect(page).to_have_url(re.compile(r"/contracts/\d+$"))
    contract_path = urlparse(page.url).path
    expect(page.get_by_test_id("contract-status")).to_have_attribute("data-status", "signing")
    expect(page.get_by_test_id("price")).to_have_text("¥9,800.00")
    page.get_by_test_id("sign").click()
    expect(page.get_by_test_id("signature-verified")).to_have_count(1)
    sign_out(page)

    # The vendor signs from its list of contracts; both signatures verify.
    sign_in(page, app, trade.vendor)
    page.get_by_test_id("nav-contracts").click()
    page.locator(f"a[href='{contract_path}']").click()
    page.get_by_test_id("sign").click()
    expect(page.get_by_test_id("signature-verified")).to_have_count(2)
    expect(page.get_by_test_id("contract-status")).to_have_attribute(
        "data-status", "awaiting_payment"
    )
    sign_out(page)

    # The buyer chooses a bank transfer and is shown the instructions.
    sign_in(page, app, trade.buyer)
    page.goto(contract_path)
    page.get_by_test_id("pay-bank").click()
    instructions = page.get_by_test_id("instructions")
    expect(instructions.get_by_test_id("amount")).to_have_text("¥9,800.00")
    reference = instructions.get_by_test_id("reference").inner_text()
    assert re.fullmatch(r"GSP\d{11}", reference)
    screenshot("trading-instructions")
    sign_out(page)

    # An operator confirms the transfer arrived.
    sign_in(page, app, trade.operator)
    page.get_by_test_id("nav-payments").click()
    row = page.locator("tr", has=page.get_by_text(reference, exact=True))
    row.locator("input[name=amount]").fill("9800.00")
    row.get_by_test_id("confirm-transfer").click()
    expect(page.get_by_test_id("no-transfers")).to_be_visible()
    sign_out(page)

    # The buyer downloads its fingerprinted copy and accepts the delivery.
    sign_in(page, app, trade.buyer)
    page.goto(contract_path)
    expect(page.get_by_test_id("contract-status")).to_have_attribute("data-status", "in_escrow")
    with page.expect_download() as download:
        page.get_by_test_id("download").click()
    saved = Path(download.value.path())
    assert saved.stat().st_size > 0
    assert download.value.suggested_filename.endswith(".csv")
    page.goto(contract_path)
    page.get_by_test_id("accept-delivery").click()
    expect(page.get_by_test_id("contract-status")).to_have_attribute("data-status", "settled")
    sign_out(page)

    # The vendor sees what it is paid: the price less the exchange's 3 % fee.
    sign_in(page, app, trade.vendor)
    page.goto(contract_path)
    payout = page.get_by_test_id("payout")
    expect(payout.get_by_test_id("payout-price")).to_have_text("¥9,800.00")
    expect(payout.get_by_test_id("payout-fee")).to_have_text("−¥294.00")
    expect(payout.get_by_test_id("payout-net")).to_have_text("¥9,506.00")
    screenshot("trading-payout")
