import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from checklists.models import ArchiveHead, Inspection, InspectionResult
from orgs.models import PostQrToken
from tests import factories
from tests.checklists.conftest import jpeg_bytes, scan_event, submission

URL = "/api/v1/inspections/"


def upload_photo(api, person, data=None) -> int:
    image = SimpleUploadedFile("p.jpg", data or jpeg_bytes(), content_type="image/jpeg")
    response = api.as_(person).post(
        "/api/v1/photos/", {"client_uuid": str(uuid.uuid4()), "image": image}, format="multipart"
    )
    assert response.status_code == 201, response.data
    return response.data["id"]


def test_a_valid_submission_is_stored_with_its_period_summary_and_hash(api, world, daily):
    body = submission(daily, world.post, started_at="2024-07-03T08:05:00+08:00")
    with time_machine.travel(datetime(2024, 7, 3, 1, 0, tzinfo=UTC)):
        response = api.as_(world.worker).post(URL, body)
    assert response.status_code == 201, response.data
    assert response.data["period"] == "2024-07-03"
    assert response.data["tier"] == "daily"
    assert response.data["summary"] == {"ok": 4, "failed": 0, "na": 0}
    assert response.data["late"] is False and response.data["on_site"] is False
    assert len(response.data["hash"]) == 64
    stored = Inspection.objects.get()
    assert str(stored.client_uuid) == body["client_uuid"]
    assert stored.submitted_by == world.worker and stored.sequence == 1 and stored.prev_hash == ""
    assert InspectionResult.objects.filter(inspection=stored).count() == 4


def test_sending_the_same_submission_again_returns_200_with_the_stored_body(api, world, daily):
    body = submission(daily, world.post)
    first = api.as_(world.worker).post(URL, body)
    again = api.as_(world.worker).post(URL, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.data == first.data
    assert Inspection.objects.count() == 1


def test_the_same_client_uuid_with_other_content_is_a_409_and_stores_nothing(api, world, daily):
    body = submission(daily, world.post)
    api.as_(world.worker).post(URL, body)
    body["results"][1]["value"] = 9
    response = api.as_(world.worker).post(URL, body)
    assert response.status_code == 409
    assert response.data["code"] == "conflict" and response.data["field"] == "client_uuid"
    assert Inspection.objects.count() == 1 and InspectionResult.objects.count() == 4


def test_another_person_replaying_a_client_uuid_gets_a_409_not_the_record(api, world, daily):
    body = submission(daily, world.post)
    api.as_(world.worker).post(URL, body)
    response = api.as_(world.officer).post(URL, body)
    assert response.status_code == 409
    assert "hash" not in response.data


def test_a_json_list_body_is_a_400_before_any_idempotency_lookup(api, world, daily):
    response = api.as_(world.worker).post(URL, [submission(daily, world.post)])
    assert response.status_code == 400
    assert response.data["code"] == "invalid"


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda b, d: b["results"].append({"item": 999999, "value": "ok"}), "results[4].item"),
        (lambda b, d: b["results"].__setitem__(1, {"item": d.gas.id, "value": 26}), "results[1].value"),
        (lambda b, d: b["results"].__setitem__(1, {"item": d.gas.id, "value": -1}), "results[1].value"),
        (lambda b, d: b["results"].__setitem__(1, {"item": d.gas.id, "value": "3.5"}), "results[1].value"),
        (lambda b, d: b["results"].__setitem__(1, {"item": d.gas.id, "value": True}), "results[1].value"),
        (lambda b, d: b["results"].__setitem__(0, {"item": d.extinguisher.id, "value": "yes"}), "results[0].value"),
        (lambda b, d: b["results"].__setitem__(0, {"item": d.extinguisher.id, "value": None}), "results[0].value"),
        (lambda b, d: b["results"].__setitem__(2, {"item": d.remark.id, "value": 5}), "results[2].value"),
        (lambda b, d: b["results"].append({"item": d.valve.id, "value": "ok"}), "results[4].item"),
        (lambda b, d: b["results"].pop(3), "results"),
        (lambda b, d: b["results"].__setitem__(0, {"item": d.extinguisher.id, "value": "not_ok"}), "results[0].photos"),
        (lambda b, d: b["results"][0].__setitem__("photos", [424242]), "results[0].photos"),
        (lambda b, d: b.__setitem__("results", []), "results"),
        (lambda b, d: b.__setitem__("started_at", "yesterday"), "started_at"),
        (lambda b, d: b.__setitem__("started_at", "2999-01-01T00:00:00+08:00"), "started_at"),
        (lambda b, d: b.__setitem__("client_uuid", "not-a-uuid"), "client_uuid"),
        (
            lambda b, d: b.__setitem__("template", factories.TemplateFactory(enterprise=d.template.enterprise).id),
            "template",
        ),
    ],
)
def test_a_bad_submission_is_a_400_naming_the_field_and_stores_nothing(api, world, daily, mutate, field):
    body = submission(daily, world.post)
    mutate(body, daily)
    response = api.as_(world.worker).post(URL, body)
    assert response.status_code == 400, response.data
    assert response.data["field"] == field
    assert response.data["message"]
    assert Inspection.objects.count() == 0 and InspectionResult.objects.count() == 0


