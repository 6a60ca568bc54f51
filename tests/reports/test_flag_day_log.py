"""The day log's 待核查 (issue 12): the day's flagged records that no safety manager has looked at, with
their flags' labels and details; a look takes a record off the live list; a signed log keeps the list as
it was when signed."""

import pytest

from checklists.models import FlagReview, Inspection
from reports.models import DailyReview
from tests import factories
from tests.reports.conftest import DAY_LOG, REVIEWS, beijing, check, fresh, more_posts

# In the archive of tests/reports/conftest.py, 1 July has one record without a scan: post B's.
DAY = "2024-07-01"


def log(api, person, world, day=DAY, **headers):
    response = api.as_(person).get(f"{DAY_LOG}?enterprise={world.enterprise.id}&date={day}", **headers)
    assert response.status_code == 200, response.data
    return response.json()


def look(api, person, inspection_id, note="已电话核实"):
    return api.as_(person).post(f"/api/v1/inspections/{inspection_id}/reviews/", {"note": note}, format="json")


def test_the_live_log_lists_the_days_flagged_records_without_a_look(api, world, archive):
    body = log(api, world.officer, world)
    off_site = Inspection.objects.get(post=archive.post_b, period=DAY)
    assert body["counts"]["flagged"] == 1 and body["counts"]["needs_look"] == 1
    assert body["needs_look"] == [
        {
            "inspection": off_site.id,
            "post_name": "装卸岗",
            "template_name": "岗位日检",
            "submitted_by": str(world.worker),
            "received_at": "2024-07-01T01:00:00Z",
            "on_site": False,
            "flags": [{"code": "no_scan_event", "label": "不是扫码后现场提交", "detail": {"reason": "no_scan"}}],
        }
    ]
    flagged = {r["id"]: r["flagged"] for r in body["records"]}
    assert flagged[off_site.id] is True and sum(flagged.values()) == 1
    english = log(api, world.officer, world, HTTP_ACCEPT_LANGUAGE="en")
    assert english["needs_look"][0]["flags"][0]["label"] == "Not submitted on site after a scan"


def test_a_look_takes_the_record_off_the_live_list(api, world, archive):
    listed = log(api, world.officer, world)["needs_look"][0]["inspection"]
    assert look(api, world.officer, listed).status_code == 201
    body = log(api, world.regulator, world)
    assert body["needs_look"] == [] and body["counts"]["needs_look"] == 0 and body["counts"]["flagged"] == 1


def test_a_signed_log_keeps_the_list_as_it_was(api, world, archive):
    signed = api.as_(world.officer).post(REVIEWS, {"enterprise": world.enterprise.id, "date": DAY, "note": "已审"})
    assert signed.status_code == 201
    listed = signed.json()["log"]["needs_look"]
    assert len(listed) == 1
    assert look(api, world.officer, listed[0]["inspection"]).status_code == 201
    frozen = log(api, world.officer, world)
    assert frozen["review"]["id"] == DailyReview.objects.get().id and frozen["needs_look"] == listed


def test_a_log_signed_before_the_flags_reads_with_an_empty_list(api, world, archive):
    api.as_(world.officer).post(REVIEWS, {"enterprise": world.enterprise.id, "date": DAY, "note": "已审"})
    review = DailyReview.objects.get()
    old = {k: v for k, v in review.log.items() if k != "needs_look"}
    old["counts"] = {k: v for k, v in old["counts"].items() if k not in ("flagged", "needs_look")}
    old["records"] = [{k: v for k, v in r.items() if k != "flagged"} for r in old["records"]]
    DailyReview.objects.filter(pk=review.pk).update(log=old)
    body = log(api, world.officer, world)
    assert body["needs_look"] == [] and body["counts"]["needs_look"] == 0 and body["counts"]["flagged"] == 0
    detail = api.as_(world.officer).get(f"{REVIEWS}{review.id}/").json()
    assert detail["log"]["needs_look"] == [] and all(r["flagged"] is False for r in detail["log"]["records"])


def test_records_of_other_days_and_enterprises_are_not_listed(api, world, archive):
    other_template = factories.TemplateFactory(enterprise=world.other_enterprise, posts=[world.other_post])
    factories.InspectionFactory(
        post=world.other_post,
        template=other_template,
        at=beijing(2024, 7, 1, 10, 0),
        on_site=False,
        flags=[{"code": "no_scan_event", "label": "不是扫码后现场提交", "detail": {"reason": "no_scan"}}],
        flagged=True,
    )
    check(archive, archive.post_b, at=beijing(2024, 7, 2, 9, 0), on_site=False)  # flagged, on the 2nd
    assert len(log(api, world.officer, world)["needs_look"]) == 1
    assert len(log(api, world.officer, world, day="2024-07-02")["needs_look"]) == 1
    assert FlagReview.objects.count() == 0


@pytest.mark.parametrize("extra", [0, 10])
def test_the_list_costs_no_query(api, world, archive, extra, django_assert_max_num_queries):
    more_posts(world, archive, extra)
    for post in world.enterprise.posts.exclude(pk__in=[archive.post_a.pk, archive.post_b.pk]):
        check(archive, post, at=beijing(2024, 7, 1, 11, 0), on_site=False)
    client = api.as_(fresh(world.officer))
    with django_assert_max_num_queries(10):  # as tests/reports/test_daily_review.py: the list rides on the records
        response = client.get(f"{DAY_LOG}?enterprise={world.enterprise.id}&date={DAY}")
    assert len(response.json()["needs_look"]) == 1 + extra
