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