def test_a_missing_required_item_is_named_in_the_message(api, world, daily):
    body = submission(daily, world.post)
    body["results"] = [r for r in body["results"] if r["item"] != daily.valve.id]
    response = api.as_(world.worker).post(URL, body)
    assert response.status_code == 400
    assert "阀门无泄漏" in response.data["message"]


def test_an_item_of_another_template_is_refused_like_an_unknown_one(api, world, daily):
    foreign = factories.ItemFactory(template=factories.TemplateFactory(enterprise=world.other_enterprise))
    body = submission(daily, world.post)
    body["results"].append({"item": foreign.id, "value": "ok"})
    response = api.as_(world.worker).post(URL, body)
    assert response.status_code == 400 and response.data["field"] == "results[4].item"


def test_every_bad_item_is_reported_at_once(api, world, daily):
    body = submission(daily, world.post)
    body["results"][0]["value"] = "maybe"
    body["results"][1]["value"] = 100
    response = api.as_(world.worker).post(URL, body)
    assert [e["field"] for e in response.data["errors"]] == ["results[0].value", "results[1].value"]


def test_a_failed_item_with_its_photo_is_counted_as_failed(api, world, daily):
    photo = upload_photo(api, world.worker)
    body = submission(daily, world.post)
    body["results"][0] = {"item": daily.extinguisher.id, "value": "not_ok", "note": "压力不足", "photos": [photo]}
    response = api.as_(world.worker).post(URL, body)
    assert response.status_code == 201, response.data
    assert response.data["summary"] == {"ok": 3, "failed": 1, "na": 0}
    result = InspectionResult.objects.get(item=daily.extinguisher)
    assert list(result.photos.values_list("id", flat=True)) == [photo]


def test_a_photo_uploaded_by_someone_else_cannot_be_cited(api, world, daily):
    photo = upload_photo(api, world.officer)
    body = submission(daily, world.post)
    body["results"][0]["photos"] = [photo]
    response = api.as_(world.worker).post(URL, body)
    assert response.status_code == 400 and response.data["field"] == "results[0].photos"


def test_a_check_at_half_past_midnight_on_1_august_is_filed_under_august(api, world, daily):
    daily.template.tier = "monthly"
    daily.template.save()
    with time_machine.travel(datetime(2024, 7, 31, 16, 40, tzinfo=UTC)):
        body = submission(daily, world.post, started_at="2024-08-01T00:30:00+08:00")
        response = api.as_(world.worker).post(URL, body)
    assert response.data["period"] == "2024-08" and response.data["late"] is False


