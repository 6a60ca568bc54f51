import datetime

import pytest
import time_machine

from cards.models import Drill
from cards.selectors import drill_figures
from orgs.models import Enterprise
from tests import factories
from tests.cards.conftest import assert_error

DRILLS = "/api/v1/drills/"
D = datetime.date


def plan(api, person, world, **data):
    body = {"enterprise": world.enterprise.id, "title": "泄漏五步法演练", "planned_on": "2024-09-20", **data}
    return api.as_(person).post(DRILLS, body, format="json")


def test_a_safety_manager_plans_a_drill_for_a_post_and_records_it(api, world):
    response = plan(api, world.officer, world, post=world.post.id)
    assert response.status_code == 201, response.content
    drill = response.json()
    assert drill["done_on"] is None and drill["post"] == world.post.id
    with time_machine.travel("2024-09-21T02:00:00Z"):
        done = api.as_(world.officer).post(
            f"{DRILLS}{drill['id']}/done/", {"done_on": "2024-09-20", "participants": 12, "summary": "熟练"}
        )
    assert done.status_code == 200, done.content
    assert done.json()["done_on"] == "2024-09-20" and done.json()["participants"] == 12


def test_a_done_drill_is_a_record_that_no_longer_changes(api, world):
    drill = factories.DrillFactory(enterprise=world.enterprise, done_on=D(2024, 9, 20), participants=5)
    url = f"{DRILLS}{drill.id}/"
    assert_error(api.as_(world.officer).patch(url, {"title": "改"}, format="json"), 409, code="drill_done")
    assert_error(api.as_(world.officer).delete(url), 409, code="drill_done")
    again = api.as_(world.officer).post(f"{url}done/", {"done_on": "2024-09-21", "participants": 3})
    assert_error(again, 409, code="drill_done")
    assert Drill.objects.get(pk=drill.pk).done_on == D(2024, 9, 20)


def test_a_drill_cannot_be_recorded_in_the_future(api, world):
    drill = factories.DrillFactory(enterprise=world.enterprise)
    with time_machine.travel("2024-09-19T15:00:00Z"):  # 23:00 on the 19th in Beijing
        response = api.as_(world.officer).post(
            f"{DRILLS}{drill.id}/done/", {"done_on": "2024-09-20", "participants": 3}
        )
    assert_error(response, 400, "done_on")


def test_workers_regulators_and_other_tenants_cannot_plan_or_see_others_drills(api, world):
    assert_error(plan(api, world.worker, world), 403)
    assert_error(plan(api, world.regulator, world), 403)
    assert_error(plan(api, world.outsider, world), 400, "enterprise")
    assert_error(plan(api, world.officer, world, post=world.other_post.id), 400, "post")
    drill = factories.DrillFactory(enterprise=world.enterprise)
    assert api.as_(world.outsider).get(f"{DRILLS}{drill.id}/").status_code == 404
    assert api.as_(world.regulator).get(f"{DRILLS}{drill.id}/").status_code == 200
    assert api.as_(world.worker).get(DRILLS).json()["count"] == 1


def test_the_list_marks_overdue_drills_and_filters_by_done(api, world):
    factories.DrillFactory(enterprise=world.enterprise, planned_on=D(2024, 3, 1))
    factories.DrillFactory(enterprise=world.enterprise, planned_on=D(2024, 3, 1), done_on=D(2024, 3, 1))
    with time_machine.travel("2024-07-03T02:00:00Z"):
        planned = api.as_(world.officer).get(DRILLS, {"done": "false"}).json()["results"]
    assert len(planned) == 1 and planned[0]["overdue"] is True


@pytest.fixture
def low_risk(world):
    industry = factories.IndustryFactory(code="F51", name="批发业", high_risk=False)
    return factories.EnterpriseFactory(industry=industry, region=world.enterprise.region)


def statuses(on, high_risk=None):
    return drill_figures(high_risk or dict(Enterprise.objects.values_list("pk", "industry__high_risk")), on=on)


def test_high_risk_enterprises_drill_each_half_year_others_each_year(world, low_risk):
    # world.enterprise is in a high-risk industry (chemicals): half-yearly, seed item 49.
    factories.DrillFactory(enterprise=world.enterprise, planned_on=D(2024, 3, 1), done_on=D(2024, 3, 2))
    factories.DrillFactory(enterprise=low_risk, planned_on=D(2024, 3, 1), done_on=D(2024, 3, 2))
    june, july = statuses(D(2024, 6, 30)), statuses(D(2024, 7, 1))
    assert june[world.enterprise.pk].status == "done" and july[world.enterprise.pk].status == "due"
    assert july[world.enterprise.pk].period_start == D(2024, 7, 1)
    assert july[world.enterprise.pk].last_done_on == D(2024, 3, 2)
    assert july[low_risk.pk].status == "done" and july[low_risk.pk].period_end == D(2025, 1, 1)
    assert statuses(D(2025, 1, 1))[low_risk.pk].status == "due"


def test_a_missed_planned_drill_makes_the_enterprise_overdue(world, low_risk, django_assert_max_num_queries):
    factories.DrillFactory(enterprise=low_risk, planned_on=D(2024, 5, 1))
    factories.DrillFactory(enterprise=world.enterprise, planned_on=D(2024, 12, 1))
    high_risk = dict(Enterprise.objects.values_list("pk", "industry__high_risk"))
    with django_assert_max_num_queries(1):
        found = statuses(D(2024, 8, 1), high_risk)
    assert found[low_risk.pk].status == "overdue" and found[low_risk.pk].overdue == 1
    assert found[world.enterprise.pk].status == "planned" and found[world.enterprise.pk].planned == 1
    assert found[world.other_enterprise.pk].status == "due"


def test_a_year_filter_outside_the_calendar_is_a_400_naming_it(api, world):
    response = api.as_(world.officer).get(DRILLS, {"year": "0.0"})  # was a 500 (date(0, 1, 1))
    assert (response.status_code, response.data["field"]) == (400, "year")
