"""The regulators' portal in Chromium: a regulator signs in, filters the trades by board, opens
one, checks its proofs against the chain, opens the alert its wash trade raised, and traces an
uploaded leaked copy to the buyer it was sold to."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from contracts.anchoring import anchor_pending
from exchange.accounts.models import Organisation
from exchange.catalog.extension import data_files
from exchange.delivery import entitlements as delivery
from exchange.extensions import db
from exchange.http.context import uow
from exchange.kernel.vocabulary import Role
from exchange.ledger.extension import chain_of
from exchange.payments.domain import Gateway
from exchange.payments.gateways import gateways_from_config
from exchange.trading import payment_outcomes, payment_start, signing_keys
from exchange.trading.contract_lookup import trade_contract
from exchange.trading.extension import signing_domain
from tests.catalog import Person, person
from tests.delivery import grant
from tests.delivery import trade as delivered_trade
from tests.e2e.trading.test_trading_journey import sign_in
from tests.integration.oversight.test_oversight_alerts import PRICE, Listing, detect, listing
from tests.trading import accept, act, propose, terms

pytestmark = pytest.mark.e2e


def buy(app: Flask, seller: Listing, who: Person) -> int:
    """A paid trade through the services, signed under the exchange's own signing domain."""
    contract_id = accept(app, seller.vendor, propose(app, who, seller.offer_id, terms()))
    for side in (seller.vendor, who):
        with app.app_context():
            domain = signing_domain(app)
        act(
            app,
            side,
            signing_keys.sign_contract,
            contract_id,
            master_key=app.config["MASTER_KEY"],
            domain=domain,
        )
    bank = gateways_from_config(app.config)[Gateway.BANK_TRANSFER]
    started = act(app, who, payment_start.start_payment, contract_id, gateway=bank)
    act(app, seller.operator, payment_outcomes.confirm_bank_transfer, started["id"], amount=PRICE)
    return contract_id


def leaked_copy(app: Flask, client) -> tuple[bytes, str]:
    """A buyer's downloaded (fingerprinted) copy of a steel product, and the buyer's name."""
    bought = delivered_trade(app, client, board="steel")
    entitlement_id = grant(app, bought.contract_id).entitlement_id
    secret, lifetime = app.config["SECRET_KEY"], app.config["DOWNLOAD_LINK_SECONDS"]
    link = act(
        app,
        bought.buyer,
        delivery.download_link,
        entitlement_id,
        secret=secret,
        lifetime=lifetime,
        contracts=trade_contract,
    )
    with app.app_context():
        copy = delivery.open_download(
            uow(),
            link.token,
            secret=secret,
            lifetime=lifetime,
            files=data_files(),
            contracts=trade_contract,
        )
        name = db.session.get(Organisation, bought.buyer.organisation_id).name_zh
        db.session.remove()
    return copy.content, name


def test_a_regulator_follows_a_wash_trade_and_a_leak(
    app: Flask, page: Page, screenshot: Callable[[str], Path], tmp_path: Path
) -> None:
    client = app.test_client()
    # Two organisations sell to each other within days (non-ferrous products): a wash trade.
    north, south = listing(app, client), listing(app, client)
    there = buy(app, north, south.vendor)
    buy(app, south, north.vendor)
    content, leaker = leaked_copy(app, client)
    detect(app)
    with app.app_context():
        anchor_pending(db.engine, chain_of(app), force=True)
    regulator = person(app, [Role.REGULATOR])
    suspect = tmp_path / "在网上发现的铜价.csv"
    suspect.write_bytes(content)

    # The regulator opens the portal and narrows the trades to the non-ferrous board.
    sign_in(page, app, regulator)
    page.get_by_test_id("nav-oversight").click()
    expect(page.get_by_test_id("total-trades")).to_have_text("3")
    page.locator("[data-testid=oversight-nav] a[href$='/oversight/trades']").click()
    expect(page.locator("[data-testid=trades] tbody tr")).to_have_count(3)
    filters = page.get_by_test_id("trade-filters")
    filters.locator("#f-board").select_option("nonferrous")
    filters.locator("button[type=submit]").first.click()
    rows = page.locator("[data-testid=trades] tbody tr")
    expect(rows).to_have_count(2)
    screenshot("oversight-trades")

    # It opens the first of the two and checks its proofs against the chain.
    page.locator(f"[data-testid=trades] tr[data-contract-id='{there}'] td a").first.click()
    expect(page).to_have_url(re.compile(rf"/oversight/trades/{there}$"))
    expect(page.get_by_test_id("signature-verified")).to_have_count(2)
    page.get_by_test_id("check-proofs").locator("button").click()
    checks = page.get_by_test_id("proof-check")
    expect(checks.first).to_be_visible()
    assert checks.count() >= 6
    expect(page.locator("[data-testid=proof-check][data-ok='true']")).to_have_count(checks.count())
    screenshot("oversight-proofs")

    # The wash trade raised a circular-trade alert; the regulator reads its evidence.
    page.get_by_test_id("nav-oversight").click()
    page.locator("[data-testid=oversight-nav] a[href$='/oversight/alerts']").click()
    page.get_by_test_id("alert-filters").locator("#f-kind").select_option("circular_trade")
    page.get_by_test_id("alert-filters").locator("button[type=submit]").first.click()
    alerts = page.locator("[data-testid=alerts] tbody tr")
    expect(alerts).to_have_count(1)
    alerts.first.locator("a").first.click()
    expect(page.get_by_test_id("evidence")).to_have_attribute("data-kind", "circular_trade")
    expect(page.get_by_test_id("alert-contracts")).to_contain_text(str(there))
    page.get_by_test_id("acknowledge-form").locator("button").click()
    expect(page.get_by_test_id("alert-status").first).to_have_attribute(
        "data-status", "acknowledged"
    )

    # A copy found online is uploaded; the exchange names the buyer it was sold to.
    page.get_by_test_id("nav-oversight").click()
    page.locator("[data-testid=oversight-nav] a[href$='/oversight/leaks']").click()
    page.get_by_test_id("leak-form").locator("#f-file").set_input_files(str(suspect))
    page.get_by_test_id("leak-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("leak-buyer")).to_contain_text(leaker)
    expect(page.get_by_test_id("leak-alert")).to_be_visible()
    screenshot("oversight-leak")
