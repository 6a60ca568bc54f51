"""Another tenant's hazard is a 404 on every endpoint, answered exactly like an id that does not exist."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hazards.models import Hazard, HazardEvent, Notification
from tests.hazards.conftest import HAZARDS, NOTIFICATIONS, assert_error, hazard_url, snapshot, upload_photo

STRANGERS = ["outsider", "far_regulator"]


def body_for(api, person, move: str) -> dict:
    if move == "assign":
        return {"responsible": person.id, "deadline": (timezone.now() + timedelta(days=2)).isoformat()}
    if move == "submit":
        return {"note": "已整改", "photos": [upload_photo(api, person)]}
    return {"note": "不合格"}


@pytest.mark.parametrize("who", STRANGERS)
@pytest.mark.parametrize("move", [None, "assign", "submit", "accept", "reject"])
def test_a_stranger_gets_404_for_a_hazard_of_another_enterprise(api, world, pending, who, move):
    person = getattr(world, who)
    before = snapshot(pending)
    if move is None:
        theirs, missing = api.as_(person).get(hazard_url(pending)), api.as_(person).get(hazard_url(999999))
    else:
        body = body_for(api, person, move)
        theirs = api.as_(person).post(hazard_url(pending, move), body)
        missing = api.as_(person).post(hazard_url(999999, move), body)
    assert assert_error(theirs, 404, code="not_found") == assert_error(missing, 404)
    assert snapshot(pending) == before


@pytest.mark.parametrize("who", STRANGERS)
def test_a_stranger_neither_lists_nor_reports_hazards_of_another_enterprise(api, world, pending, who):
    person = getattr(world, who)
    response = api.as_(person).get(HAZARDS, {"enterprise": world.enterprise.id})
    assert response.status_code == 200 and response.data["count"] == 0
    body = {"enterprise": world.enterprise.id, "grade": "general", "description": "x"}
    assert_error(api.as_(person).post(HAZARDS, body), 400, "enterprise")
    assert Hazard.objects.count() == 1 and HazardEvent.objects.filter(actor=person).count() == 0


@pytest.mark.parametrize("who", STRANGERS)
def test_a_stranger_cannot_read_or_mark_someone_elses_notifications(api, world, pending, who):
    person = getattr(world, who)
    message = Notification.objects.filter(recipient=world.officer).first()
    assert_error(api.as_(person).post(f"{NOTIFICATIONS}{message.id}/read/"), 404, code="not_found")
    assert api.as_(person).get(NOTIFICATIONS).data["count"] == 0
    assert api.as_(person).post(f"{NOTIFICATIONS}read-all/").data == {"count": 0}
    assert Notification.objects.get(pk=message.id).read_at is None


def test_ids_that_are_not_numbers_are_404(api, world, pending):
    assert_error(api.as_(world.officer).get(f"{HAZARDS}abc/"), 404)
    assert_error(api.as_(world.officer).post(f"{NOTIFICATIONS}abc/read/"), 404)


def test_anonymous_callers_get_401_on_every_hazard_endpoint(api, world, pending):
    anonymous = api.as_(None)
    assert_error(anonymous.get(HAZARDS), 401)
    assert_error(anonymous.post(HAZARDS, {}), 401)
    assert_error(anonymous.get(hazard_url(pending)), 401)
    for move in ("assign", "submit", "accept", "reject"):
        assert_error(anonymous.post(hazard_url(pending, move), {}), 401)
