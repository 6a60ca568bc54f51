"""The day log's 待核查 list in a phone browser (issue 12): a safety officer reads why a record is suspicious
and marks it as looked at with a note; the record leaves the list and the look is stored beside it."""

import pytest

from checklists.models import FlagReview, Inspection
from tests.e2e.test_supervisor_pages import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_safety_officer_marks_a_flagged_record_as_looked_at(phone, live_server, world, archive, shot):
    flagged = Inspection.objects.get(post=archive.post_b, period="2024-07-01")  # sent without a scan
    page = phone.new_page()
    log_in(page, f"{live_server.url}/m/daily/?enterprise={world.enterprise.id}&date=2024-07-01", world.officer)
    entry = page.locator(f"section.flagged[data-inspection='{flagged.id}']")
    entry.wait_for()
    assert "不是扫码后现场提交:未扫码" in entry.inner_text()
    entry.scroll_into_view_if_needed()
    shot(page, "1-needs-look")

    entry.locator("textarea[name=note]").fill("已电话核实:手机没电,借同事手机填报,人在现场")
    entry.get_by_role("button", name="标记已核查").click()
    page.get_by_text("没有待核查的记录。").wait_for()
    shot(page, "2-looked-at")

    look = FlagReview.objects.get()
    assert (look.inspection_id, look.by_id) == (flagged.id, world.officer.id)
    assert look.note.startswith("已电话核实")
