"""The scan flow on a phone, end to end: scan URL -> login -> fill -> photo -> submit -> archive."""

import pytest
from django.utils import timezone

from checklists.models import HazardGrade, Inspection, ItemKind, Photo
from hazards.models import Hazard
from qr.services import qr_token_issue, qr_token_rotate
from tests import factories
from tests.checklists.conftest import jpeg_bytes
from tests.mobile.conftest import publish_card

pytestmark = pytest.mark.django_db(transaction=True)


class Setup:
    def __init__(self, world):
        self.world = world
        publish_card(world.post)
        self.token = qr_token_issue(post=world.post).token
        self.template = factories.TemplateFactory(
            enterprise=world.enterprise, posts=[world.post], name="反应釜岗位日检"
        )
        self.valve = factories.ItemFactory(
            template=self.template, label="紧急切断阀完好", photo_on_fail=True, hazard_grade_on_fail=HazardGrade.MAJOR
        )
        self.gas = factories.ItemFactory(
            template=self.template, label="可燃气体浓度", kind=ItemKind.NUMBER, min_value=0, max_value=100, unit="%LEL"
        )
        self.ppe = factories.ItemFactory(template=self.template, label="劳动防护用品穿戴齐全")
        self.site = factories.ItemFactory(template=self.template, label="现场照片", kind=ItemKind.PHOTO, required=False)


@pytest.fixture
def setup(world) -> Setup:
    return Setup(world)


def photo(color=(30, 120, 200)) -> dict:
    return {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(size=(320, 240), color=color)}


def open_and_log_in(phone, live_server, setup, shot=None):
    page = phone.new_page()
    page.goto(f"{live_server.url}/s/{setup.token}")
    page.get_by_text("应急处置").wait_for()
    if shot:
        shot(page, "1-card")
    page.fill("#login input[name=username]", setup.world.worker.username)
    page.fill("#login input[name=password]", factories.PASSWORD)
    page.click("#login button")
    page.wait_for_selector(f'form.checklist[data-template="{setup.template.id}"]')
    return page


def item(page, it):
    return page.locator(f'.item[data-item="{it.id}"]')


def fill(page, setup, *, valve="ok"):
    item(page, setup.valve).locator(f'button[data-value="{valve}"]').click()
    item(page, setup.gas).locator("input[type=number]").fill("3.5")
    item(page, setup.ppe).locator('button[data-value="ok"]').click()
    item(page, setup.site).locator("input[type=file]").set_input_files(photo())
    page.get_by_text("已拍 1 张").wait_for()


def test_a_worker_scans_logs_in_fills_takes_a_photo_and_the_record_is_in_the_archive(phone, live_server, setup, shot):
    page = open_and_log_in(phone, live_server, setup, shot)
    shot(page, "2-checklist")
    fill(page, setup)
    shot(page, "3-filled")
    page.click("form.checklist button.submit")
    page.locator(".done").get_by_text("已提交:反应釜岗位日检").wait_for()
    page.get_by_text("反应釜岗位日检:本期已完成").wait_for()
    shot(page, "4-recorded")

    record = Inspection.objects.get()
    assert record.submitted_by == setup.world.worker and record.on_site and not record.late
    assert (record.ok_count, record.failed_count, record.na_count) == (4, 0, 0)  # the photo item counts as ok
    assert record.results.get(item=setup.site).photos.count() == 1
    assert page.locator("#queue").is_hidden()


def test_offline_the_check_waits_on_the_phone_and_is_sent_once_when_back_online(phone, live_server, setup, shot):
    page = open_and_log_in(phone, live_server, setup)
    phone.set_offline(True)
    fill(page, setup)
    page.click("form.checklist button.submit")
    page.locator("#queue li").get_by_text("等待发送").wait_for()
    assert page.locator("#queue-count").inner_text() == "1"
    page.get_by_text("当前无网络,联网后自动发送。").wait_for()
    shot(page, "1-queued-offline")
    assert Inspection.objects.count() == 0

    phone.set_offline(False)  # the page's 'online' handler flushes the queue
    page.locator(".done").get_by_text("已提交:反应釜岗位日检").wait_for()
    page.locator("#queue").wait_for(state="hidden")
    shot(page, "2-sent")
    assert Inspection.objects.count() == 1
    assert Inspection.objects.get().on_site  # the queued check cites the scan the page recorded when opened
    assert Inspection.objects.get().results.get(item=setup.site).photos.count() == 1


def test_an_answer_lost_on_the_way_back_is_retried_without_a_second_record(phone, live_server, setup, shot):
    page = open_and_log_in(phone, live_server, setup)
    lost = []

    def lose_the_first_answer(route):
        if not lost:
            route.fetch()  # the server stores the record...
            lost.append(True)
            route.abort("internetdisconnected")  # ...and the phone never hears back
        else:
            route.continue_()

    page.route("**/api/v1/inspections/", lose_the_first_answer)
    fill(page, setup)
    page.click("form.checklist button.submit")
    page.locator("#queue li").get_by_text("等待发送").wait_for()
    for _ in range(100):  # until the route has swallowed the answer
        if lost:
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(300)
    assert lost and Inspection.objects.count() == 1
    assert page.locator("#queue li").get_by_text("等待发送").is_visible()
    page.click("#flush")  # what the 'online' event or the 30-second timer would do
    page.locator(".done").get_by_text("已提交:反应釜岗位日检").wait_for()
    page.locator("#queue").wait_for(state="hidden")
    shot(page, "1-replayed")
    assert Inspection.objects.count() == 1


