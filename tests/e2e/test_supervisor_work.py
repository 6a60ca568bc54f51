"""The supervisors' work in a phone browser (issue 14): a hazard assigned, rectified with a photo, sent
back, rectified again and accepted by another manager; a dispatch generated, written, signed and
downloaded by the principal; a weekly report signed by the director and then the principal; the way in
(/) for each role. Every page stays under the weight budget (photos aside)."""

import random
import uuid
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from PIL import Image, ImageDraw

from checklists.services import photo_upload
from hazards.models import Hazard, HazardAction, HazardEvent, HazardStatus
from hazards.services import hazard_report
from orgs.models import Role
from reports.models import DispatchDecision, MonthlyDispatch, WeeklyReport
from reports.services import weekly_report_generate
from tests import factories
from tests.e2e.conftest import PHONE, close_quietly
from tests.mobile.conftest import PAGE_BUDGET, page_weight
from tests.reports.conftest import fresh

pytestmark = pytest.mark.django_db(transaction=True)


# Whether the image has loaded, waiting for it to finish if it is still on its way (the watermarked copy
# is drawn on each request: a busy machine may take a moment); False when it failed to load.
IMAGE_LOADED = """img => img.complete ? img.naturalWidth > 0 : new Promise(done => {
    img.addEventListener("load", () => done(img.naturalWidth > 0));
    img.addEventListener("error", () => done(false));
})"""


def picture(seed: int) -> bytes:
    """A photo unlike the others (random blocks): the reuse check tells pictures apart by their look."""
    rng = random.Random(seed)
    image = Image.new("RGB", (320, 240), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(300), rng.randrange(220)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.rectangle([x, y, x + rng.randrange(20, 120), y + rng.randrange(20, 90)], fill=colour)
    out = BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def photo_file(seed: int) -> dict:
    return {"name": f"photo-{seed}.jpg", "mimeType": "image/jpeg", "buffer": picture(seed)}


def log_in(context, url: str, person):
    page = context.new_page()
    page.goto(url)
    page.fill("input[name=username]", person.username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button.primary")
    page.wait_for_load_state()
    return page


def light(page) -> None:
    assert page_weight(page.content().encode()) < PAGE_BUDGET, page.url


def test_a_hazard_is_assigned_rectified_sent_back_rectified_again_and_accepted(
    browser, phone, live_server, world, shot
):
    director = factories.MembershipFactory(enterprise=world.enterprise, role=Role.SAFETY_DIRECTOR).person
    found = SimpleUploadedFile("found.jpg", picture(1), "image/jpeg")
    before, _ = photo_upload(by=fresh(world.worker), client_uuid=uuid.uuid4(), upload=found)
    hazard = hazard_report(
        by=fresh(world.worker),
        data={
            "enterprise": world.enterprise,
            "post": world.post,
            "grade": "general",
            "description": "消防通道堵塞",
            "photos": [before.id],
        },
    )

    # The officer opens the board, then the hazard, and assigns it to the worker.
    officer = log_in(phone, f"{live_server.url}/m/hazards/", world.officer)
    officer.click(f"tr[data-hazard='{hazard.id}'] td a")
    officer.get_by_role("heading", name=f"隐患 #{hazard.id}").wait_for()
    officer.locator("#before img").first.wait_for()
    assert officer.locator("#before img").first.evaluate(IMAGE_LOADED)
    light(officer)
    shot(officer, "1-officer-opens")
    officer.select_option("#assign select[name=responsible]", str(world.worker.id))
    officer.fill("#assign textarea[name=measures]", "清理通道杂物")
    officer.click("#assign button.primary")
    officer.locator(".flash").wait_for()
    assert "已指派整改" in officer.locator(".flash").inner_text()
    assert officer.locator("#status").get_attribute("data-status") == HazardStatus.RECTIFYING
    shot(officer, "2-assigned")

    # The worker, on another phone, finds the task on the way in and rectifies it with a photo.
    worker_phone = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **PHONE)
    worker = log_in(worker_phone, f"{live_server.url}/", world.worker)
    worker.locator("#to-rectify").wait_for()
    shot(worker, "3-worker-home")
    worker.click(f"#to-rectify a[href='/m/hazards/{hazard.id}/']")
    worker.set_input_files("#submit input[name=photo]", photo_file(2))
    worker.fill("#submit textarea[name=note]", "已清理通道")
    light(worker)
    shot(worker, "4-worker-rectifies")
    worker.click("#submit button.primary")
    worker.locator(".flash").wait_for()
    assert worker.locator("#status").get_attribute("data-status") == HazardStatus.PENDING_ACCEPTANCE
    worker.locator("#after img").first.wait_for()
    shot(worker, "5-worker-sent")

    # The officer sends it back with a note and a photo.
    officer.reload()
    officer.fill("#reject textarea[name=note]", "通道内仍有纸箱")
    officer.set_input_files("#reject input[name=photo]", photo_file(3))
    shot(officer, "6-officer-rejects")
    officer.click("#reject button")
    officer.locator(".flash").wait_for()
    assert officer.locator("#status").get_attribute("data-status") == HazardStatus.RECTIFYING
    rejected = HazardEvent.objects.get(hazard=hazard, action=HazardAction.REJECT)
    assert rejected.note == "通道内仍有纸箱" and rejected.photos.count() == 1

    # The worker again.
    worker.reload()
    assert "通道内仍有纸箱" in worker.locator("#events").inner_text()
    worker.set_input_files("#submit input[name=photo]", photo_file(4))
    worker.fill("#submit textarea[name=note]", "纸箱已全部清走")
    worker.click("#submit button.primary")
    worker.locator(".flash").wait_for()
    shot(worker, "7-worker-again")
    close_quietly(worker_phone)

    # The officer who sent it back may accept too, but here another manager (the director) does.
    director_phone = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **PHONE)
    accepting = log_in(director_phone, f"{live_server.url}/m/hazards/{hazard.id}/", director)
    accepting.fill("#accept textarea[name=note]", "复查合格")
    accepting.click("#accept button.primary")
    accepting.locator(".flash").wait_for()
    assert accepting.locator("#status").get_attribute("data-status") == HazardStatus.CLOSED
    assert accepting.locator("#events li").count() == 6  # report, assign, submit, reject, submit, accept
    light(accepting)
    shot(accepting, "8-accepted")
    close_quietly(director_phone)
    assert Hazard.objects.get(pk=hazard.pk).status == HazardStatus.CLOSED


