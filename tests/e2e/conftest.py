"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) at a phone's
390×844 viewport against a real server on loopback, one fresh database per test."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# Flags for a closed network: no background connections, no sandbox as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def _chromium() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Chromium is missing: apt-get install chromium (make test does it)")
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_app(make_app):
    return make_app()


@pytest.fixture
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


class Phone:
    """A page in a phone-sized browser, with the checks every page must pass."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _console(self, message) -> None:
        text = message.text
        if message.type == "error" and ("Content Security Policy" in text or "Refused" in text):
            self.problems.append(f"CSP on {self.page.url}: {text[:90]} @ {message.location}")

    def goto(self, path: str):
        return self.page.goto(self.base_url + path)

    def sign_in(self, email: str, password: str = "mentorskap") -> None:
        self.goto("/login")
        self.page.get_by_label("E-postadress").fill(email)
        self.page.get_by_label("Lösenord", exact=True).fill(password)
        self.page.get_by_role("button", name="Logga in").click()
        self.page.wait_for_url(lambda url: "/login" not in url)

    def settled(self) -> None:
        """Wait until the page has loaded and no htmx request, swap or settle is running."""
        self.page.wait_for_load_state("load")
        self.page.wait_for_function(
            "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
        )

    def check(self, name: str) -> None:
        """Accessibility (axe-core: no serious or critical violation), no sideways
        scrolling at phone width, and a screenshot for people to look at."""
        page = self.page
        page.wait_for_load_state("load")
        # Not in the middle of an htmx request or swap: its buttons are faded for that
        # moment (.htmx-request .button), which axe would measure as low contrast.
        page.wait_for_function(
            "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
        )
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            # Evaluated through the DevTools protocol, so the page's CSP stays strict.
            page.evaluate(AXE.read_text())
        violations = page.evaluate(
            """async () => {
                const result = await axe.run(document, {resultTypes: ['violations']});
                return result.violations
                    .filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
            }"""
        )
        assert violations == [], f"{name}: {violations}"
        overflow = page.evaluate("() => document.documentElement.scrollWidth")
        width = page.viewport_size["width"]
        assert overflow <= width, f"{name} scrolls sideways ({overflow}px at {width}px)"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="sv-SE"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    wrapped = Phone(page, live_server)
    yield wrapped
    context.close()
    assert wrapped.problems == []


@pytest.fixture
def desktop(browser, live_server):
    """The same checks in a desktop-sized window, for pages staff use at their desks too."""
    context = browser.new_context(viewport=DESKTOP, locale="sv-SE")
    page = context.new_page()
    page.set_default_timeout(10_000)
    wrapped = Phone(page, live_server)
    yield wrapped
    context.close()
    assert wrapped.problems == []


@pytest.fixture
def phone_without_js(browser, live_server):
    context = browser.new_context(viewport=PHONE, locale="sv-SE", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield Phone(page, live_server)
    context.close()
