from datetime import timedelta

import pytest
from django.utils import timezone

from hazards.models import Hazard, HazardEvent
from orgs.models import Role
from tests import factories
from tests.checklists.conftest import jpeg_bytes
from tests.hazards.conftest import (
    assert_error,
    assign,
    hazard_url,
    report,
    snapshot,
    submit,
    upload_photo,
)


def in_days(days: int) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


def last_event(hazard) -> HazardEvent:
    return HazardEvent.objects.filter(hazard=hazard).order_by("-at", "-id").first()


# ---------------------------------------------------------------------------------------------
# Every move and its event


def test_assigning_an_open_hazard_makes_it_rectifying_and_records_who_when_and_why(api, world, staff):
    hazard = report(world)
    body = {
        "responsible": world.worker.id,
        "deadline": in_days(3),
        "measures": "清理通道杂物",
        "rectification_mode": "by_deadline",
        "note": "今天下班前完成",
    }
    response = api.as_(world.officer).post(hazard_url(hazard, "assign"), body)
    assert response.status_code == 200, response.data
    assert response.data["status"] == "rectifying"
    assert response.data["responsible"] == {"id": world.worker.id, "name": world.worker.name}
    assert response.data["measures"] == "清理通道杂物" and response.data["rectification_mode"] == "by_deadline"
    assert response.data["overdue"] is False
    event = last_event(hazard)
    assert (event.action, event.from_status, event.to_status) == ("assign", "open", "rectifying")
    assert event.actor == world.officer and event.note == "今天下班前完成"
    assert response.data["events"][-1]["actor"] == {"id": world.officer.id, "name": world.officer.name}
    stored = Hazard.objects.get(pk=hazard.pk)
    assert stored.responsible == world.worker and stored.deadline is not None


def test_the_responsible_person_submits_evidence_and_the_event_keeps_the_photos(api, world, rectifying):
    photos = [upload_photo(api, world.worker), upload_photo(api, world.worker)]
    response = api.as_(world.worker).post(hazard_url(rectifying, "submit"), {"note": "杂物已清理", "photos": photos})
    assert response.status_code == 200, response.data
    assert response.data["status"] == "pending_acceptance"
    event = last_event(rectifying)
    assert (event.action, event.from_status, event.to_status) == ("submit", "rectifying", "pending_acceptance")
    assert event.actor == world.worker and event.note == "杂物已清理"
    assert sorted(event.photos.values_list("id", flat=True)) == sorted(photos)
    shown = response.data["events"][-1]
    assert sorted(p["id"] for p in shown["photos"]) == sorted(photos)
    assert all(p["image"] and p["thumbnail"] for p in shown["photos"])


def test_accepting_closes_the_hazard_with_its_closing_time_and_an_event(api, world, pending):
    response = api.as_(world.officer).post(hazard_url(pending, "accept"), {"note": "验收合格"})
    assert response.status_code == 200, response.data
    assert response.data["status"] == "closed" and response.data["closed_at"] is not None
    stored = Hazard.objects.get(pk=pending.pk)
    assert stored.status == "closed" and stored.closed_at is not None
    event = last_event(pending)
    assert (event.action, event.from_status, event.to_status) == ("accept", "pending_acceptance", "closed")
    assert event.actor == world.officer and event.note == "验收合格"


def test_accepting_without_a_note_is_allowed(api, world, pending):
    response = api.as_(world.officer).post(hazard_url(pending, "accept"), {})
    assert response.status_code == 200 and response.data["status"] == "closed"


def test_rejecting_sends_it_back_to_rectifying_with_the_reason(api, world, pending):
    response = api.as_(world.officer).post(hazard_url(pending, "reject"), {"note": "通道仍有杂物"})
    assert response.status_code == 200, response.data
    assert response.data["status"] == "rectifying" and response.data["closed_at"] is None
    event = last_event(pending)
    assert (event.action, event.from_status, event.to_status) == ("reject", "pending_acceptance", "rectifying")
    assert event.actor == world.officer and event.note == "通道仍有杂物"


