"""Four eyes (issue 11, item 11): whoever rectifies a hazard never accepts it (销号), for every grade.

The attack: one safety officer assigned a general hazard to himself, submitted the fix and accepted it."""

import pytest

from hazards.models import Hazard, HazardEvent
from tests import factories
from tests.hazards import conftest as hazards
from tests.hazards.conftest import assign, hazard_url, report, snapshot, submit

staff = hazards.staff  # the fixture: principal, director, controller


def accept(api, person, hazard):
    return api.as_(person).post(hazard_url(hazard, "accept"), {"note": "验收合格"}, format="json")


def assert_four_eyes(response):
    assert response.status_code == 403, response.content
    body = response.json()
    assert body["code"] == "four_eyes" and body["message"]
    return body


@pytest.mark.parametrize("grade", ["general", "major"])
def test_the_officer_who_rectified_a_hazard_cannot_accept_it(api, world, staff, grade):
    hazard = assign(report(world, grade=grade), by=world.officer, responsible=world.officer)
    submit(api, hazard, by=world.officer)
    before = snapshot(hazard)
    assert_four_eyes(accept(api, world.officer, hazard))
    assert snapshot(hazard) == before and Hazard.objects.get(pk=hazard.pk).status == "pending_acceptance"
    # Another acceptor closes it.
    response = accept(api, staff.director, hazard)
    assert response.status_code == 200 and response.json()["status"] == "closed"


@pytest.mark.parametrize("grade", ["general", "major"])
def test_the_principal_who_rectified_a_hazard_cannot_accept_it(api, world, staff, grade):
    hazard = assign(report(world, grade=grade), by=world.officer, responsible=staff.principal)
    submit(api, hazard, by=staff.principal)
    assert_four_eyes(accept(api, staff.principal, hazard))
    assert accept(api, world.officer, hazard).status_code == 200


def test_whoever_submitted_an_earlier_rectification_does_not_accept_a_later_one(api, world, staff):
    """The director rectified, was sent back, the hazard went to the worker: the director's own work is
    part of what is accepted, so he does not accept it either."""
    hazard = assign(report(world), by=world.officer, responsible=staff.director)
    submit(api, hazard, by=staff.director)
    rejected = api.as_(world.officer).post(hazard_url(hazard, "reject"), {"note": "未彻底清理"}, format="json")
    assert rejected.status_code == 200
    assign(hazard, by=world.officer, responsible=world.worker)
    submit(api, hazard, by=world.worker)
    assert_four_eyes(accept(api, staff.director, hazard))
    assert accept(api, world.officer, hazard).status_code == 200


def test_the_rectifier_cannot_reject_his_own_rectification_either(api, world, staff):
    hazard = assign(report(world), by=world.officer, responsible=world.officer)
    submit(api, hazard, by=world.officer)
    response = api.as_(world.officer).post(hazard_url(hazard, "reject"), {"note": "再看看"}, format="json")
    assert_four_eyes(response)
    assert HazardEvent.objects.filter(hazard=hazard, action="reject").count() == 0


def test_a_superuser_who_rectified_does_not_accept_either(api, world, staff):
    root = factories.PersonFactory(is_superuser=True)
    factories.MembershipFactory(enterprise=world.enterprise, person=root, role="safety_officer")
    hazard = assign(report(world), by=world.officer, responsible=root)
    submit(api, hazard, by=root)
    assert_four_eyes(accept(api, root, hazard))


def test_the_refusal_speaks_english_when_asked(api, world, staff):
    hazard = assign(report(world), by=world.officer, responsible=world.officer)
    submit(api, hazard, by=world.officer)
    response = api.as_(world.officer).post(hazard_url(hazard, "accept"), {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403 and response.json()["message"].isascii()
