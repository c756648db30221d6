"""The Content-Security-Policy in a real browser: the journeys' watch catches a refusal, and the
API's documentation page, whose initialiser was inline script, runs under the policy."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from exchange.http.security_headers import CONTENT_SECURITY_POLICY
from tests.e2e.conftest import csp_violations, watch_policy

HOSTILE_PAGE = """<!doctype html><html><head><title>t</title></head><body>
<p style="color: red">inline style</p><script>document.title = "ran";</script>
</body></html>"""


def test_the_watch_reports_inline_script_and_style_the_policy_refuses(browser: Browser):
    context = browser.new_context()
    messages = watch_policy(context)
    page = context.new_page()
    page.route(
        "http://exchange.test/",
        lambda route: route.fulfill(
            body=HOSTILE_PAGE,
            content_type="text/html",
            headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY},
        ),
    )
    page.goto("http://exchange.test/")
    expect(page).to_have_title("t")  # the inline script never ran
    page.wait_for_function("() => true")
    context.close()
    found = csp_violations(messages)
    assert any("script-src" in m for m in found), messages
    assert any("style-src" in m for m in found), messages


def test_api_documentation_runs_under_the_policy(page: Page):
    page.goto("/api/docs")
    # Swagger UI drew the document: its initialiser, a static file, ran.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Ganshu Data Exchange API")
    expect(page.locator(".opblock").first).to_be_visible()
