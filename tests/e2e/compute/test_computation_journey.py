"""A computation licence in Chromium (数据可用不可见): the vendor of household data with mobile
numbers sets the query policy and adds a computation offer; a buyer negotiates, both sign, the
buyer pays by bank transfer; in the query console an aggregate runs with its lone-row group
suppressed (without saying so) and a row-level query is refused by the rule; the regulator's
dossier shows both."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from exchange.kernel.vocabulary import Role
from tests.catalog import create_product, person, review, submit, upload
from tests.compute import REGIONS, households
from tests.e2e.catalog.test_catalog_journey import sign_out
from tests.e2e.trading.test_trading_journey import sign_in
from tests.rights import certify

pytestmark = pytest.mark.e2e

REGION, AMOUNT, MOBILE = "地区", "用电量(千瓦时)", "手机号"
AGGREGATE = (
    f'SELECT "{REGION}", COUNT(*) AS n, AVG("{AMOUNT}") AS mean FROM data GROUP BY 1 ORDER BY 1'
)
ROW_LEVEL = f'SELECT "{MOBILE}" FROM data'
TITLE = "江西四市居民用电量与联系方式"


def set_policy(page: Page, product_id: int) -> None:
    """The vendor opens the policy editor from its products and saves the first version."""
    page.locator("#mainnav a[href='/vendor/products']").click()
    page.locator(f"tr[data-product-id='{product_id}']").get_by_test_id("policy-link").click()
    form = page.get_by_test_id("policy-form")
    form.locator(f"tr[data-column='{REGION}'] select[name=use]").select_option("group")
    amount = form.locator(f"tr[data-column='{AMOUNT}']")
    amount.locator("select[name=use]").select_option("aggregate")
    amount.locator("input[name=lower]").fill("0")
    amount.locator("input[name=upper]").fill("5000")
    form.locator(f"tr[data-column='{MOBILE}'] select[name=use]").select_option("hidden")
    form.locator("#f-min_group_size").fill("5")
    form.get_by_test_id("save-policy").click()
    expect(page.get_by_test_id("policy-version")).to_have_text("第 1 版")


def add_computation_offer(page: Page, product_id: int) -> int:
    """The vendor adds a computation offer of 5 queries on the product's page; its id."""
    page.goto(f"/products/{product_id}")
    adding = page.get_by_test_id("add-offer")
    adding.locator("summary").click()
    adding.locator("#f-price").fill("3000.00")
    adding.locator("#f-seats").fill("5")
    adding.locator("#f-access").select_option("computation")
    adding.locator("#f-quota").fill("5")
    adding.locator("button[type=submit]").click()
    offer = page.locator("[data-testid=offers] tr[data-offer-id]").filter(
        has=page.get_by_test_id("offer-protection")
    )
    expect(offer).to_have_count(1)
    access = offer.get_by_test_id("offer-access")
    expect(access).to_have_text("隐私计算（数据可用不可见） · 5 次查询 · 每次 ¥600.00")
    expect(offer.get_by_test_id("offer-protection")).to_contain_text("仅最小分组规模")
    return int(offer.get_attribute("data-offer-id") or "")