def test_the_principal_generates_writes_signs_and_downloads_a_dispatch(phone, live_server, world, people, shot):
    principal, director, _admin = people
    page = log_in(phone, f"{live_server.url}/", principal)
    page.click(f"section[data-managed='{world.enterprise.id}'] >> text=月调度纪要")
    page.get_by_role("heading", name="月调度").wait_for()
    month = page.locator("#generate select[name=month] option").first.get_attribute("value")
    shot(page, "1-list")
    page.click("#generate button.primary")
    page.locator("#write").wait_for()
    dispatch = MonthlyDispatch.objects.get(month=month)
    page.fill("textarea[name=summary]", "本月日管控按时完成,隐患全部销号。")
    rows = page.locator(".decision")
    rows.nth(0).locator("input[name=task]").fill("开展有限空间作业专项培训")
    rows.nth(0).locator("select[name=owner]").select_option(str(director.id))
    rows.nth(0).locator("input[name=due_date]").fill(f"{dispatch.period_end.year + 1}-01-15")
    light(page)
    shot(page, "2-write")
    page.click("button[value=save]")
    page.locator(".flash").wait_for()
    assert DispatchDecision.objects.get().owner_id == director.id
    page.fill("#sign input[name=note]", "按期落实")
    page.click("button[value=sign]")
    page.locator("#signature").wait_for()
    assert "主要负责人已签字" in page.locator("#signature").inner_text()
    dispatch.refresh_from_db()
    assert dispatch.principal_signed_by_id == principal.id and dispatch.summary.startswith("本月日管控")
    light(page)
    shot(page, "3-signed")
    for label, extension in (("下载 Excel", "xlsx"), ("下载 PDF", "pdf")):
        with page.expect_download() as download:
            page.click(f"text={label}")
        assert download.value.suggested_filename == f"dispatch-{world.enterprise.id}-{month}.{extension}"


def test_the_director_and_then_the_principal_sign_a_weekly_report(browser, phone, live_server, world, people, shot):
    principal, director, _admin = people
    report, _ = weekly_report_generate(by=fresh(world.officer), enterprise=world.enterprise, week="2024-W27")
    page = log_in(phone, f"{live_server.url}/m/weekly/", director)
    page.click(f"tr[data-report='{report.id}'] a")
    page.fill("textarea[name=summary]", "本周排查12处,发现隐患3项。")
    page.fill("textarea[name=risk_analysis]", "装卸区叉车作业风险上升。")
    page.fill("textarea[name=next_week_plan]", "复查装卸区。")
    shot(page, "1-director-writes")
    page.click("#write button.primary")
    page.locator(".flash").wait_for()
    page.fill("#sign input[name=note]", "同意")
    page.click("#sign button.primary")
    page.locator(".flash").wait_for()
    assert "同意" in page.locator("#director-signature").inner_text()
    assert page.locator("#sign").count() == 0 and page.locator("#write").count() == 0
    shot(page, "2-director-signed")

    other = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **PHONE)
    page = log_in(other, f"{live_server.url}/m/weekly/{report.id}/", principal)
    light(page)
    page.click("#sign button.primary")
    page.locator(".flash").wait_for()
    assert principal.name in page.locator("#principal-signature").inner_text()
    shot(page, "3-principal-signed")
    with page.expect_download() as download:
        page.click("text=下载 Excel")
    assert download.value.suggested_filename == f"weekly-{world.enterprise.id}-2024-W27.xlsx"
    book = load_workbook(BytesIO(download.value.path().read_bytes()))
    rows = [tuple(c for c in row if c is not None) for row in book["概况"].iter_rows(values_only=True)]
    assert ("状态", "已签字") in rows and any(r and r[0] == "主要负责人签字" and principal.name in r[1] for r in rows)
    close_quietly(other)
    report = WeeklyReport.objects.get(pk=report.pk)
    assert report.director_signed_by_id == director.id and report.principal_signed_by_id == principal.id


@pytest.mark.parametrize("who", ["worker", "officer", "principal", "regulator"])
def test_the_way_in_for_each_role(phone, live_server, world, people, shot, who):
    principal, _director, _admin = people
    token = factories.QrTokenFactory(post=world.post).token
    person = {"worker": world.worker, "officer": world.officer, "principal": principal, "regulator": world.regulator}
    page = phone.new_page()
    page.goto(f"{live_server.url}/m/")  # leads to /, which asks for the login
    page.fill("input[name=username]", person[who].username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
    light(page)
    shot(page, who)
    expected = {
        "worker": f"a[href='/s/{token}']",
        "officer": f"a[href='/m/daily/?enterprise={world.enterprise.id}']",
        "principal": f"a[href='/m/dispatches/?enterprise={world.enterprise.id}']",
        "regulator": "#regulator a[href='/m/region/']",
    }[who]
    page.click(expected)
    page.wait_for_load_state()
    assert page.url != f"{live_server.url}/"
    shot(page, f"{who}-there")