def test_reassigning_a_rectifying_hazard_names_the_new_person_and_restarts_the_escalation(api, world, rectifying):
    Hazard.objects.filter(pk=rectifying.pk).update(escalation_level=2)
    response = api.as_(world.officer).post(
        hazard_url(rectifying, "assign"), {"responsible": world.officer.id, "deadline": in_days(7)}
    )
    assert response.status_code == 200, response.data
    assert response.data["status"] == "rectifying" and response.data["escalation_level"] == 0
    assert response.data["responsible"]["id"] == world.officer.id
    event = last_event(rectifying)
    assert (event.action, event.from_status, event.to_status) == ("assign", "rectifying", "rectifying")


def test_the_whole_loop_is_told_by_the_events_in_order(api, world, staff):
    created = api.as_(world.worker).post(
        "/api/v1/hazards/", {"enterprise": world.enterprise.id, "grade": "general", "description": "配电箱未上锁"}
    )
    assert created.status_code == 201, created.data
    url = hazard_url(created.data["id"])
    officer, worker = api.as_(world.officer), world.worker
    assert officer.post(url + "assign/", {"responsible": worker.id, "deadline": in_days(2)}).status_code == 200
    evidence = {"note": "已上锁", "photos": [upload_photo(api, worker)]}
    assert api.as_(worker).post(url + "submit/", evidence).status_code == 200
    assert api.as_(world.officer).post(url + "reject/", {"note": "锁具损坏"}).status_code == 200
    evidence = {"note": "已更换锁具", "photos": [upload_photo(api, worker)]}
    assert api.as_(worker).post(url + "submit/", evidence).status_code == 200
    assert api.as_(world.officer).post(url + "accept/", {}).status_code == 200
    events = api.as_(world.officer).get(url).data["events"]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in events] == [
        ("report", "", "open"),
        ("assign", "open", "rectifying"),
        ("submit", "rectifying", "pending_acceptance"),
        ("reject", "pending_acceptance", "rectifying"),
        ("submit", "rectifying", "pending_acceptance"),
        ("accept", "pending_acceptance", "closed"),
    ]
    officer_id = world.officer.id
    assert [e["actor"]["id"] for e in events] == [worker.id, officer_id, worker.id, officer_id, worker.id, officer_id]


# ---------------------------------------------------------------------------------------------
# Illegal moves: 409, nothing changed

ILLEGAL_MOVES = [
    # (state fixture, move, who, body)
    ("open", "accept", "officer", {}),
    ("open", "reject", "officer", {"note": "不合格"}),
    ("rectifying", "accept", "officer", {}),
    ("rectifying", "reject", "officer", {"note": "不合格"}),
    ("pending", "assign", "officer", None),
    ("pending", "submit", "worker", None),
    ("closed", "submit", "worker", None),
    ("closed", "assign", "officer", None),
    ("closed", "accept", "officer", {}),
    ("closed", "reject", "officer", {"note": "不合格"}),
]


@pytest.mark.parametrize(("state", "move", "who", "body"), ILLEGAL_MOVES)
def test_an_illegal_move_is_a_409_and_changes_nothing(api, world, staff, request, state, move, who, body):
    hazard = report(world) if state == "open" else request.getfixturevalue(state)
    person = getattr(world, who)
    if body is None:
        body = (
            {"responsible": world.worker.id, "deadline": in_days(5)}
            if move == "assign"
            else {"note": "再次提交", "photos": [upload_photo(api, person)]}
        )
    before = snapshot(hazard)
    response = api.as_(person).post(hazard_url(hazard, move), body)
    error = assert_error(response, 409, "status", "illegal_transition")
    assert "不能" in error["message"]
    assert snapshot(hazard) == before


def test_rejecting_without_a_reason_is_a_400_naming_note_and_changes_nothing(api, world, pending):
    before = snapshot(pending)
    for body in ({}, {"note": ""}, {"note": "   "}):
        assert_error(api.as_(world.officer).post(hazard_url(pending, "reject"), body), 400, "note")
    assert snapshot(pending) == before