def test_a_check_queued_offline_and_sent_after_the_day_closed_is_flagged_late(api, world, daily):
    with time_machine.travel(datetime(2024, 7, 4, 0, 30, tzinfo=UTC)):  # 08:30 next morning in Beijing
        body = submission(daily, world.post, started_at="2024-07-03T23:50:00+08:00")
        response = api.as_(world.worker).post(URL, body)
    assert response.status_code == 201
    assert response.data["period"] == "2024-07-03" and response.data["late"] is True


def test_a_valid_scan_token_with_a_scan_marks_the_record_on_site_and_a_revoked_one_does_not(api, world, daily):
    token = scan_event(world.worker, world.post).token  # the scan of a phone page that sends the token only
    on_site = api.as_(world.worker).post(URL, submission(daily, world.post, scan_token=token.token))
    PostQrToken.objects.filter(pk=token.pk).update(revoked_at=datetime(2024, 1, 1, tzinfo=UTC))
    revoked = api.as_(world.worker).post(URL, submission(daily, world.post, scan_token=token.token))
    other_post = factories.QrTokenFactory(post=factories.PostFactory(enterprise=world.enterprise))
    foreign = api.as_(world.worker).post(URL, submission(daily, world.post, scan_token=other_post.token))
    assert [r.data["on_site"] for r in (on_site, revoked, foreign)] == [True, False, False]


def test_records_of_an_enterprise_form_a_hash_chain(api, world, daily):
    first = api.as_(world.worker).post(URL, submission(daily, world.post)).data
    second = api.as_(world.officer).post(URL, submission(daily, world.post)).data
    stored = Inspection.objects.get(pk=second["id"])
    assert stored.sequence == 2 and stored.prev_hash == first["hash"]


def test_who_may_submit(api, world, daily):
    not_holder = factories.MembershipFactory(enterprise=world.enterprise).person
    assert api.as_(world.officer).post(URL, submission(daily, world.post)).status_code == 201
    assert api.as_(not_holder).post(URL, submission(daily, world.post)).status_code == 403
    assert api.as_(world.regulator).post(URL, submission(daily, world.post)).status_code == 403
    assert api.as_(world.outsider).post(URL, submission(daily, world.post)).status_code == 404
    assert api.as_(world.far_regulator).post(URL, submission(daily, world.post)).status_code == 404
    assert APIClientAnonymous(api).post(URL, submission(daily, world.post)).status_code == 401
    assert Inspection.objects.count() == 1


def APIClientAnonymous(api):
    api.force_authenticate(None)
    return api


def test_archive_records_cannot_be_changed_or_deleted_through_the_api(api, world, daily):
    created = api.as_(world.officer).post(URL, submission(daily, world.post)).data
    for method in (api.put, api.patch, api.delete):
        assert method(f"{URL}{created['id']}/", {}).status_code == 405
    stored = Inspection.objects.get()
    stored.late = True
    with pytest.raises(ValueError):
        stored.save()


def test_the_list_and_detail_are_scoped_and_filterable(api, world, daily):
    mine = api.as_(world.worker).post(URL, submission(daily, world.post)).data
    assert api.as_(world.outsider).get(URL).data["count"] == 0
    assert api.as_(world.outsider).get(f"{URL}{mine['id']}/").status_code == 404
    assert api.as_(world.far_regulator).get(f"{URL}{mine['id']}/").status_code == 404
    assert api.as_(world.regulator).get(f"{URL}{mine['id']}/").status_code == 200
    listed = api.as_(world.officer).get(URL, {"post": world.post.id, "tier": "daily", "period": mine["period"]})
    assert [r["id"] for r in listed.data["results"]] == [mine["id"]]
    assert api.as_(world.officer).get(URL, {"period": "1999-01-01"}).data["count"] == 0
    detail = api.as_(world.officer).get(f"{URL}{mine['id']}/").data
    assert [r["item_label"] for r in detail["results"]] == ["灭火器压力正常", "可燃气体浓度", "其他情况", "阀门无泄漏"]


