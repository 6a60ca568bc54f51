"""Issue 14 on a 390x844 phone: one login serves the phone page and the supervisor pages (either way,
logging out of one ends both), and a post's page reloaded without network builds its checklist from
the last scan answer kept on the phone."""

import json

import pytest
from rest_framework.test import APIClient

from checklists.models import Inspection
from tests import factories
from tests.e2e.test_phone_page import Setup, fill, open_and_log_in
from tests.e2e.test_supervisor_pages import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup(world) -> Setup:
    return Setup(world)


def checklist(setup) -> str:
    return f'form.checklist[data-template="{setup.template.id}"]'


def test_logged_in_on_the_pages_the_phone_page_opens_without_a_second_login(phone, live_server, setup, shot):
    page = phone.new_page()
    log_in(page, f"{live_server.url}/m/login/", setup.world.worker)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/s/{setup.token}")
    page.wait_for_selector(checklist(setup))
    assert page.locator("#login").is_hidden()
    page.locator("#me-name").get_by_text("已登录", exact=False).wait_for()
    assert page.evaluate("JSON.parse(localStorage.getItem('mingbai.auth')).username") == setup.world.worker.username
    shot(page, "1-checklist-without-login")

    # Logging out of the pages ends the phone page's login too.
    page.goto(f"{live_server.url}/m/hazards/")
    page.get_by_role("heading", name="隐患看板").wait_for()
    page.locator("nav form[action='/m/logout/'] button").click()
    page.wait_for_url("**/m/login/")
    page.goto(f"{live_server.url}/s/{setup.token}")
    page.locator("#login").wait_for()
    assert page.evaluate("localStorage.getItem('mingbai.auth')") is None
    assert page.locator("form.checklist").count() == 0
    shot(page, "2-logged-out-on-the-pages")


def test_without_a_session_the_phone_page_asks_for_the_password_quietly(phone, live_server, setup):
    page = phone.new_page()
    page.goto(f"{live_server.url}/m/login/")  # a CSRF cookie, no session
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "session-token" in r.url else None)
    page.goto(f"{live_server.url}/s/{setup.token}")
    page.locator("#login").wait_for()
    assert len(asked) == 1  # tried once, refused (403), the login form without an error
    assert page.locator("#login-error").inner_text() == ""
    assert page.locator("#flash").is_hidden()


def test_logged_in_on_the_phone_page_the_supervisor_pages_open_and_logging_out_ends_both(
    phone, live_server, setup, shot
):
    officer = setup.world.officer
    page = phone.new_page()
    page.goto(f"{live_server.url}/s/{setup.token}")
    page.fill("#login input[name=username]", officer.username)
    page.fill("#login input[name=password]", factories.PASSWORD)
    page.click("#login button")
    page.locator("#me-name").get_by_text("已登录", exact=False).wait_for()
    page.goto(f"{live_server.url}/m/hazards/")
    page.get_by_role("heading", name="隐患看板").wait_for()
    assert page.locator("input[name=password]").count() == 0
    shot(page, "1-hazard-board")
    page.goto(f"{live_server.url}/m/daily/?enterprise={setup.world.enterprise.id}")
    page.get_by_role("heading", name="日管控台账").wait_for()
    shot(page, "2-daily-log")

    page.goto(f"{live_server.url}/s/{setup.token}")
    refresh = json.loads(page.evaluate("localStorage.getItem('mingbai.auth')"))["refresh"]
    page.get_by_role("button", name="退出").click()
    page.locator("#flash").get_by_text("已退出登录。").wait_for()  # said once the pages' logout answered
    # The phone's refresh token was revoked on the server: a copy of it gets no new access token.
    assert APIClient().post("/api/v1/auth/refresh/", {"refresh": refresh}, format="json").status_code == 401
    assert page.locator("#login").is_visible()
    assert page.evaluate("localStorage.getItem('mingbai.auth')") is None
    assert "mingbai_signed_out" not in page.evaluate("document.cookie")  # its own logout: nothing left to tell
    page.goto(f"{live_server.url}/m/hazards/")
    page.wait_for_url("**/m/login/**")
    page.locator("input[name=password]").wait_for()
    shot(page, "3-logged-out-of-both")


def test_an_offline_reload_builds_the_checklist_from_the_last_scan_and_queues_the_check(
    phone, live_server, setup, shot
):
    page = open_and_log_in(phone, live_server, setup)
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()  # now controlled by the worker, which keeps the page
    page.wait_for_selector(checklist(setup))
    assert page.evaluate("!!navigator.serviceWorker.controller")

    phone.set_offline(True)
    page.reload()
    page.wait_for_selector(checklist(setup))
    note = page.locator("#offline-note")
    assert note.inner_text().startswith("离线:使用 ") and "时的清单" in note.inner_text()
    page.locator("#flash").get_by_text("当前无网络:这是本机保存的页面", exact=False).wait_for()
    shot(page, "1-offline-checklist")
    fill(page, setup)
    page.click(f"{checklist(setup)} button.submit")
    page.locator("#queue li").get_by_text("等待发送").wait_for()
    page.get_by_text("反应釜岗位日检:已保存在本机,等待发送").wait_for()
    page.reload()  # offline again: the kept list with the queued check, not a second form
    page.get_by_text("反应釜岗位日检:已填写,等待发送").wait_for()
    assert page.locator("form.checklist").count() == 0
    assert page.locator("#queue-count").inner_text() == "1"
    shot(page, "2-queued")
    assert Inspection.objects.count() == 0

    phone.set_offline(False)
    page.locator(".done").get_by_text("已提交:反应釜岗位日检").wait_for()
    page.locator("#queue").wait_for(state="hidden")
    page.locator("#offline-note").wait_for(state="detached")
    shot(page, "3-sent")
    assert Inspection.objects.count() == 1
    record = Inspection.objects.get()
    assert record.submitted_by == setup.world.worker
    assert record.on_site  # it cites the scan the page recorded online before
    assert record.results.get(item=setup.site).photos.count() == 1


def test_offline_a_checklist_kept_from_a_period_now_ended_is_not_offered(phone, live_server, setup, shot):
    """A scan kept yesterday holds yesterday's daily checklist: offline today, filling it would record a
    check against a period that has closed, citing a scan far outside its window (not on site). The page
    says so instead of offering the form."""
    page = open_and_log_in(phone, live_server, setup)
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()
    page.wait_for_selector(checklist(setup))
    # The day ends: the kept answer's period closed an hour ago (the phone cannot ask the server which
    # period is open now; it knows only when the kept one ends).
    page.evaluate(
        """token => {
            const key = "mingbai.scan." + token, kept = JSON.parse(localStorage.getItem(key));
            kept.scan.checklists.forEach(d => { d.period_end = new Date(Date.now() - 3600e3).toISOString(); });
            localStorage.setItem(key, JSON.stringify(kept));
        }""",
        setup.token,
    )
    phone.set_offline(True)
    page.reload()
    page.get_by_text("反应釜岗位日检:保存的清单已过期", exact=False).wait_for()
    page.locator("#flash").get_by_text("联网后才能填写检查", exact=False).wait_for()
    assert page.locator("form.checklist").count() == 0
    shot(page, "offline-ended-period")
    phone.set_offline(False)
    page.reload()  # online again: today's checklist from the server
    page.wait_for_selector(checklist(setup))
