"""Issue 12, place, in Chromium: a phone inside and outside a post's electronic fence, one that refuses its
position, and a safety manager who sets the fence from where the phone stands. The live server is
http://localhost, a secure context: the geolocation API answers there (on http://<LAN IP> it would not)."""

import math
from decimal import Decimal

import pytest

from checklists.models import Inspection
from orgs.models import Post
from tests import factories
from tests.e2e.conftest import PHONE, close_quietly
from tests.e2e.test_phone_page import Setup, fill

pytestmark = pytest.mark.django_db(transaction=True)

CENTRE = (30.391457, 114.894313)
METRES_PER_DEGREE = math.pi / 180 * 6_371_008.8
CONSENT = "本岗位设有电子围栏:提交检查时会记录您的位置,仅用于核实在岗。"


def north(metres: float, accuracy: float = 15) -> dict:
    return {"latitude": CENTRE[0] + metres / METRES_PER_DEGREE, "longitude": CENTRE[1], "accuracy": accuracy}


@pytest.fixture
def fenced(world) -> Setup:
    setup = Setup(world)
    Post.objects.filter(pk=world.post.pk).update(
        fence_latitude=Decimal(str(CENTRE[0])), fence_longitude=Decimal(str(CENTRE[1])), fence_radius_m=200
    )
    return setup


def phone_at(browser, position: dict | None):
    """A phone whose browser reports `position` (and may), or that refuses to tell it (None)."""
    extra = {"geolocation": position, "permissions": ["geolocation"]} if position else {"permissions": []}
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **PHONE, **extra)
    context.set_default_timeout(15_000)
    return context


def log_in(context, live_server, setup, person):
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{setup.token}")
    page.get_by_text("应急处置").wait_for()
    page.fill("#login input[name=username]", person.username)
    page.fill("#login input[name=password]", factories.PASSWORD)
    page.click("#login button")
    page.locator("#me").wait_for()
    return page


def submit_check(page, setup):
    page.wait_for_selector(f'form.checklist[data-template="{setup.template.id}"]')
    fill(page, setup)
    page.click("form.checklist button.submit")
    page.locator(".done").get_by_text("已提交:反应釜岗位日检").wait_for()
    return Inspection.objects.get()


def fence_codes(record) -> list[str]:
    return [f["code"] for f in record.flags if f["code"] in ("outside_fence", "no_position")]


def test_inside_the_fence_the_position_is_kept_and_nothing_is_flagged(browser, live_server, fenced, shot):
    context = phone_at(browser, north(40))
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/s/{fenced.token}")
        page.get_by_text(CONSENT).wait_for()  # said before anything is recorded: consent
        shot(page, "1-consent")
        page = log_in(context, live_server, fenced, fenced.world.worker)
        record = submit_check(page, fenced)
        shot(page, "2-recorded-inside")
        assert fence_codes(record) == []
        assert record.position_latitude == Decimal(f"{CENTRE[0] + 40 / METRES_PER_DEGREE:.6f}")
        assert record.position_longitude == Decimal("114.894313") and record.position_accuracy_m == Decimal("15.0")
        # (other flags may show: a robot fills the form faster than a person, its photo has no EXIF time)
        assert page.locator('.done [data-flag="outside_fence"], .done [data-flag="no_position"]').count() == 0
    finally:
        close_quietly(context)


def test_outside_the_fence_the_check_is_stored_then_flagged(browser, live_server, fenced, shot):
    context = phone_at(browser, north(2_000, accuracy=30))
    try:
        page = log_in(context, live_server, fenced, fenced.world.worker)
        record = submit_check(page, fenced)
        page.locator('.done [data-flag="outside_fence"]').get_by_text("已标注:在电子围栏外提交").wait_for()
        shot(page, "1-recorded-outside")
        assert fence_codes(record) == ["outside_fence"]
        flag = next(f for f in record.flags if f["code"] == "outside_fence")
        assert flag["detail"] == {"distance_m": 2000, "accuracy_m": 30, "radius_m": 200}
        assert record.position_latitude is not None
    finally:
        close_quietly(context)


def test_a_refused_position_still_records_the_check_flagged_no_position(browser, live_server, fenced, shot):
    context = phone_at(browser, None)
    try:
        page = log_in(context, live_server, fenced, fenced.world.worker)
        record = submit_check(page, fenced)
        page.get_by_text("记录已照常提交").wait_for()
        shot(page, "1-refused")
        assert fence_codes(record) == ["no_position"]
        assert record.position_latitude is None
    finally:
        close_quietly(context)


def test_a_post_without_a_fence_never_asks_for_the_position(browser, live_server, world):
    setup = Setup(world)
    context = phone_at(browser, north(5_000))
    try:
        page = context.new_page()
        page.add_init_script("navigator.geolocation.getCurrentPosition = function () { window.__asked = true; };")
        page.goto(f"{live_server.url}/s/{setup.token}")
        page.get_by_text("应急处置").wait_for()
        assert page.get_by_text(CONSENT).count() == 0
        page.fill("#login input[name=username]", world.worker.username)
        page.fill("#login input[name=password]", factories.PASSWORD)
        page.click("#login button")
        record = submit_check(page, setup)
        assert page.evaluate("window.__asked === true") is False
        assert record.position_latitude is None and fence_codes(record) == []
    finally:
        close_quietly(context)


def test_a_safety_manager_sets_the_fence_from_where_the_phone_stands(browser, live_server, world, shot):
    setup = Setup(world)
    here = {"latitude": 30.40012345, "longitude": 114.88054321, "accuracy": 8}
    context = phone_at(browser, here)
    try:
        worker_page = log_in(context, live_server, setup, world.worker)
        assert worker_page.locator("#fence").is_hidden()  # a worker has no such tool
        worker_page.click("#logout")
        page = log_in(context, live_server, setup, world.officer)
        page.click("#fence summary")
        page.fill("#fence input[name=radius]", "150")
        page.click("#fence-set")
        page.get_by_text("已设置电子围栏").wait_for()
        page.get_by_text(CONSENT).wait_for()
        shot(page, "1-fence-set")
        post = Post.objects.get(pk=world.post.pk)
        assert (post.fence_latitude, post.fence_longitude, post.fence_radius_m) == (
            Decimal("30.400123"),
            Decimal("114.880543"),
            150,
        )
        page.click("#fence-clear")
        page.get_by_text("本岗位未设电子围栏。").wait_for()
        assert Post.objects.get(pk=world.post.pk).fence_radius_m is None
        assert page.get_by_text(CONSENT).count() == 0
    finally:
        close_quietly(context)