def test_errors_speak_english_when_asked(api, world, daily):
    body = submission(daily, world.post)
    body["results"][1]["value"] = 99
    zh = api.as_(world.worker).post(URL, body)
    en = api.as_(world.worker).post(URL, body, HTTP_ACCEPT_LANGUAGE="en")
    assert "不能大于" in zh.data["message"]
    assert "must not be above" in en.data["message"]


@pytest.mark.parametrize(
    ("bound", "value", "said"), [(100, 999, "不能大于 100%LEL"), (Decimal("0.5"), 0.7, "不能大于 0.5%LEL")]
)
def test_a_bound_is_written_as_people_write_numbers_not_in_exponent_form(api, world, daily, bound, value, said):
    type(daily.gas).objects.filter(pk=daily.gas.pk).update(max_value=bound)
    body = submission(daily, world.post)
    body["results"][1]["value"] = value
    answer = api.as_(world.worker).post(URL, body)
    assert answer.status_code == 400
    assert answer.data["errors"][0]["message"] == f"「可燃气体浓度」{said}。"  # was 「…」不能大于 1E+2%LEL。


def _stored_in_queries(api, person, body, django_assert_max_num_queries, limit):
    api.as_(person)
    with django_assert_max_num_queries(limit) as captured:
        response = api.post(URL, body)
    assert response.status_code == 201, response.data
    return len(captured)


def test_an_inspection_of_50_items_is_stored_in_a_constant_number_of_queries(api, world, django_assert_max_num_queries):
    factories.MembershipFactory(enterprise=world.enterprise, role="principal")
    photo_ids = [upload_photo(api, world.worker, jpeg_bytes(color=(i, i, i))) for i in range(3)]
    ArchiveHead.objects.create(enterprise=world.enterprise)  # made by the enterprise's first record
    counts = []
    for size in (5, 50):
        template = factories.TemplateFactory(enterprise=world.enterprise, posts=[world.post])
        items = [factories.ItemFactory(template=template, hazard_grade_on_fail="major") for _ in range(size)]
        results = [{"item": item.id, "value": "not_ok", "photos": photo_ids} for item in items]
        results[0]["value"] = "ok"
        body = {
            "client_uuid": str(uuid.uuid4()),
            "template": template.id,
            "post": world.post.id,
            "started_at": datetime.now(UTC).isoformat(),
            "results": results,
        }
        # 22 queries: the post (with the caller's role and whether they hold it), the template's
        # items, photos, the photos used before (checklists.photo_reuse), savepoint, chain head lock,
        # re-check under the lock (which also reads the slot's first record, for first_of_slot), insert,
        # results, photo links, the photos' index rows, hazards, hazard events, their photo links (2),
        # members, actual controllers, notifications already sent, new notifications, head update,
        # release; then the hazard ids of the response.
        counts.append(_stored_in_queries(api, world.worker, body, django_assert_max_num_queries, 22))
        assert Inspection.objects.get(client_uuid=body["client_uuid"]).hazards.count() == size - 1
    assert counts == [22, 22]


def test_an_all_ok_daily_check_from_the_phone_is_stored_in_ten_queries_with_a_transaction(
    api, world, daily, django_assert_max_num_queries
):
    """The morning peak's request as the phone page sends it (scan event, token, finished_at): the post
    with the caller's role and holding, the template's items, the scan event cited (with its token),
    savepoint, head lock, re-check, insert, results, head update, release."""
    ArchiveHead.objects.create(enterprise=world.enterprise)
    event = scan_event(world.worker, world.post, at=timezone.now() - timedelta(minutes=5))
    body = submission(
        daily,
        world.post,
        scan_event=event.id,
        scan_token=event.token.token,
        started_at=(timezone.now() - timedelta(minutes=4)).isoformat(),
        finished_at=(timezone.now() - timedelta(minutes=1)).isoformat(),
    )
    count = _stored_in_queries(api, world.worker, body, django_assert_max_num_queries, 10)
    assert count == 10
    stored = Inspection.objects.get()
    assert stored.on_site and stored.flags == [] and stored.scan_event == event and stored.scan_token == event.token