def test_the_queue_survives_closing_the_page(phone, live_server, setup):
    page = open_and_log_in(phone, live_server, setup)
    phone.set_offline(True)
    fill(page, setup)
    page.click("form.checklist button.submit")
    page.locator("#queue li").get_by_text("等待发送").wait_for()
    page.close()
    phone.set_offline(False)
    page = phone.new_page()  # opened again, already logged in: the queue is sent on load
    page.goto(f"{live_server.url}/s/{setup.token}")
    page.locator("#queue").wait_for(state="hidden")
    page.get_by_text("反应釜岗位日检:本期已完成").wait_for()
    assert Inspection.objects.count() == 1


def test_a_failed_item_shows_the_hazard_it_opened(phone, live_server, setup, shot):
    page = open_and_log_in(phone, live_server, setup)
    fill(page, setup, valve="not_ok")
    page.click("form.checklist button.submit")
    page.get_by_text("「紧急切断阀完好」异常时须拍照").wait_for()  # checked on the phone first
    item(page, setup.valve).locator("input[type=file]").set_input_files(photo((200, 40, 40)))
    item(page, setup.valve).locator("input.note").fill("阀门卡涩")
    page.click("form.checklist button.submit")
    hazard_line = page.locator(".done [data-hazard]")
    hazard_line.wait_for()
    shot(page, "1-hazard")

    hazard = Hazard.objects.get()
    assert hazard.inspection == Inspection.objects.get()
    assert hazard.grade == HazardGrade.MAJOR and hazard.photos.count() == 1
    text = hazard_line.inner_text()
    assert f"已生成隐患 #{hazard.id}" in text and "紧急切断阀完好:阀门卡涩" in text and "重大隐患" in text


def test_a_worker_reports_a_hazard_with_a_photo_and_rectifies_the_one_assigned_to_them(phone, live_server, setup, shot):
    page = open_and_log_in(phone, live_server, setup)
    page.locator("#report input[type=file]").set_input_files(photo((10, 200, 10)))
    page.fill("#report textarea[name=description]", "消防通道被货物堵塞")
    page.click("#report button")
    page.get_by_text("消防通道被货物堵塞", exact=False).locator("xpath=self::*[@data-hazard]").wait_for()
    reported = Hazard.objects.get()
    assert reported.found_by == setup.world.worker and reported.photos.count() == 1
    assert reported.post == setup.world.post

    from hazards.services import hazard_assign

    hazard_assign(
        hazard=reported,
        by=type(setup.world.officer).objects.get(pk=setup.world.officer.pk),
        responsible=setup.world.worker,
        deadline=timezone.now() + timezone.timedelta(days=1),
    )
    page.reload()
    task = page.locator(f'#mine form[data-hazard="{reported.id}"]')
    task.wait_for()
    task.locator("input[type=file]").set_input_files(photo((250, 250, 0)))
    task.locator("input[name=note]").fill("货物已清走")
    shot(page, "1-task")
    task.locator("button").click()
    page.locator("#mine").wait_for(state="hidden")
    reported.refresh_from_db()
    assert reported.status == "pending_acceptance"


def test_a_revoked_code_shows_the_410_page_in_chinese(phone, live_server, setup, shot):
    qr_token_rotate(post=setup.world.post, by=setup.world.officer)
    page = phone.new_page()
    response = page.goto(f"{live_server.url}/s/{setup.token}")
    assert response.status == 410
    page.get_by_text("此二维码已失效,请扫描岗位上的新二维码。").wait_for()
    shot(page, "1-gone")


@pytest.mark.usefixtures("cjk_font")
def test_chinese_renders_with_real_glyphs_not_boxes(phone, live_server, setup):
    page = phone.new_page()
    page.goto(f"{live_server.url}/s/{setup.token}")
    # Without a CJK font every character is the same empty box: two different characters then draw
    # the same pixels.
    same = page.evaluate(
        """() => {
            const draw = (ch) => {
                const c = document.createElement('canvas'); c.width = c.height = 48;
                const g = c.getContext('2d'); g.font = '40px ' + getComputedStyle(document.body).fontFamily;
                g.fillText(ch, 2, 40); return Array.from(g.getImageData(0, 0, 48, 48).data).join();
            };
            return draw('关') === draw('避');
        }"""
    )
    assert not same, "Chinese draws as boxes: install fonts-wqy-microhei or fonts-noto-cjk"


