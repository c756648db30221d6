"""Fixtures: the exchange served on a free port, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.components import require_component
from tests.serving import served

CHROMIUM = Path("/usr/bin/chromium")
# Playwright cannot download its own browser here; these flags keep Debian's build quiet
# and working as root in a container.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# How long an action may wait for the page: generous, as the suite's other workers and the
# database share the machine's cores (a loaded run once took over 5 s to finish a sign-in).
TIMEOUT_MS = 15_000


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The exchange served over HTTP from a background thread; yields its base URL."""
    with served(app) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium, launched once for the session."""
    require_component(CHROMIUM.exists(), "Chromium: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


# Every document reports the Content-Security-Policy's refusals to the console, where the
# page fixture collects them (Chromium also logs its own line for most, but not all, of them).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile}:${event.lineNumber}`);
});
"""


def watch_policy(context: BrowserContext) -> list[str]:
    """Collect what every page of the context writes to its console, refusals included."""
    context.add_init_script(REPORT_VIOLATIONS)
    messages: list[str] = []
    context.on("console", lambda message: messages.append(message.text))
    return messages


def csp_violations(messages: list[str]) -> list[str]:
    """The console lines that report something the Content-Security-Policy refused."""
    return [m for m in messages if "CSP violation" in m or "Content Security Policy" in m]


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A page in a fresh browser context (no cookies) whose relative URLs go to the exchange;
    the journey fails if any page it visits breaks the Content-Security-Policy."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    messages = watch_policy(context)
    page = context.new_page()
    yield page
    context.close()
    assert not csp_violations(messages), csp_violations(messages)


@pytest.fixture
def screenshot(page: Page, request: pytest.FixtureRequest) -> Callable[[str], Path]:
    """Save a full-page screenshot for people to look at; tests never assert on it."""
    callspec = getattr(request.node, "callspec", None)
    suffix = f"-{callspec.id}" if callspec else ""

    def take(name: str) -> Path:
        path = Path(tempfile.gettempdir()) / f"e2e-{name}{suffix}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take
