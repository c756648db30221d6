"""A new vendor registers, signs out and back in, and works in English from then on."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, expect

from tests.factories import PASSWORD, credit_code

pytestmark = pytest.mark.e2e

REGISTER_FORM = "[data-testid=register-form]"
SIGN_IN_FORM = "[data-testid=sign-in-form]"
SIGN_OUT = "nav form[action$='/sign-out'] button[type=submit]"


def fill_registration(page: Page, *, code: str, email: str, name: str) -> None:
    """Fill every required field of the registration form as a vendor."""
    form = page.locator(REGISTER_FORM)
    form.locator("#f-name_zh").fill("南昌铜业数据有限公司")
    form.locator("#f-name_en").fill("Nanchang Copper Data Co., Ltd.")
    form.locator("#f-credit_code").fill(code)
    form.locator("#f-region").select_option("nanchang")
    form.locator("#f-contact_name").fill("王伟")
    form.locator("#f-contact_phone").fill("0791-8600 1234")
    form.locator("#f-contact_email").fill("contact@copper.example.cn")
    form.locator("#f-display_name").fill(name)
    form.locator("#f-email").fill(email)
    form.locator("#f-password").fill(PASSWORD)
    form.locator("input[name=roles][value=vendor]").check()


def sign_out(page: Page) -> None:
    page.locator(SIGN_OUT).click()
    expect(page.get_by_test_id("profile-link")).to_have_count(0)


def sign_in(page: Page, email: str) -> None:
    """Sign in through the navbar link and the sign-in form."""
    page.locator("nav a[href$='/sign-in']").click()
    form = page.locator(SIGN_IN_FORM)
    form.locator("#f-email").fill(email)
    form.locator("#f-password").fill(PASSWORD)
    form.locator("button[type=submit]").click()


def test_new_vendor_registers_signs_back_in_and_keeps_english(
    page: Page, screenshot: Callable[[str], Path]
) -> None:
    email, name = "li.na@copper.example.cn", "李娜"
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

    page.locator("nav").get_by_role("link", name="注册").click()
    expect(page).to_have_url(re.compile(r"/register$"))
    fill_registration(page, code=credit_code(), email=email, name=name)
    screenshot("register")
    page.locator(REGISTER_FORM).locator("button[type=submit]").click()

    # The answer is the same for a known email as for a new one: the registrant signs in next.
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    expect(page.locator(".alert-success")).to_be_visible()
    form = page.locator(SIGN_IN_FORM)
    form.locator("#f-email").fill(email)
    form.locator("#f-password").fill(PASSWORD)
    form.locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/profile$"))
    expect(page.get_by_test_id("profile-link")).to_have_text(name)
    expect(page.locator("main")).to_contain_text(email)
    screenshot("profile")

    sign_out(page)
    sign_in(page, email)
    expect(page.get_by_test_id("profile-link")).to_have_text(name)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

    page.get_by_test_id("switch-language").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(SIGN_OUT)).to_have_text("Sign out")

    sign_out(page)
    sign_in(page, email)
    expect(page.get_by_test_id("profile-link")).to_have_text(name)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(SIGN_OUT)).to_have_text("Sign out")


def test_bad_credit_code_is_explained_beside_the_field_with_input_kept(page: Page) -> None:
    valid = credit_code()
    typo = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    page.goto("/register")
    fill_registration(page, code=typo, email="typo@copper.example.cn", name="张敏")
    page.locator(REGISTER_FORM).locator("button[type=submit]").click()

    form = page.locator(REGISTER_FORM)
    code_input = form.locator("#f-credit_code")
    expect(code_input).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(code_input).to_have_attribute("aria-describedby", "e-credit_code")
    expect(form.locator("#e-credit_code")).to_be_visible()
    expect(form.locator("#e-credit_code")).to_contain_text("校验码")
    expect(form.locator("#f-name_zh")).not_to_have_class(re.compile(r"\bis-invalid\b"))

    expect(code_input).to_have_value(typo)
    expect(form.locator("#f-name_zh")).to_have_value("南昌铜业数据有限公司")
    expect(form.locator("#f-region")).to_have_value("nanchang")
    expect(form.locator("#f-email")).to_have_value("typo@copper.example.cn")
    expect(form.locator("input[name=roles][value=vendor]")).to_be_checked()
    expect(page.get_by_test_id("profile-link")).to_have_count(0)


def test_pages_load_every_asset_from_the_exchange(page: Page, live_server: str) -> None:
    requests: list[Request] = []
    page.on("requestfinished", lambda request: requests.append(request))
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))

    for path in ("/", "/register", "/sign-in"):
        page.goto(path, wait_until="load")

    offsite = [r.url for r in requests if not r.url.startswith(live_server + "/")]
    broken = [r.url for r in requests if (response := r.response()) and response.status >= 400]
    assert offsite == []
    assert failed == []
    assert broken == []
    assert any("bootstrap" in r.url and r.url.endswith(".css") for r in requests)
    # Bootstrap's stylesheet really applied: its reboot sets a zero body margin.
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