def test_a_buyer_computes_over_personal_data_it_never_sees(
    app: Flask, page: Page, screenshot: Callable[[str], Path]
) -> None:
    client = app.test_client()
    vendor = person(app, [Role.VENDOR])
    operator = person(app, [Role.OPERATOR])
    buyer = person(app, [Role.BUYER])
    regulator = person(app, [Role.REGULATOR])
    product_id = create_product(client, vendor.headers, with_file=False, title_zh=TITLE)["id"]
    assert upload(client, vendor.headers, product_id, households(), "power.csv").status_code == 201

    # The vendor sets the query policy and offers a computation licence.
    sign_in(page, app, vendor)
    set_policy(page, product_id)
    screenshot("compute-policy")
    offer_id = add_computation_offer(page, product_id)
    screenshot("compute-offer")
    sign_out(page)

    # Listing and rights certification, as the other journeys set them up.
    assert submit(client, vendor, product_id).status_code == 200
    assert review(client, operator, product_id).get_json()["status"] == "listed"
    certify(app, vendor, product_id)

    # The buyer offers the list price for the computation licence.
    sign_in(page, app, buyer)
    page.goto(f"/products/{product_id}")
    offer = page.get_by_test_id(f"make-offer-{offer_id}")
    offer.locator("summary").click()
    offer.get_by_test_id("send-offer").click()
    expect(page).to_have_url(re.compile(r"/negotiations/\d+$"))
    negotiation_path = urlparse(page.url).path
    sign_out(page)

    # The vendor accepts and signs.
    sign_in(page, app, vendor)
    page.get_by_test_id("nav-negotiations").click()
    page.locator(f"a[href='{negotiation_path}']").click()
    page.get_by_test_id("accept").click()
    expect(page).to_have_url(re.compile(r"/contracts/\d+$"))
    contract_path = urlparse(page.url).path
    contract_id = int(contract_path.rsplit("/", 1)[1])
    page.get_by_test_id("sign").click()
    expect(page.get_by_test_id("signature-verified")).to_have_count(1)
    sign_out(page)

    # The buyer signs and chooses a bank transfer.
    sign_in(page, app, buyer)
    page.goto(contract_path)
    page.get_by_test_id("sign").click()
    expect(page.get_by_test_id("contract-status")).to_have_attribute(
        "data-status", "awaiting_payment"
    )
    page.get_by_test_id("pay-bank").click()
    instructions = page.get_by_test_id("instructions")
    expect(instructions.get_by_test_id("amount")).to_have_text("¥3,000.00")
    reference = instructions.get_by_test_id("reference").inner_text()
    sign_out(page)

    # An operator confirms the transfer arrived.
    sign_in(page, app, operator)
    page.get_by_test_id("nav-payments").click()
    row = page.locator("tr", has=page.get_by_text(reference, exact=True))
    row.locator("input[name=amount]").fill("3000.00")
    row.get_by_test_id("confirm-transfer").click()
    expect(page.get_by_test_id("no-transfers")).to_be_visible()
    sign_out(page)

    # The buyer opens the console from the contract: no copy to download, only computation.
    sign_in(page, app, buyer)
    page.goto(contract_path)
    expect(page.get_by_test_id("download")).to_have_count(0)
    page.get_by_test_id("query-console").click()
    expect(page).to_have_url(re.compile(rf"/contracts/{contract_id}/compute$"))
    expect(page.get_by_test_id("queries-left")).to_have_text("剩余查询次数：5 / 5")
    columns = page.get_by_test_id("licensed-columns").locator("li code")
    expect(columns).to_have_text([REGION, AMOUNT])  # the hidden mobile column is not offered
    body = page.locator("body").inner_text()
    assert not [line for line in households().decode().splitlines()[1:] if line in body]

    # An aggregate by region runs; 婺源's single household is suppressed.
    page.get_by_test_id("query-text").fill(AGGREGATE)
    page.get_by_test_id("run-query").click()
    done = page.locator("[data-testid=query][data-status=done]")
    expect(done).to_have_count(1)
    result = done.get_by_test_id("query-result")
    expect(result.locator("thead th")).to_have_text([REGION, "n", "mean"])
    expect(result.locator("tbody tr td:first-child")).to_have_text(sorted(REGIONS))
    expect(result).not_to_contain_text("婺源")
    expect(done).not_to_contain_text("屏蔽")  # not even how many: that would tell one exists
    expect(page.get_by_test_id("queries-left")).to_have_text("剩余查询次数：4 / 5")
    screenshot("compute-result")

    # A query for the mobile numbers is refused, naming the column the licence keeps hidden.
    page.get_by_test_id("query-text").fill(ROW_LEVEL)
    page.get_by_test_id("run-query").click()
    expect(page.get_by_test_id("query-error")).to_contain_text("许可不允许读取列")
    expect(page.get_by_test_id("query-error")).to_contain_text(MOBILE)
    refused = page.locator("[data-testid=query][data-status=refused]")
    expect(refused).to_have_count(1)
    expect(refused.get_by_test_id("query-result")).to_have_count(0)
    expect(page.get_by_test_id("queries-left")).to_have_text("剩余查询次数：4 / 5")
    screenshot("compute-refused")
    sign_out(page)

    # The regulator opens the trade's dossier and finds both computations.
    sign_in(page, app, regulator)
    page.get_by_test_id("nav-oversight").click()
    page.locator("[data-testid=oversight-nav] a[href$='/oversight/trades']").click()
    page.locator(f"[data-testid=trades] tr[data-contract-id='{contract_id}'] td a").first.click()
    expect(page).to_have_url(re.compile(rf"/oversight/trades/{contract_id}$"))
    computations = page.get_by_test_id("computation")
    expect(computations).to_have_count(2)
    ran = page.locator("[data-testid=computation][data-status=done]")
    expect(ran).to_contain_text("GROUP BY")
    turned_down = page.locator("[data-testid=computation][data-status=refused]")
    expect(turned_down).to_contain_text(ROW_LEVEL)
    expect(turned_down).to_contain_text(MOBILE)
    screenshot("compute-dossier")
