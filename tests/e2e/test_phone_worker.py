"""The worker's half of issue 14 on a 390x844 phone: the checklist first, the card acknowledged per
version, the certificate warning, checks made right before they are queued, a refused check corrected
and sent, a message after every action, an expired login said in words, an offline reload."""

import pytest
from django.utils import timezone

from cards.models import CardAcknowledgement
from checklists.models import ChecklistItem, Inspection
from hazards.services import hazard_assign
from orgs.models import CertificateKind
from tests import factories
from tests.e2e.test_phone_page import Setup, fill, item, open_and_log_in, photo
from tests.mobile.conftest import PAGE_BUDGET, make_hazard, publish_card

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup(world) -> Setup:
    return Setup(world)


def top(page, selector: str) -> float:
    return page.locator(selector).first.bounding_box()["y"]


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] and box["y"] + min(box["height"], 40) <= 844


def flash(page, text: str):
    page.locator("#flash").get_by_text(text, exact=False).wait_for()
    assert in_view(page, page.locator("#flash"))  # sticky at the top, wherever the page is scrolled


def test_after_login_the_checklist_comes_first_and_the_card_folds_to_its_five_steps(phone, live_server, setup, shot):
    page = phone.new_page()
    page.goto(f"{live_server.url}/s/{setup.token}")
    page.locator("#login").wait_for()
    assert top(page, "#card-block") < top(page, "#login")  # before login: the card, whole, first
    assert page.locator("#card-block .card-more").is_visible()
    page = open_and_log_in(phone, live_server, setup)
    flash(page, "已登录")
    checklist = f'form.checklist[data-template="{setup.template.id}"]'
    assert top(page, checklist) < 844  # the form starts on the first screen
    assert top(page, checklist) < top(page, "#emergency") < top(page, "#card-toggle")
    assert page.locator("#card-block .card-more").is_hidden()
    assert page.locator("#emergency .step").count() == 5 and page.locator("#emergency a.call").count() >= 1
    shot(page, "1-checklist-first")
    page.get_by_role("button", name="查看明白卡").click()
    page.locator("#card-block .card-more").wait_for()
    page.get_by_role("button", name="收起明白卡").wait_for()
    shot(page, "2-card-open")


def test_a_worker_acknowledges_the_card_and_again_when_a_new_version_is_published(phone, live_server, setup, shot):
    worker = setup.world.worker
    page = open_and_log_in(phone, live_server, setup)
    page.locator("#ack").get_by_text("请阅读本岗位明白卡(第 1 版)后确认。").wait_for()
    assert top(page, "#ack") < top(page, "form.checklist")
    page.get_by_role("button", name="阅读明白卡").click()
    page.locator("#card-block .card-more").wait_for()
    page.get_by_role("button", name="我已阅读并明白").click()
    flash(page, "已确认明白卡第 1 版。")
    page.locator("#ack").wait_for(state="hidden")
    assert list(CardAcknowledgement.objects.filter(person=worker).values_list("version__version", flat=True)) == [1]

    page.reload()
    page.wait_for_selector("form.checklist")
    assert page.locator("#ack").is_hidden()  # confirmed once per version

    publish_card(setup.world.post, duties=["新增:每班检查紧急切断阀。"])
    page.reload()
    page.locator("#ack").get_by_text("明白卡已更新为第 2 版,请阅读后确认。").wait_for()
    shot(page, "1-new-version")
    page.get_by_role("button", name="我已阅读并明白").click()
    flash(page, "已确认明白卡第 2 版。")
    versions = CardAcknowledgement.objects.filter(person=worker).values_list("version__version", flat=True)
    assert sorted(versions) == [1, 2]


def test_a_worker_without_the_certificate_the_post_requires_is_warned(phone, live_server, setup, shot):
    # A live-server test empties the tables, the data migration's catalogue included.
    kind, _ = CertificateKind.objects.get_or_create(code="SO-09", defaults={"name": "低压电工作业"})
    setup.world.post.required_certificate_kinds.add(kind)
    page = open_and_log_in(phone, live_server, setup)
    warning = page.locator("#cert")
    warning.get_by_text(kind.name, exact=False).wait_for()
    assert "持证上岗" in warning.inner_text()
    shot(page, "1-certificate-missing")

    factories.CertificateFactory(enterprise=setup.world.enterprise, person=setup.world.worker, kind=kind)
    page.reload()
    page.wait_for_selector("form.checklist")
    assert warning.is_hidden()


def test_gaps_and_out_of_range_numbers_are_caught_on_the_phone_and_the_first_is_scrolled_to(
    phone, live_server, setup, shot
):
    page = open_and_log_in(phone, live_server, setup)
    item(page, setup.gas).locator("input[type=number]").fill("999")  # 0–100 allowed
    page.click("form.checklist button.submit")
    flash(page, "还有 3 项需要填写或更正。")
    valve = item(page, setup.valve)
    assert "missing" in valve.get_attribute("class")
    assert in_view(page, valve)  # scrolled to the first gap
    gas = item(page, setup.gas)
    gas.get_by_text("须在 0–100%LEL 之间").wait_for()
    shot(page, "1-gaps")
    valve.locator('button[data-value="ok"]').click()
    assert "missing" not in valve.get_attribute("class")  # the mark goes as soon as it is answered
    gas.locator("input[type=number]").fill("3.5")
    assert "missing" not in gas.get_attribute("class")
    item(page, setup.ppe).locator('button[data-value="ok"]').click()
    page.click("form.checklist button.submit")
    page.locator(".done").get_by_text("已提交:反应釜岗位日检").wait_for()
    flash(page, "已提交:反应釜岗位日检")
    assert Inspection.objects.get().results.get(item=setup.gas).value == 3.5


