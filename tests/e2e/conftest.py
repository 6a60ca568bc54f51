"""Browser tests: Debian's Chromium driven by Playwright (its bundled driver; never `playwright install`),
against pytest-django's live server, in a phone viewport. Screenshots go to var/test-artifacts/."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import require_service

# Playwright's sync API runs an event loop in this thread; Django would refuse the test's own queries.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@pytest.fixture(scope="session")
def browser():
    require_service(os.path.exists(CHROMIUM), f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - requirements-dev.txt pins it
        require_service(False, "needs the playwright package (requirements-dev.txt)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A fresh phone: its own storage (localStorage, IndexedDB), Chinese locale."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **PHONE)
    context.set_default_timeout(15_000)
    yield context
    close_quietly(context)


def close_quietly(context) -> None:
    """Close a browser context once each of its pages has let its last requests finish, before the
    test's database is flushed.

    A page keeps fetching after the test's last assertion (the phone page exchanges its session for a
    token, then scans); a request still writing while the live server's database is flushed fails the
    flush with a foreign-key error in the teardown.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for page in context.pages:
        try:
            page.wait_for_load_state("networkidle", timeout=5_000)
        except PlaywrightTimeout:  # a page that never goes quiet (a poll) is closed as it is
            pass
    context.close()


@pytest.fixture
def shot(request):
    """Save a full-page screenshot named after the test and the step."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def save(page, step: str) -> Path:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)  # parametrized ids carry brackets
        path = ARTIFACTS / f"{name}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


# The reports' small archive (week 27 of 2024) for the supervisor pages.
from tests.reports.conftest import archive, people  # noqa: E402, F401
