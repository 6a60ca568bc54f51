from datetime import UTC, datetime, timedelta

import time_machine

from hazards import notifications
from hazards.models import Hazard, Notification
from tests.hazards.conftest import HAZARDS, NOTIFICATIONS, assert_error, assign, chemical_clause, report


def inbox(api, person, **query) -> list[dict]:
    response = api.as_(person).get(NOTIFICATIONS, query)
    assert response.status_code == 200, response.data
    return response.data["results"]


def rows() -> list[tuple]:
    return list(Notification.objects.order_by("id").values_list("id", "recipient_id", "key", "created_at"))


def test_a_major_hazard_reaches_the_principal_and_the_actual_controller_at_once(api, world, staff):
    body = {
        "enterprise": world.enterprise.id,
        "grade": "major",
        "description": "液氯储罐区无泄漏报警",
        "basis_clause": chemical_clause("第五项").id,
    }
    hazard_id = api.as_(world.worker).post(HAZARDS, body).data["id"]
    for person in (staff.principal, staff.controller, world.officer, staff.director):
        (message,) = inbox(api, person)
        assert message["hazard"] == hazard_id and message["kind"] == "hazard_reported"
        assert "重大隐患" in message["title"] and message["read"] is False
    assert inbox(api, world.worker) == []  # the reporter is not told what they reported


def test_a_general_hazard_reaches_the_safety_staff_but_not_the_principal(api, world, staff):
    report(world)
    assert len(inbox(api, world.officer)) == 1 and len(inbox(api, staff.director)) == 1
    assert inbox(api, staff.principal) == [] and inbox(api, staff.controller) == []


def test_reporting_a_hazard_twice_notifies_once(world, staff):
    hazard = report(world, grade="major")
    before = rows()
    assert len(before) == 4
    assert notifications.hazards_reported([hazard]) == []
    assert notifications.hazards_reported([Hazard.objects.get(pk=hazard.pk)]) == []
    assert rows() == before


def test_an_assignment_tells_the_responsible_person_once(world, staff):
    hazard = assign(report(world), by=world.officer, responsible=world.worker)
    before = rows()
    assert notifications.hazard_assigned(Hazard.objects.get(pk=hazard.pk)) == []
    assert rows() == before
    assert Notification.objects.filter(recipient=world.worker, kind="hazard_assigned").count() == 1


def test_the_inbox_is_newest_first_and_filters_unread(api, world, staff):
    with time_machine.travel(datetime(2024, 7, 3, 1, 0, tzinfo=UTC)) as clock:
        first = report(world)
        clock.shift(timedelta(minutes=5))
        second = report(world)
    assert [m["hazard"] for m in inbox(api, world.officer)] == [second.id, first.id]
    oldest = Notification.objects.get(recipient=world.officer, hazard=first)
    api.as_(world.officer).post(f"{NOTIFICATIONS}{oldest.id}/read/")
    assert [m["hazard"] for m in inbox(api, world.officer, unread="true")] == [second.id]
    assert [m["hazard"] for m in inbox(api, world.officer, unread="false")] == [first.id]


def test_marking_one_read_is_idempotent(api, world, staff):
    report(world)
    message = Notification.objects.get(recipient=world.officer)
    with time_machine.travel(datetime(2024, 7, 3, 1, 0, tzinfo=UTC)):
        first = api.as_(world.officer).post(f"{NOTIFICATIONS}{message.id}/read/")
    assert first.status_code == 200, first.data
    assert first.data["read"] is True and first.data["read_at"] == "2024-07-03T09:00:00+08:00"
    again = api.as_(world.officer).post(f"{NOTIFICATIONS}{message.id}/read/")
    assert again.status_code == 200 and again.data == first.data
    assert Notification.objects.get(pk=message.id).read_at == datetime(2024, 7, 3, 1, 0, tzinfo=UTC)


def test_someone_elses_notification_is_a_404_and_stays_unread(api, world, staff):
    report(world)
    message = Notification.objects.get(recipient=world.officer)
    for person in (staff.director, world.worker, world.outsider, world.regulator, world.far_regulator):
        assert_error(api.as_(person).post(f"{NOTIFICATIONS}{message.id}/read/"), 404, code="not_found")
    assert_error(api.as_(world.officer).post(f"{NOTIFICATIONS}999999/read/"), 404)
    assert Notification.objects.get(pk=message.id).read_at is None
    assert inbox(api, world.outsider) == [] and inbox(api, world.far_regulator) == []


def test_read_all_marks_every_unread_notification_of_the_caller_and_counts_them(api, world, staff):
    report(world)
    report(world, grade="major")
    response = api.as_(world.officer).post(f"{NOTIFICATIONS}read-all/")
    assert response.status_code == 200 and response.data == {"count": 2}
    assert api.as_(world.officer).post(f"{NOTIFICATIONS}read-all/").data == {"count": 0}
    assert inbox(api, world.officer, unread="true") == []
    # Nobody else's inbox was touched.
    assert Notification.objects.filter(read_at__isnull=True).exclude(recipient=world.officer).count() == 4


def test_the_inbox_is_listed_in_a_constant_number_of_queries(api, world, staff, django_assert_max_num_queries):
    def listed_in_queries() -> int:
        api.as_(world.officer)
        with django_assert_max_num_queries(2) as captured:  # the count and the page
            response = api.get(NOTIFICATIONS)
        assert response.status_code == 200
        return len(captured)

    report(world)
    few = listed_in_queries()
    for _ in range(15):
        report(world, grade="major")
    assert few == listed_in_queries()
    assert len(inbox(api, world.officer)) == 16


def test_the_inbox_needs_a_login(api, world):
    assert_error(api.as_(None).get(NOTIFICATIONS), 401)
    assert_error(api.as_(None).post(f"{NOTIFICATIONS}read-all/"), 401)