def test_a_check_refused_after_reconnecting_comes_back_with_its_answers_to_be_corrected_and_sent(
    phone, live_server, setup, shot
):
    page = open_and_log_in(phone, live_server, setup)
    phone.set_offline(True)
    fill(page, setup)
    item(page, setup.gas).locator("input[type=number]").fill("80")
    page.click("form.checklist button.submit")
    flash(page, "当前无网络,检查已保存在本机")
    # Meanwhile the safety officer narrows what the detector may read (the page loaded 0–100).
    ChecklistItem.objects.filter(pk=setup.gas.pk).update(max_value=50)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    phone.set_offline(False)
    flash(page, "1 条检查被退回,请按提示修改后重新提交。")
    entry = page.locator("#queue li.q-failed")
    entry.get_by_text("「可燃气体浓度」不能大于 50%LEL。").wait_for()
    assert "results[" not in entry.inner_text()  # the item's label, never the API's field path
    assert in_view(page, page.locator("#queue"))  # announced at the top
    shot(page, "1-refused")

    form = page.locator("form.checklist[data-fix]")
    gas = item(form, setup.gas)
    assert gas.locator("input[type=number]").input_value() == "80"  # the answers are kept
    assert item(form, setup.valve).locator('button[data-value="ok"]').get_attribute("class").endswith(" on")
    assert item(form, setup.site).get_by_text("已拍 1 张").is_visible()
    assert "missing" in gas.get_attribute("class")
    entry.get_by_role("button", name="修改后重新提交").click()
    assert in_view(page, gas)
    shot(page, "2-form-back")
    gas.locator("input[type=number]").fill("30")
    assert "missing" not in gas.get_attribute("class")
    form.locator("button.submit").click()
    page.locator(".done").get_by_text("已提交:反应釜岗位日检").wait_for()
    page.locator("#queue").wait_for(state="hidden")
    shot(page, "3-sent")
    record = Inspection.objects.get()
    assert record.results.get(item=setup.gas).value == 30
    assert record.results.get(item=setup.site).photos.count() == 1
    assert record.on_site  # the correction still cites the scan of the first attempt


def test_an_expired_login_says_so_and_asks_for_the_password(phone, live_server, setup, shot):
    page = open_and_log_in(phone, live_server, setup)
    page.evaluate(
        "localStorage.setItem('mingbai.auth', JSON.stringify(Object.assign("
        "JSON.parse(localStorage.getItem('mingbai.auth')), {access: 'expired', refresh: 'expired'})))"
    )
    page.reload()
    page.locator("#login-error").get_by_text("登录已过期,请重新登录。").wait_for()
    flash(page, "登录已过期,请重新登录。")
    assert top(page, "#card-block") < top(page, "#login")
    assert page.locator("#card-toggle").is_hidden()  # the card is whole again, no fold link
    shot(page, "1-expired")


def test_submitting_a_rectification_for_acceptance_says_so(phone, live_server, setup):
    world = setup.world
    hazard = make_hazard(world.enterprise, by=world.officer, post=world.post, description="护栏松动")
    hazard_assign(
        hazard=hazard, by=world.officer, responsible=world.worker, deadline=timezone.now() + timezone.timedelta(days=1)
    )
    page = open_and_log_in(phone, live_server, setup)
    task = page.locator(f'#mine form[data-hazard="{hazard.id}"]')
    task.locator("input[type=file]").set_input_files(photo((250, 250, 0)))
    task.locator("input[name=note]").fill("已紧固")
    task.locator("button").click()
    flash(page, f"已提交验收:隐患 #{hazard.id}")


def test_a_post_page_once_opened_reloads_offline(phone, live_server, setup, shot):
    page = open_and_log_in(phone, live_server, setup)
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()  # now controlled by the worker, which keeps what it fetches
    page.wait_for_selector("form.checklist")
    assert page.evaluate("!!navigator.serviceWorker.controller")
    phone.set_offline(True)
    page.reload()
    page.locator("#emergency").get_by_text("应急处置").wait_for()
    flash(page, "当前无网络:这是本机保存的页面")
    page.wait_for_function("getComputedStyle(document.body).backgroundColor === 'rgb(242, 242, 242)'")  # the style too
    shot(page, "1-offline-reload")


def test_the_page_stays_under_the_budget_after_login(phone, live_server, setup):
    page = phone.new_page()
    sizes = {}
    page.on("response", lambda r: sizes.update({r.url: len(r.body())}) if r.request.resource_type != "image" else None)
    page.goto(f"{live_server.url}/s/{setup.token}")
    page.fill("#login input[name=username]", setup.world.worker.username)
    page.fill("#login input[name=password]", factories.PASSWORD)
    page.click("#login button")
    page.wait_for_selector("form.checklist")
    pages = {url: size for url, size in sizes.items() if "/api/" not in url}
    assert sum(pages.values()) < PAGE_BUDGET, pages
