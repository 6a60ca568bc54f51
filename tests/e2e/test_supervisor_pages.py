"""The supervisor pages in a phone browser: a safety officer signs a day's log and opens the month's
dispatch; a regulator opens the region view and drills down."""

from datetime import date

import pytest

from reports.models import DailyReview, DispatchDecision
from reports.services import dispatch_generate
from tests import factories
from tests.reports.conftest import fresh

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, url: str, person) -> None:
    page.goto(url)
    page.fill("input[name=username]", person.username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button.primary")


@pytest.mark.usefixtures("cjk_font")  # it downloads the PDF
def test_a_safety_officer_signs_a_day_and_reads_the_dispatch(phone, live_server, world, archive, shot):
    dispatch, _ = dispatch_generate(by=fresh(archive.principal), enterprise=world.enterprise, month="2024-07")
    dispatch.summary = "7月日管控完成率偏低,重大隐患1项未销号。"
    dispatch.save()
    DispatchDecision.objects.create(
        dispatch=dispatch, order=1, task="安全出口隐患整改销号", owner=archive.director, due_date=date(2024, 8, 10)
    )
    page = phone.new_page()
    log_in(page, f"{live_server.url}/m/daily/?enterprise={world.enterprise.id}&date=2024-07-03", world.officer)
    page.get_by_role("heading", name="日管控台账").wait_for()
    assert "安全出口畅通" in page.locator("#failed").inner_text()
    shot(page, "1-day-log")
    page.fill("textarea[name=note]", "异常项已督促整改")
    page.click("#sign button.primary")
    page.locator("#frozen").wait_for()
    assert "异常项已督促整改" in page.locator("#frozen").inner_text()
    assert page.locator("#sign").count() == 0
    assert DailyReview.objects.get().signed_by_id == world.officer.id
    shot(page, "2-signed")
    page.click("nav.top >> text=月调度")
    page.click(f"tr[data-dispatch='{dispatch.id}'] a")
    page.locator("#completion-chart svg").wait_for()
    assert page.locator("#hazards-chart svg rect").count() >= 1
    assert "安全出口隐患整改销号" in page.locator("#decisions").inner_text()
    with page.expect_download() as download:
        page.click("text=下载 PDF")
    assert download.value.suggested_filename == f"dispatch-{world.enterprise.id}-2024-07.pdf"
    shot(page, "3-dispatch")


def test_a_regulator_opens_the_region_view_and_drills_down(phone, live_server, world, archive, shot):
    district = world.enterprise.region
    page = phone.new_page()
    log_in(page, f"{live_server.url}/m/region/?month=2024-07", world.regulator)
    page.get_by_role("heading", name="辖区统计 2024-07").wait_for()
    assert page.locator(f"#by-enterprise tr[data-enterprise='{world.enterprise.id}'].missed").count() == 1
    # Issue 12: 6 records in July, 5 scanned on site, 1 (post B on 1 July, not scanned) flagged.
    records = page.locator(f"#by-enterprise tr[data-records-of='{world.enterprise.id}']").inner_text()
    assert "检查记录 6 条" in records and "现场 83%" in records and "标记 17%" in records
    assert page.locator("#on-site-rate").inner_text() == "83%" and page.locator("#flagged-rate").inner_text() == "17%"
    shot(page, "1-region")
    page.click(f"#by-region tr[data-region='{district.id}'] a")
    page.wait_for_url(f"**region={district.id}**")
    assert "鄂城区" in page.locator("#where").inner_text()
    assert page.locator("form#sign").count() == 0
    shot(page, "2-district")
