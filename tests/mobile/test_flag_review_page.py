"""/m/daily/'s 待核查 list (issue 12): the day's flagged records without a look, each with what was seen,
and a form to mark one as looked at with a note (the service of POST /api/v1/inspections/{id}/reviews/).
Same roles and tenancy as the API: regulators read, only the enterprise's safety managers mark."""

from django.test import Client as DjangoClient

from checklists.models import FlagReview, Inspection
from reports.models import DailyReview
from tests import factories
from tests.mobile.conftest import PAGE_BUDGET, page_weight
from tests.reports.conftest import beijing

DAY = "2024-07-01"  # post B's check of that day has no scan (tests/reports/conftest.py)
LOOK = "/m/daily/looked-at/"


def day_url(world, day=DAY) -> str:
    return f"/m/daily/?enterprise={world.enterprise.id}&date={day}"


def flagged(archive) -> Inspection:
    return Inspection.objects.get(post=archive.post_b, period=DAY)


def look(client, world, inspection_id, note="已电话核实,人在现场", day=DAY):
    return client.post(
        LOOK, {"enterprise": world.enterprise.id, "date": day, "inspection": inspection_id, "note": note}
    )


def test_the_officer_sees_the_flagged_record_with_what_was_seen_and_a_form(as_, world, archive):
    response = as_(world.officer).get(day_url(world))
    page = response.content.decode()
    record = flagged(archive)
    assert response.status_code == 200
    assert 'id="needs-look"' in page and f'data-inspection="{record.id}"' in page
    assert "不是扫码后现场提交:未扫码" in page and "装卸岗 · 岗位日检" in page
    assert f'name="inspection" value="{record.id}"' in page and "标记已核查" in page
    assert "待核查 <b" in page  # in the counts line
    assert page_weight(response.content) < PAGE_BUDGET


def test_marking_a_record_stores_the_look_and_takes_it_off_the_list(as_, world, archive):
    client = as_(world.officer)
    record = flagged(archive)
    response = look(client, world, record.id)
    assert response.status_code == 302 and response["Location"] == day_url(world) + "#needs-look"
    review = FlagReview.objects.get()
    assert (review.inspection, review.by, review.note) == (record, world.officer, "已电话核实,人在现场")
    page = client.get(day_url(world)).content.decode()
    assert f'data-inspection="{record.id}"' not in page and "没有待核查的记录。" in page


def test_a_blank_note_is_refused_at_the_records_form(as_, world, archive):
    response = look(as_(world.officer), world, flagged(archive).id, note="  ")
    assert response.status_code == 400 and "请填写核查意见。" in response.content.decode()
    assert not FlagReview.objects.exists()


def test_a_record_of_another_enterprise_or_day_is_a_404_or_400(as_, world, archive):
    other_template = factories.TemplateFactory(enterprise=world.other_enterprise, posts=[world.other_post])
    foreign = factories.InspectionFactory(post=world.other_post, template=other_template, flagged=True, flags=[{}])
    client = as_(world.officer)
    assert look(client, world, foreign.id).status_code == 404
    clean = Inspection.objects.get(post=archive.post_a, period=DAY)
    refused = look(client, world, clean.id)
    assert refused.status_code == 400 and "该记录没有可疑标记,无需核查。" in refused.content.decode()
    assert not FlagReview.objects.exists()


def test_regulators_and_workers_get_no_form_and_cannot_mark(as_, world, archive):
    client = as_(world.regulator)
    page = client.get(day_url(world)).content.decode()
    assert "不是扫码后现场提交" in page and "标记已核查" not in page
    response = look(client, world, flagged(archive).id)
    assert response.status_code == 403 and "监管人员只能查看,不能修改。" in response.content.decode()
    assert look(as_(world.worker), world, flagged(archive).id).status_code == 403
    assert not FlagReview.objects.exists()


def test_the_form_is_protected_by_csrf(world, archive):
    client = DjangoClient(enforce_csrf_checks=True)
    client.force_login(world.officer)
    assert look(client, world, flagged(archive).id).status_code == 403
    assert not FlagReview.objects.exists()


def test_a_signed_day_keeps_its_list_and_shows_a_later_look(as_, world, archive):
    client = as_(world.officer)
    signed = client.post("/m/daily/", {"enterprise": world.enterprise.id, "date": DAY, "note": "已审"})
    assert signed.status_code == 302 and DailyReview.objects.exists()
    record = flagged(archive)
    assert f'name="inspection" value="{record.id}"' in client.get(day_url(world)).content.decode()
    assert look(client, world, record.id).status_code == 302
    page = client.get(day_url(world)).content.decode()
    assert f'data-inspection="{record.id}"' in page and "签字后已有人核查" in page


def test_the_list_stays_within_the_page_budget_with_many_flagged_records(as_, world, archive):
    for minute in range(60):  # 61 flagged records: the first 50 are shown with their forms
        factories.InspectionFactory(
            post=archive.post_b,
            template=archive.daily,
            submitted_by=world.worker,
            at=beijing(2024, 7, 1, 12, minute),
            sequence=1000 + minute,
            on_site=False,
            flagged=True,
            flags=[{"code": "no_scan_event", "label": "不是扫码后现场提交", "detail": {"reason": "no_scan"}}],
        )
    response = as_(world.officer).get(day_url(world))
    page = response.content.decode()
    assert page.count("标记已核查") == 50 and "另有 11 条待核查" in page
    assert page_weight(response.content) < PAGE_BUDGET