def test_hazards_cannot_be_edited_or_deleted_only_moved(api, world, rectifying):
    url = hazard_url(rectifying)
    officer = api.as_(world.officer)
    assert officer.put(url, {"status": "closed"}).status_code == 405
    assert officer.patch(url, {"status": "closed"}).status_code == 405
    assert officer.delete(url).status_code == 405
    assert Hazard.objects.get(pk=rectifying.pk).status == "rectifying"


# ---------------------------------------------------------------------------------------------
# Roles


def test_only_the_responsible_person_submits(api, world, rectifying):
    colleague = factories.MembershipFactory(enterprise=world.enterprise, role=Role.WORKER).person
    before = snapshot(rectifying)
    for person in (colleague, world.officer):
        body = {"note": "已整改", "photos": [upload_photo(api, person)]}
        assert_error(api.as_(person).post(hazard_url(rectifying, "submit"), body), 403, code="permission_denied")
    assert snapshot(rectifying) == before


def test_a_worker_cannot_assign_accept_or_reject(api, world, staff, pending):
    open_hazard = report(world)
    body = {"responsible": world.worker.id, "deadline": in_days(3)}
    assert_error(api.as_(world.worker).post(hazard_url(open_hazard, "assign"), body), 403)
    before = snapshot(pending)
    assert_error(api.as_(world.worker).post(hazard_url(pending, "accept"), {}), 403)
    assert_error(api.as_(world.worker).post(hazard_url(pending, "reject"), {"note": "x"}), 403)
    assert snapshot(pending) == before


def test_a_regulator_reports_with_source_regulator_but_cannot_assign_or_accept(api, world, staff, pending):
    response = api.as_(world.regulator).post(
        "/api/v1/hazards/",
        {"enterprise": world.enterprise.id, "grade": "general", "description": "安全出口标志缺失"},
    )
    assert response.status_code == 201, response.data
    assert response.data["source"] == "regulator" and response.data["found_by"]["id"] == world.regulator.id
    found = Hazard.objects.get(pk=response.data["id"])
    body = {"responsible": world.worker.id, "deadline": in_days(3)}
    assert_error(api.as_(world.regulator).post(hazard_url(found, "assign"), body), 403)
    before = snapshot(pending)
    assert_error(api.as_(world.regulator).post(hazard_url(pending, "accept"), {}), 403)
    assert_error(api.as_(world.regulator).post(hazard_url(pending, "reject"), {"note": "x"}), 403)
    assert snapshot(pending) == before
    assert Hazard.objects.get(pk=found.pk).status == "open"


def test_a_member_reports_with_source_ad_hoc(api, world):
    response = api.as_(world.worker).post(
        "/api/v1/hazards/",
        {"enterprise": world.enterprise.id, "post": world.post.id, "grade": "general", "description": "地面油污"},
    )
    assert response.status_code == 201, response.data
    assert response.data["source"] == "ad_hoc" and response.data["status"] == "open"
    assert response.data["post"] == world.post.id and response.data["responsible"] is None


def test_the_responsible_person_of_a_major_hazard_cannot_accept_it(api, world, staff):
    hazard = assign(report(world, grade="major"), by=world.officer, responsible=world.officer)
    submit(api, hazard, by=world.officer)
    before = snapshot(hazard)
    assert_error(api.as_(world.officer).post(hazard_url(hazard, "accept"), {}), 403, code="four_eyes")
    assert snapshot(hazard) == before
    response = api.as_(staff.principal).post(hazard_url(hazard, "accept"), {})
    assert response.status_code == 200 and response.data["status"] == "closed"


def test_the_responsible_person_of_a_general_hazard_cannot_accept_it_either(api, world, staff):
    """Four eyes for every grade (issue 11; this test said the opposite before)."""
    hazard = assign(report(world), by=world.officer, responsible=world.officer)
    submit(api, hazard, by=world.officer)
    assert_error(api.as_(world.officer).post(hazard_url(hazard, "accept"), {}), 403, code="four_eyes")
    response = api.as_(staff.director).post(hazard_url(hazard, "accept"), {})
    assert response.status_code == 200 and response.data["status"] == "closed"