def test_an_all_ok_daily_check_without_a_scan_is_stored_in_nine_queries_and_flagged(
    api, world, daily, django_assert_max_num_queries
):
    """The same without any scan (an API client): no scan query, the record stored and flagged."""
    ArchiveHead.objects.create(enterprise=world.enterprise)
    body = submission(daily, world.post, started_at=(timezone.now() - timedelta(minutes=3)).isoformat())
    count = _stored_in_queries(api, world.worker, body, django_assert_max_num_queries, 9)
    assert count == 9
    assert [f["code"] for f in Inspection.objects.get().flags] == ["no_scan_event"]


def test_a_replay_that_no_longer_passes_gets_the_stored_record(api, world, daily):
    """An offline queue can resend days later: the template may be retired and the worker moved
    since. The stored record is still the answer (200), not a 400 or 403."""
    body = submission(daily, world.post)
    first = api.as_(world.worker).post(URL, body)
    assert first.status_code == 201, first.data
    daily.template.active = False
    daily.template.save()
    world.post.holders.remove(world.worker)
    again = api.as_(world.worker).post(URL, body)
    assert again.status_code == 200, again.data
    assert again.data == first.data
    other = api.as_(world.worker).post(URL, submission(daily, world.post))
    assert other.status_code == 403  # a new record is checked as usual
    assert Inspection.objects.count() == 1


def test_a_correction_is_a_new_record_that_points_at_the_one_it_corrects(api, world, daily):
    original = api.as_(world.worker).post(URL, submission(daily, world.post)).data
    correction = api.as_(world.worker).post(URL, submission(daily, world.post, corrects=original["id"]))
    assert correction.status_code == 201
    stored = Inspection.objects.get(pk=correction.data["id"])
    assert stored.corrects_id == original["id"] and Inspection.objects.count() == 2
    other_post = factories.PostFactory(enterprise=world.enterprise)
    daily.template.posts.add(other_post)
    other_post.holders.add(world.worker)
    wrong = api.as_(world.worker).post(URL, submission(daily, other_post, corrects=original["id"]))
    assert (wrong.status_code, wrong.data["field"]) == (400, "corrects")


def test_a_reading_outside_the_normal_range_is_a_failed_item_that_opens_a_hazard(api, world, daily):
    daily.gas.max_value, daily.gas.normal_max = 100, 25
    daily.gas.save()
    body = submission(daily, world.post)
    body["results"][1]["value"] = 30  # above the 25 %LEL alarm level, still a possible reading
    response = api.as_(world.worker).post(URL, body)
    assert response.status_code == 201, response.data
    assert response.data["summary"] == {"ok": 3, "failed": 1, "na": 0}
    assert len(response.data["hazards"]) == 1
    body = submission(daily, world.post)
    body["results"][1]["value"] = 101  # not a possible reading: refused
    assert api.as_(world.worker).post(URL, body).data["field"] == "results[1].value"


def test_an_optional_check_item_left_blank_is_stored_as_not_applicable(api, world, daily):
    daily.valve.required = False
    daily.valve.save()
    body = submission(daily, world.post)
    body["results"][3]["value"] = None  # the valve check, optional now, sent blank (it was a 500)
    response = api.as_(world.worker).post(URL, body)
    assert response.status_code == 201, response.data
    assert response.data["summary"] == {"ok": 3, "failed": 0, "na": 1}
    assert InspectionResult.objects.get(inspection_id=response.data["id"], item=daily.valve).outcome == "na"