def test_the_page_weighs_under_100_kb_as_the_browser_downloads_it(phone, live_server, setup):
    page = phone.new_page()
    sizes = {}

    def weigh(response):
        if response.request.resource_type != "image":
            sizes[response.url] = len(response.body())

    page.on("response", weigh)
    page.goto(f"{live_server.url}/s/{setup.token}")
    page.wait_for_load_state("networkidle")
    pages = {url: size for url, size in sizes.items() if "/api/" not in url}
    assert any(url.endswith(".js") for url in pages) and any(url.endswith(".css") for url in pages)
    assert sum(pages.values()) < 100 * 1024


def test_without_crypto_random_uuid_as_on_http_lan_addresses_the_fallback_makes_v4_uuids(phone, live_server, setup):
    # http://<LAN IP> is not a secure context: crypto.randomUUID is missing there, getRandomValues is not.
    phone.add_init_script("delete Crypto.prototype.randomUUID;")
    page = open_and_log_in(phone, live_server, setup)
    assert page.evaluate("typeof crypto.randomUUID") == "undefined"
    fill(page, setup)
    page.click("form.checklist button.submit")
    page.locator(".done").get_by_text("已提交:反应釜岗位日检").wait_for()
    record = Inspection.objects.get()
    assert record.client_uuid.version == 4
    assert Photo.objects.get().client_uuid.version == 4


def test_an_expired_login_asks_for_the_password_again(phone, live_server, setup):
    page = phone.new_page()
    page.goto(f"{live_server.url}/s/{setup.token}")
    page.evaluate(
        "localStorage.setItem('mingbai.auth', JSON.stringify({access: 'expired', refresh: 'revoked', username: 'x'}))"
    )
    page.reload()
    page.locator("#login").wait_for()
    assert page.evaluate("localStorage.getItem('mingbai.auth')") is None
    page.fill("#login input[name=username]", setup.world.worker.username)
    page.fill("#login input[name=password]", factories.PASSWORD)
    page.click("#login button")
    page.wait_for_selector(f'form.checklist[data-template="{setup.template.id}"]')


def test_someone_not_on_the_post_reads_the_card_but_gets_no_checklist(phone, live_server, setup):
    page = phone.new_page()
    page.goto(f"{live_server.url}/s/{setup.token}")
    page.fill("#login input[name=username]", setup.world.outsider.username)
    page.fill("#login input[name=password]", factories.PASSWORD)
    page.click("#login button")
    page.get_by_text("您不在本岗位,无需填写本岗位的检查表。").wait_for()
    assert page.locator("form.checklist").count() == 0
    assert page.locator("#me").is_visible() and page.locator("#report").is_hidden()  # 随手拍: members only


def test_a_colleague_not_on_the_post_is_offered_the_ad_hoc_report(phone, live_server, setup):
    page = phone.new_page()
    page.goto(f"{live_server.url}/s/{setup.token}")
    page.fill("#login input[name=username]", setup.world.officer.username)
    page.fill("#login input[name=password]", factories.PASSWORD)
    page.click("#login button")
    page.locator("#report").wait_for()


@pytest.mark.parametrize(
    ("status", "code", "label"),
    [(400, "invalid", "发送失败"), (409, "conflict", "冲突")],
    ids=["400", "409"],
)
def test_a_refused_submission_stays_on_the_phone_marked_with_the_servers_message(
    phone, live_server, setup, shot, status, code, label
):
    page = open_and_log_in(phone, live_server, setup)
    body = {"code": code, "message": "服务器拒绝的原因", "field": None, "errors": []}
    page.route("**/api/v1/inspections/", lambda route: route.fulfill(status=status, json=body))
    fill(page, setup)
    page.click("form.checklist button.submit")
    entry = page.locator("#queue li.q-failed, #queue li.q-conflict")
    entry.get_by_text(label).wait_for()
    entry.get_by_text("服务器拒绝的原因").wait_for()
    shot(page, f"1-{status}")
    page.click("#flush")  # a refused entry is not sent again by itself
    assert page.locator("#queue-count").inner_text() == "1"
    entry.get_by_role("button", name="删除").click()
    page.locator("#queue").wait_for(state="hidden")
    page.wait_for_selector(f'form.checklist[data-template="{setup.template.id}"]')  # the form is back
    assert Inspection.objects.count() == 0


def test_a_check_sent_in_the_background_leaves_the_form_being_filled_alone(phone, live_server, setup):
    second = factories.TemplateFactory(enterprise=setup.world.enterprise, posts=[setup.world.post], name="交接班检查")
    handover = factories.ItemFactory(template=second, label="交接记录完整")
    page = open_and_log_in(phone, live_server, setup)
    page.wait_for_selector(f'form.checklist[data-template="{second.id}"]')
    phone.set_offline(True)
    fill(page, setup)
    page.click(f'form.checklist[data-template="{setup.template.id}"] button.submit')
    page.locator("#queue li").get_by_text("等待发送").wait_for()
    item(page, handover).locator('button[data-value="not_ok"]').click()  # half-way through the second
    phone.set_offline(False)
    page.locator(".done").get_by_text("已提交:反应釜岗位日检").wait_for()
    page.get_by_text("反应釜岗位日检:本期已完成").wait_for()
    assert item(page, handover).locator('button[data-value="not_ok"]').get_attribute("class").endswith(" on")
    assert Inspection.objects.count() == 1
