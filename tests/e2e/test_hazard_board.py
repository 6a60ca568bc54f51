"""The hazard board in a phone browser: a safety officer logs in and sees the overdue hazard first."""

import pytest

from hazards.models import HazardStatus
from tests import factories
from tests.mobile.conftest import make_hazard

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_safety_officer_logs_in_filters_and_sees_overdue_hazards_first(phone, live_server, world, shot):
    soon = make_hazard(world.enterprise, by=world.worker, days=2, post=world.post, description="配电箱门未关")
    late = make_hazard(
        world.enterprise,
        by=world.worker,
        days=-1,
        post=world.post,
        status=HazardStatus.RECTIFYING,
        responsible=world.worker,
        description="消防通道堵塞",
    )
    make_hazard(world.other_enterprise, by=world.outsider, days=-5, description="别家的隐患")
    page = phone.new_page()
    page.goto(f"{live_server.url}/m/hazards/")
    page.fill("input[name=username]", world.officer.username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button.primary")
    page.get_by_role("heading", name="隐患看板").wait_for()
    rows = page.locator("tr[data-hazard]")
    assert [rows.nth(i).get_attribute("data-hazard") for i in range(rows.count())] == [str(late.id), str(soon.id)]
    assert "逾期" in rows.first.inner_text() and "别家的隐患" not in page.content()
    shot(page, "1-board")
    page.click("#filters summary")  # the filters are folded (issue 14)
    page.select_option("select[name=overdue]", "true")
    page.click("form.filters button")
    page.wait_for_url("**overdue=true**")
    assert page.locator("tr[data-hazard]").count() == 1
    shot(page, "2-overdue-only")
