"""有奖举报 on a phone, end to end: an anonymous visitor opens a post's phone page, follows the report link,
describes the hazard, attaches a photo and a phone number, and is thanked; a safety manager turns the
report into a hazard; a visitor sending too many is told in Chinese to wait."""

import pytest
from django.core.cache import cache

from hazards.models import Hazard, HazardSource, PublicReport, PublicReportStatus
from qr.services import qr_token_issue
from tests.checklists.conftest import jpeg_bytes
from tests.mobile.conftest import publish_card

pytestmark = pytest.mark.django_db(transaction=True)

REPORTS = "/api/v1/hazard-reports/"


@pytest.fixture
def token(world):
    publish_card(world.post)
    cache.clear()  # the throttle counts per client address: every test's browser is 127.0.0.1
    yield qr_token_issue(post=world.post).token
    cache.clear()


def photo() -> dict:
    return {"name": "leak.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(size=(640, 480), color=(30, 120, 200))}


def open_report_form(phone, live_server, token, shot=None):
    page = phone.new_page()
    page.goto(f"{live_server.url}/s/{token}")
    page.get_by_text("应急处置").wait_for()
    link = page.get_by_role("link", name="发现隐患?有奖举报(可匿名)")
    if shot:
        link.scroll_into_view_if_needed()
        shot(page, "1-card")
    link.click()
    page.get_by_role("heading", name="举报隐患").wait_for()
    return page


def test_an_anonymous_visitor_reports_with_a_photo_and_a_manager_makes_it_a_hazard(
    phone, live_server, world, token, shot, api
):
    page = open_report_form(phone, live_server, token, shot)
    shot(page, "2-form")
    page.get_by_label("隐患描述(必填)").fill("二号罐区东侧阀门滴漏,地面有油迹")
    page.get_by_label("照片(选填)").set_input_files(photo())
    page.get_by_label("联系电话(选填,用于奖励)").fill("13900001111")
    shot(page, "3-filled")
    page.get_by_role("button", name="提交举报").click()
    page.get_by_role("heading", name="举报已收到").wait_for()
    page.get_by_text("感谢您的举报。").wait_for()
    shot(page, "4-thanked")

    report = PublicReport.objects.get()
    assert (report.post, report.enterprise) == (world.post, world.enterprise)
    assert report.description == "二号罐区东侧阀门滴漏,地面有油迹" and report.phone == "13900001111"
    assert report.status == PublicReportStatus.PENDING and report.photo.name.endswith(".jpg")
    with report.photo.open("rb") as stored:
        assert stored.read(3) == b"\xff\xd8\xff"  # re-encoded, still a JPEG

    # The safety manager's triage queue: the report, its photo through the API, made a hazard.
    queue = api.as_(world.officer).get(REPORTS).data["results"]
    assert [r["id"] for r in queue] == [report.id] and queue[0]["phone"] is None
    shown = api.as_(world.officer).get(queue[0]["photo"])
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    converted = api.as_(world.officer).post(f"{REPORTS}{report.id}/convert/", {"grade": "general"})
    assert converted.status_code == 201
    hazard = Hazard.objects.get(pk=converted.data["id"])
    assert hazard.source == HazardSource.PUBLIC and hazard.post == world.post
    assert hazard.description == report.description and hazard.found_at == report.created_at
    report.refresh_from_db()
    assert report.status == PublicReportStatus.CONVERTED and report.hazard == hazard
    assert report.handled_by == world.officer


def test_a_visitor_sending_too_many_is_told_to_wait(phone, live_server, world, token, shot, settings):
    settings.PUBLIC_REPORT_RATE = "1/hour"
    page = open_report_form(phone, live_server, token)
    page.get_by_label("隐患描述(必填)").fill("有人在罐区吸烟")
    page.get_by_role("button", name="提交举报").click()
    page.get_by_role("heading", name="举报已收到").wait_for()

    page.go_back()
    page.reload()
    page.get_by_role("heading", name="举报隐患").wait_for()
    page.get_by_label("隐患描述(必填)").fill("罐区消防通道被堵")
    page.get_by_role("button", name="提交举报").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text() == "提交过于频繁,请 60 分钟后再试。已填写的内容仍在下方,照片需重新选择。"
    # What was typed is kept for the next try.
    assert page.get_by_label("隐患描述(必填)").input_value() == "罐区消防通道被堵"
    shot(page, "throttled")
    assert list(PublicReport.objects.values_list("description", flat=True)) == ["有人在罐区吸烟"]
