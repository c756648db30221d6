"""A vendor lists a file of contacts, an operator approves it, a visitor finds it in Chinese and
sees only the masked sample."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from exchange.catalog.domain import Sensitivity
from exchange.catalog.ingest.masking import mask_value
from exchange.kernel.vocabulary import Role
from tests.catalog import id_number
from tests.factories import PASSWORD, Member, make_member

pytestmark = pytest.mark.e2e

SIGN_IN_FORM = "[data-testid=sign-in-form]"
SIGN_OUT = "nav form[action$='/sign-out'] button[type=submit]"
TITLE = "鹰潭阴极铜贸易商联系人名录"
MOBILES = ["13812345678", "13912345679", "13712345670"]
ID_NUMBERS = [
    id_number("36010219900307123"),
    id_number("36060219851122401"),
    id_number("36070219780615332"),
]


def contacts_csv() -> bytes:
    rows = ["日期,阴极铜成交量(吨),联系人手机,联系人身份证号"]
    for day, (mobile, id_no) in enumerate(zip(MOBILES, ID_NUMBERS, strict=True), start=8):
        rows.append(f"2026-10-{day:02d},{120 + day}.5,{mobile},{id_no}")
    return ("\n".join(rows) + "\n").encode()


def sign_in(page: Page, member: Member) -> None:
    page.locator("nav a[href$='/sign-in']").click()
    form = page.locator(SIGN_IN_FORM)
    form.locator("#f-email").fill(member.email)
    form.locator("#f-password").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("profile-link")).to_be_visible()


def sign_out(page: Page) -> None:
    page.locator(SIGN_OUT).click()
    expect(page.get_by_test_id("profile-link")).to_have_count(0)


def expect_masked_sample(page: Page) -> None:
    """The sample shows masked mobiles and ID numbers, never the originals."""
    sample = page.get_by_test_id("sample")
    expect(sample).to_be_visible()
    for mobile, id_no in zip(MOBILES, ID_NUMBERS, strict=True):
        expect(sample).to_contain_text(mask_value(mobile, Sensitivity.MOBILE))
        expect(sample).to_contain_text(mask_value(id_no, Sensitivity.ID_NUMBER))
    body = page.locator("body").inner_text()
    assert not [value for value in MOBILES + ID_NUMBERS if value in body]


def fill_new_product(page: Page) -> None:
    form = page.get_by_test_id("new-product-form")
    form.locator("#f-title_zh").fill(TITLE)
    form.locator("#f-title_en").fill("Yingtan copper cathode traders' contacts")
    form.locator("#f-summary_zh").fill("鹰潭阴极铜现货贸易商日成交量与联系人，个人信息已脱敏。")
    form.locator("#f-summary_en").fill(
        "Daily copper cathode volumes of Yingtan traders, with contacts."
    )
    form.locator("#f-board").select_option("nonferrous")
    form.locator("#f-update_frequency").select_option("daily")
    form.locator("#f-regions-yingtan").check()
    form.locator("#f-tags").fill("铜, 贸易商")
    form.locator("#f-grade_justification").fill("联系人信息经脱敏后提供，不涉及重要数据。")
    form.locator("#f-price").fill("3600.00")
    form.locator("#f-file").set_input_files(
        {"name": "contacts.csv", "mimeType": "text/csv", "buffer": contacts_csv()}
    )


def test_a_listing_goes_from_the_vendors_file_to_a_visitors_search(
    app: Flask, page: Page, screenshot: Callable[[str], Path]
) -> None:
    vendor = make_member(app, [Role.VENDOR])
    operator = make_member(app, [Role.OPERATOR])

    page.goto("/")
    sign_in(page, vendor)
    page.locator("#mainnav a[href='/vendor/products']").click()
    page.get_by_test_id("new-product").click()
    fill_new_product(page)
    screenshot("catalog-new-product")
    page.get_by_test_id("new-product-form").locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/products/\d+$"))
    expect(page.get_by_test_id("listing-status").first).to_have_attribute("data-status", "draft")
    personal = page.get_by_test_id("schema").get_by_test_id("personal")
    expect(personal).to_have_count(2)
    expect_masked_sample(page)
    screenshot("catalog-draft")
    page.get_by_test_id("submit-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("listing-status").first).to_have_attribute(
        "data-status", "submitted"
    )
    sign_out(page)

    sign_in(page, operator)
    page.locator("#mainnav a[href='/review']").click()
    item = page.get_by_test_id("queue-item").filter(has_text=TITLE)
    expect(item).to_have_count(1)
    screenshot("catalog-review")
    item.locator("button[name=decision][value=approve]").click()
    expect(page.get_by_test_id("queue-empty")).to_be_visible()
    sign_out(page)

    page.locator("#mainnav a[href='/products']").click()
    search = page.get_by_test_id("catalog-search")
    search.locator("input[name=q]").fill("阴极铜")
    search.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/products\?q="))
    card = page.get_by_test_id("product-card").filter(has_text=TITLE)
    expect(card).to_have_count(1)
    expect(card).to_contain_text("¥3,600.00")
    screenshot("catalog-search")
    card.locator("a.product-link").click()

    expect(page.get_by_test_id("product-title")).to_have_text(TITLE)
    expect(page.get_by_test_id("actions")).to_have_count(0)
    expect_masked_sample(page)
    screenshot("catalog-product")
