import pytest

from checklists.models import Inspection, InspectionResult
from hazards import notifications
from hazards.models import Hazard, HazardEvent, Notification
from tests import factories
from tests.checklists.conftest import submission
from tests.hazards.conftest import hazard_url, upload_photo

INSPECTIONS = "/api/v1/inspections/"


def failing(daily, post, photo, **overrides) -> dict:
    body = submission(daily, post, **overrides)
    body["results"][0] = {"item": daily.extinguisher.id, "value": "not_ok", "note": "压力不足", "photos": [photo]}
    body["results"][3] = {"item": daily.valve.id, "value": "not_ok"}
    return body


def test_failed_items_open_hazards_listed_in_the_inspection_response(api, world, daily, staff):
    photo = upload_photo(api, world.worker)
    response = api.as_(world.worker).post(INSPECTIONS, failing(daily, world.post, photo))
    assert response.status_code == 201, response.data
    inspection = Inspection.objects.get(pk=response.data["id"])
    hazards = {h.inspection_result.item_id: h for h in Hazard.objects.select_related("inspection_result")}
    assert sorted(response.data["hazards"]) == sorted(h.id for h in hazards.values())
    extinguisher, valve = hazards[daily.extinguisher.id], hazards[daily.valve.id]
    # Grades come from the items' hazard_grade_on_fail.
    assert (extinguisher.grade, valve.grade) == ("major", "general")
    assert extinguisher.description == "灭火器压力正常:压力不足" and valve.description == "阀门无泄漏"
    for hazard in (extinguisher, valve):
        assert hazard.source == "inspection" and hazard.status == "open"
        assert hazard.inspection == inspection and hazard.post == world.post
        assert hazard.found_by == world.worker and hazard.found_at == inspection.received_at
    # The photos of the failed item are the hazard's photos, and the report event shows them.
    assert list(extinguisher.photos.values_list("id", flat=True)) == [photo]
    assert list(valve.photos.all()) == []
    body = api.as_(world.officer).get(hazard_url(extinguisher)).data
    assert body["inspection"] == inspection.id
    assert body["inspection_result"] == InspectionResult.objects.get(inspection=inspection, item=daily.extinguisher).id
    assert [p["id"] for p in body["photos"]] == [photo]
    assert body["events"][0]["action"] == "report" and [p["id"] for p in body["events"][0]["photos"]] == [photo]


def test_an_item_without_a_grade_opens_a_general_hazard(api, world, daily):
    ungraded = factories.ItemFactory(template=daily.template, label="护栏完好", hazard_grade_on_fail="")
    body = submission(daily, world.post)
    body["results"].append({"item": ungraded.id, "value": "not_ok"})
    response = api.as_(world.worker).post(INSPECTIONS, body)
    assert response.status_code == 201, response.data
    assert Hazard.objects.get(pk=response.data["hazards"][0]).grade == "general"


def test_an_all_ok_inspection_opens_no_hazard(api, world, daily):
    response = api.as_(world.worker).post(INSPECTIONS, submission(daily, world.post))
    assert response.status_code == 201 and response.data["hazards"] == []
    assert Hazard.objects.count() == 0


def test_a_replayed_submission_opens_no_second_hazard(api, world, daily):
    body = failing(daily, world.post, upload_photo(api, world.worker))
    first = api.as_(world.worker).post(INSPECTIONS, body)
    again = api.as_(world.worker).post(INSPECTIONS, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.data["hazards"] == first.data["hazards"] and Hazard.objects.count() == 2


def test_hazards_are_opened_in_the_inspections_transaction(api, world, daily, monkeypatch):
    def fail(hazards):
        raise RuntimeError("notification store down")

    monkeypatch.setattr(notifications, "hazards_reported", fail)
    with pytest.raises(RuntimeError):
        api.as_(world.worker).post(INSPECTIONS, failing(daily, world.post, upload_photo(api, world.worker)))
    # Nothing half-stored: no record, no result, no hazard, no event, no notification.
    assert Inspection.objects.count() == 0 and InspectionResult.objects.count() == 0
    assert Hazard.objects.count() == 0 and HazardEvent.objects.count() == 0 and Notification.objects.count() == 0


def test_a_failed_major_item_notifies_the_principal_and_the_actual_controller(api, world, daily, staff):
    response = api.as_(world.worker).post(INSPECTIONS, failing(daily, world.post, upload_photo(api, world.worker)))
    major = Hazard.objects.get(pk__in=response.data["hazards"], grade="major")
    told = set(Notification.objects.filter(hazard=major).values_list("recipient_id", flat=True))
    assert {staff.principal.id, staff.controller.id, world.officer.id, staff.director.id} == told


def test_a_reading_out_of_its_normal_range_names_the_value_and_the_range(api, world, daily):
    type(daily.gas).objects.filter(pk=daily.gas.pk).update(normal_min=5, normal_max=20)
    body = submission(daily, world.post)
    body["results"][1] = {"item": daily.gas.id, "value": 23.5, "note": "通风不良"}
    response = api.as_(world.worker).post(INSPECTIONS, body)
    assert response.status_code == 201, response.data
    hazard = Hazard.objects.get(pk=response.data["hazards"][0])
    assert hazard.description == "可燃气体浓度 23.5%LEL(正常范围 5–20%LEL):通风不良"
    type(daily.gas).objects.filter(pk=daily.gas.pk).update(normal_min=None)
    body = submission(daily, world.post)
    body["results"][1] = {"item": daily.gas.id, "value": 21}
    response = api.as_(world.worker).post(INSPECTIONS, body)
    assert response.status_code == 201, response.data
    assert Hazard.objects.get(pk=response.data["hazards"][0]).description == "可燃气体浓度 21%LEL(正常范围 ≤ 20%LEL)"