def test_the_director_and_the_principal_may_assign_and_accept(api, world, staff):
    for manager in (staff.director, staff.principal):
        hazard = report(world)
        body = {"responsible": world.worker.id, "deadline": in_days(3)}
        assert api.as_(manager).post(hazard_url(hazard, "assign"), body).status_code == 200
        submit(api, hazard, by=world.worker)
        assert api.as_(manager).post(hazard_url(hazard, "accept"), {}).status_code == 200


# ---------------------------------------------------------------------------------------------
# Bad input: 400 naming the field


def test_a_deadline_in_the_past_is_a_400_naming_deadline(api, world, staff):
    hazard = report(world)
    before = snapshot(hazard)
    body = {"responsible": world.worker.id, "deadline": in_days(-1)}
    assert_error(api.as_(world.officer).post(hazard_url(hazard, "assign"), body), 400, "deadline")
    assert_error(
        api.as_(world.officer).post(hazard_url(hazard, "assign"), {"responsible": world.worker.id}), 400, "deadline"
    )
    assert snapshot(hazard) == before


def test_a_responsible_person_outside_the_enterprise_is_answered_like_one_that_does_not_exist(api, world, staff):
    hazard = report(world)
    officer = api.as_(world.officer)
    outsider = officer.post(hazard_url(hazard, "assign"), {"responsible": world.outsider.id, "deadline": in_days(3)})
    missing = officer.post(hazard_url(hazard, "assign"), {"responsible": 999999, "deadline": in_days(3)})
    regulator = officer.post(hazard_url(hazard, "assign"), {"responsible": world.regulator.id, "deadline": in_days(3)})
    bodies = [assert_error(r, 400, "responsible") for r in (outsider, missing, regulator)]
    assert bodies[0] == bodies[1] == bodies[2]


def test_submitting_needs_a_note_and_photos_of_ones_own(api, world, rectifying):
    url = hazard_url(rectifying, "submit")
    worker = api.as_(world.worker)
    assert_error(worker.post(url, {"note": "已整改", "photos": []}), 400, "photos")
    assert_error(worker.post(url, {"note": "已整改"}), 400, "photos")
    assert_error(worker.post(url, {"photos": [upload_photo(api, world.worker)]}), 400, "note")
    someone_elses = upload_photo(api, world.officer)
    assert_error(api.as_(world.worker).post(url, {"note": "已整改", "photos": [someone_elses]}), 400, "photos")
    assert Hazard.objects.get(pk=rectifying.pk).status == "rectifying"


def test_the_photo_taken_when_the_hazard_was_found_is_refused_as_evidence(api, world, staff):
    found_photo = upload_photo(api, world.worker)
    hazard = assign(report(world, photos=[found_photo]), by=world.officer, responsible=world.worker)
    before = snapshot(hazard)
    response = api.as_(world.worker).post(hazard_url(hazard, "submit"), {"note": "已整改", "photos": [found_photo]})
    assert_error(response, 400, "photos", "photo_reused")
    assert snapshot(hazard) == before


def test_the_same_bytes_uploaded_again_as_evidence_are_refused(api, world, staff):
    picture = jpeg_bytes(color=(10, 200, 10))
    found_photo = upload_photo(api, world.officer, data=picture)
    hazard = assign(report(world, by=world.officer, photos=[found_photo]), by=world.officer, responsible=world.worker)
    before = snapshot(hazard)
    evidence = upload_photo(api, world.worker, data=picture)  # another upload, another person, same bytes
    response = api.as_(world.worker).post(hazard_url(hazard, "submit"), {"note": "已整改", "photos": [evidence]})
    body = assert_error(response, 400, "photos", "photo_reused")
    assert "相同" in body["message"]
    assert snapshot(hazard) == before
