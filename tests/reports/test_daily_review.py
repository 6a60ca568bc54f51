from datetime import date

import pytest
import time_machine

from reports.models import DailyReview
from tests import factories
from tests.reports.conftest import DAY_LOG, REVIEWS, assert_error, beijing, check, more_posts


def log_url(world, day="2024-07-03", enterprise=None) -> str:
    return f"{DAY_LOG}?enterprise={enterprise or world.enterprise.id}&date={day}"


def sign(api, person, world, day="2024-07-03", note="已核查,缺检已督促"):
    return api.as_(person).post(REVIEWS, {"enterprise": world.enterprise.id, "date": day, "note": note})


def test_the_officer_reads_the_live_log_of_a_day(api, world, archive):
    response = api.as_(world.officer).get(log_url(world))
    assert response.status_code == 200, response.data
    body = response.data
    assert body["review"] is None and body["date"] == "2024-07-03"
    assert body["counts"]["failed_items"] == 3 and body["counts"]["hazards_opened"] == 3
    assert {c["status"] for c in body["checks"]} == {"done"}


def test_the_officer_signs_an_ended_day_and_the_log_is_frozen(api, world, archive):
    response = sign(api, world.officer, world)
    assert response.status_code == 201, response.data
    review = DailyReview.objects.get()
    assert response.data["id"] == review.id and response.data["note"] == "已核查,缺检已督促"
    assert response.data["signed_by"]["id"] == world.officer.id
    assert response.data["log"]["counts"]["records"] == 3
    # A record sent afterwards for that day changes the live archive, not the signed log.
    check(archive, archive.post_b, at=beijing(2024, 7, 3, 20, 0), sent=beijing(2024, 7, 5, 9, 0))
    answer = api.as_(world.officer).get(log_url(world)).data
    assert answer["review"]["id"] == review.id and answer["counts"]["records"] == 3
    assert answer["computed_at"] == response.data["log"]["computed_at"]
    detail = api.as_(world.officer).get(f"{REVIEWS}{review.id}/")
    assert detail.status_code == 200 and detail.data["log"] == response.data["log"]


def test_a_signed_day_cannot_be_signed_again(api, world, archive, people):
    principal = people[0]
    assert sign(api, world.officer, world).status_code == 201
    assert_error(sign(api, principal, world, note="再签"), 409, "date", "conflict")
    assert DailyReview.objects.get().note == "已核查,缺检已督促"


def test_a_day_still_open_or_in_the_future_is_refused(api, world, archive):
    with time_machine.travel(beijing(2024, 7, 3, 18, 0), tick=False):
        assert_error(sign(api, world.officer, world), 400, "date", "period_open")
        assert_error(sign(api, world.officer, world, day="2024-07-09"), 400, "date", "period_open")
    assert not DailyReview.objects.exists()


@pytest.mark.parametrize("role", ["safety_director", "principal"])
def test_the_director_and_the_principal_may_sign_too(api, world, archive, role):
    person = factories.MembershipFactory(enterprise=world.enterprise, role=role).person
    if role == "principal":
        person = archive.principal
    assert sign(api, person, world).status_code == 201


def test_workers_and_admins_may_not_sign_and_workers_may_not_read(api, world, archive, people):
    admin = people[2]
    assert_error(sign(api, world.worker, world), 403, code="permission_denied")
    assert_error(sign(api, admin, world), 403, code="permission_denied")
    assert_error(api.as_(world.worker).get(log_url(world)), 403, code="permission_denied")
    assert not DailyReview.objects.exists()


def test_regulators_in_scope_read_but_do_not_sign(api, world, archive):
    assert sign(api, world.officer, world).status_code == 201
    assert api.as_(world.regulator).get(log_url(world)).status_code == 200
    listed = api.as_(world.regulator).get(REVIEWS).data["results"]
    assert [r["date"] for r in listed] == ["2024-07-03"]
    assert_error(sign(api, world.regulator, world, day="2024-07-02"), 403, code="permission_denied")


def test_another_tenant_sees_nothing(api, world, archive):
    assert sign(api, world.officer, world).status_code == 201
    review = DailyReview.objects.get()
    other_officer = factories.MembershipFactory(enterprise=world.other_enterprise, role="safety_officer").person
    assert_error(api.as_(other_officer).get(log_url(world)), 404, code="not_found")
    assert_error(api.as_(world.far_regulator).get(log_url(world)), 404, code="not_found")
    assert_error(api.as_(other_officer).get(f"{REVIEWS}{review.id}/"), 404, code="not_found")
    assert api.as_(other_officer).get(REVIEWS).data["results"] == []
    # Signing another enterprise's day: the enterprise is reported as not existing.
    assert_error(sign(api, other_officer, world, day="2024-07-02"), 400, "enterprise")


def test_bad_input_names_the_field(api, world, archive):
    assert_error(api.as_(world.officer).get(log_url(world, day="3 July")), 400, "date")
    assert_error(api.as_(world.officer).get(f"{DAY_LOG}?date=2024-07-03"), 400, "enterprise")
    assert_error(api.as_(world.officer).get(log_url(world, day="9999-12-31")), 400, "date")
    body = {"enterprise": world.enterprise.id, "date": "9999-12-31"}
    assert_error(api.as_(world.officer).post(REVIEWS, body), 400, "date")
    body = {"enterprise": world.enterprise.id, "date": "2024-07-32"}
    assert_error(api.as_(world.officer).post(REVIEWS, body), 400, "date")
    body = {"enterprise": world.enterprise.id, "date": "2024-07-03", "note": "x" * 2001}
    assert_error(api.as_(world.officer).post(REVIEWS, body), 400, "note")
    assert not DailyReview.objects.exists()


def test_reviews_are_listed_newest_first_and_filtered(api, world, archive):
    for day in ("2024-07-01", "2024-07-03", "2024-07-02"):
        assert sign(api, world.officer, world, day=day).status_code == 201
    listed = api.as_(world.officer).get(REVIEWS).data["results"]
    assert [r["date"] for r in listed] == ["2024-07-03", "2024-07-02", "2024-07-01"]
    filtered = api.as_(world.officer).get(f"{REVIEWS}?date_from=2024-07-02&enterprise={world.enterprise.id}")
    assert [r["date"] for r in filtered.data["results"]] == ["2024-07-03", "2024-07-02"]
    assert DailyReview.objects.filter(date=date(2024, 7, 1)).exists()


def test_reviews_have_no_update_or_delete(api, world, archive):
    assert sign(api, world.officer, world).status_code == 201
    url = f"{REVIEWS}{DailyReview.objects.get().id}/"
    assert api.as_(world.officer).patch(url, {"note": "改"}).status_code == 405
    assert api.as_(world.officer).delete(url).status_code == 405


@pytest.mark.parametrize("extra", [0, 10])
def test_the_log_endpoint_takes_a_fixed_number_of_queries(api, world, archive, extra, django_assert_max_num_queries):
    more_posts(world, archive, extra)
    client = api.as_(world.officer)
    with django_assert_max_num_queries(10):
        response = client.get(log_url(world))
    assert response.status_code == 200 and response.data["counts"]["records"] == 3 + extra
