"""The plan of a major hazard (五落实) and the regulator's part (挂牌督办, 核查销号), issue 16."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hazards.models import Hazard, Notification, RectificationPlan
from orgs.models import Role
from tests import factories
from tests.hazards.conftest import FULL_PLAN, assert_error, assign, hazard_url, report, upload_photo


def plan_body(world, **override) -> dict:
    deadline = (timezone.localdate() + timedelta(days=30)).isoformat()
    return {**FULL_PLAN, "responsible": world.worker.id, "deadline": deadline, **override}


@pytest.fixture
def principal(world):
    return factories.MembershipFactory(enterprise=world.enterprise, role=Role.PRINCIPAL).person


@pytest.fixture
def rectifying(world):
    return assign(report(world, grade="major"), by=world.officer, responsible=world.worker)


def submit_body(api, world) -> dict:
    return {"note": "已整改", "photos": [upload_photo(api, world.worker)]}


def test_a_major_hazard_cannot_be_submitted_without_a_plan(api, world, rectifying):
    response = api.as_(world.worker).post(hazard_url(rectifying, "submit"), submit_body(api, world))
    assert_error(response, 409, "plan")
    assert Hazard.objects.get(pk=rectifying.pk).status == "rectifying"


@pytest.mark.parametrize("part", RectificationPlan.PARTS)
def test_the_principal_cannot_approve_a_plan_missing_a_part(api, world, principal, rectifying, part):
    body = plan_body(world, **{part: None if part in ("responsible", "funds_amount", "deadline") else ""})
    assert api.as_(world.officer).post(hazard_url(rectifying, "plan"), body, format="json").status_code == 201
    response = api.as_(principal).post(hazard_url(rectifying, "plan/approve"), {}, format="json")
    assert_error(response, 409, f"plan.{part}")
    response = api.as_(world.worker).post(hazard_url(rectifying, "submit"), submit_body(api, world))
    assert_error(response, 409, f"plan.{part}")


def test_only_the_principal_approves_and_then_the_rectification_may_be_submitted(api, world, principal, rectifying):
    written = api.as_(world.officer).post(hazard_url(rectifying, "plan"), plan_body(world), format="json")
    assert written.status_code == 201 and written.data["version"] == 1 and written.data["missing"] == []
    assert api.as_(world.worker).post(hazard_url(rectifying, "plan"), plan_body(world)).status_code == 403
    assert api.as_(world.officer).post(hazard_url(rectifying, "plan/approve"), {}).status_code == 403
    response = api.as_(world.worker).post(hazard_url(rectifying, "submit"), submit_body(api, world))
    assert_error(response, 409, "plan.approved")
    approved = api.as_(principal).post(hazard_url(rectifying, "plan/approve"), {"note": "同意"}, format="json")
    assert approved.status_code == 200 and approved.data["approved"] is True
    response = api.as_(world.worker).post(hazard_url(rectifying, "submit"), submit_body(api, world))
    assert response.status_code == 200 and response.data["status"] == "pending_acceptance"
    actions = [e["action"] for e in response.data["events"]]
    assert actions == ["report", "assign", "plan", "plan_approve", "submit"]
    assert response.data["plan"]["approved_by"]["id"] == principal.id and response.data["plan_versions"] == 1


def test_changing_an_approved_plan_needs_approval_again(api, world, principal, rectifying):
    api.as_(world.officer).post(hazard_url(rectifying, "plan"), plan_body(world), format="json")
    api.as_(principal).post(hazard_url(rectifying, "plan/approve"), {}, format="json")
    changed = api.as_(world.officer).post(hazard_url(rectifying, "plan"), {"funds_amount": "120000.00"}, format="json")
    assert changed.status_code == 201 and changed.data["version"] == 2 and changed.data["approved"] is False
    assert changed.data["measures"] == FULL_PLAN["measures"]  # the parts left out are carried over
    response = api.as_(world.worker).post(hazard_url(rectifying, "submit"), submit_body(api, world))
    assert_error(response, 409, "plan.approved")
    assert list(RectificationPlan.objects.filter(hazard=rectifying).values_list("version", flat=True)) == [2, 1]


def test_a_general_hazard_needs_no_plan_and_gets_none(api, world):
    hazard = assign(report(world), by=world.officer, responsible=world.worker)
    assert_error(api.as_(world.officer).post(hazard_url(hazard, "plan"), plan_body(world), format="json"), 409, "grade")
    response = api.as_(world.worker).post(hazard_url(hazard, "submit"), submit_body(api, world))
    assert response.status_code == 200


# ---------------------------------------------------------------------------------------------
# 挂牌督办, progress, 核查销号


def supervise(api, person, hazard, days=10):
    deadline = (timezone.localdate() + timedelta(days=days)).isoformat()
    return api.as_(person).post(hazard_url(hazard, "supervise"), {"deadline": deadline, "note": "限期治理"})


def test_a_regulator_in_scope_supervises_and_nobody_else(api, world, staff, rectifying):
    assert supervise(api, world.officer, rectifying).status_code == 403
    assert supervise(api, staff.principal, rectifying).status_code == 403
    assert supervise(api, world.far_regulator, rectifying).status_code == 404
    assert supervise(api, world.outsider, rectifying).status_code == 404
    response = supervise(api, world.regulator, rectifying)
    assert response.status_code == 200 and response.data["supervision"]["regulator"]["id"] == world.regulator.id
    assert_error(supervise(api, world.regulator, rectifying), 409, "hazard")
    general = report(world)
    assert_error(supervise(api, world.regulator, general), 409, "grade")


def test_the_enterprise_reports_progress_and_the_regulator_verifies_before_it_is_closed(api, world, staff, rectifying):
    supervise(api, world.regulator, rectifying)
    progress = {"note": "报警器已到货"}
    assert api.as_(world.regulator).post(hazard_url(rectifying, "progress"), progress).status_code == 403
    assert api.as_(world.outsider).post(hazard_url(rectifying, "progress"), progress).status_code == 404
    assert api.as_(world.officer).post(hazard_url(rectifying, "progress"), progress).status_code == 200
    api.as_(world.officer).post(hazard_url(rectifying, "plan"), plan_body(world), format="json")
    api.as_(staff.principal).post(hazard_url(rectifying, "plan/approve"), {}, format="json")
    api.as_(world.worker).post(hazard_url(rectifying, "submit"), submit_body(api, world))
    accepted = api.as_(world.officer).post(hazard_url(rectifying, "accept"), {"note": "企业验收合格"})
    assert accepted.status_code == 200 and accepted.data["status"] == "pending_verification"
    assert accepted.data["closed_at"] is None
    assert Notification.objects.filter(recipient=world.regulator, kind="supervised_hazard_accepted").count() == 1
    verify = {"passed": True, "note": "现场核查合格"}
    assert api.as_(world.officer).post(hazard_url(rectifying, "verify"), verify).status_code == 403
    assert api.as_(world.far_regulator).post(hazard_url(rectifying, "verify"), verify).status_code == 404
    verified = api.as_(world.regulator).post(hazard_url(rectifying, "verify"), verify)
    assert verified.status_code == 200 and verified.data["status"] == "closed"
    assert verified.data["supervision"]["verified_by"]["id"] == world.regulator.id
    actions = [e["action"] for e in verified.data["events"]]
    assert actions == [
        "report",
        "assign",
        "supervise",
        "progress",
        "plan",
        "plan_approve",
        "submit",
        "accept",
        "verify",
    ]


def test_a_failed_verification_sends_it_back_with_the_reason(api, world, staff, rectifying):
    supervise(api, world.regulator, rectifying)
    api.as_(world.officer).post(hazard_url(rectifying, "plan"), plan_body(world), format="json")
    api.as_(staff.principal).post(hazard_url(rectifying, "plan/approve"), {}, format="json")
    api.as_(world.worker).post(hazard_url(rectifying, "submit"), submit_body(api, world))
    api.as_(world.officer).post(hazard_url(rectifying, "accept"), {})
    assert_error(api.as_(world.regulator).post(hazard_url(rectifying, "verify"), {"passed": False}), 400, "note")
    response = api.as_(world.regulator).post(hazard_url(rectifying, "verify"), {"passed": False, "note": "未联锁"})
    assert response.status_code == 200 and response.data["status"] == "rectifying"


def test_regulators_list_supervised_hazards_overdue_first(api, world, staff):
    later = assign(report(world, grade="major"), by=world.officer, responsible=world.worker)
    late = assign(report(world, grade="major"), by=world.officer, responsible=world.worker)
    supervise(api, world.regulator, later, days=20)
    supervise(api, world.regulator, late, days=5)
    late.supervision.deadline = timezone.localdate() - timedelta(days=1)
    late.supervision.save()
    unsupervised = report(world, grade="major")
    body = api.as_(world.regulator).get("/api/v1/hazards/supervised/").data
    assert [h["id"] for h in body["results"]] == [late.id, later.id]
    assert unsupervised.id not in [h["id"] for h in body["results"]]
    assert api.as_(world.far_regulator).get("/api/v1/hazards/supervised/").data["results"] == []


def test_the_statistics_count_major_hazards_by_clause_region_and_industry(api, world):
    report(world, grade="major")
    report(world, grade="major")
    report(world, grade="general")
    today = timezone.localdate().isoformat()
    query = {"date_from": today, "date_to": today}
    (row,) = api.as_(world.regulator).get("/api/v1/hazards/major-stats/", query).data
    assert row["citation"] == "安监总管三〔2017〕121号 第二项" and row["count"] == 2 and row["open"] == 2
    assert row["region"] == world.enterprise.region.code and row["industry"] == world.enterprise.industry.code
    assert api.as_(world.far_regulator).get("/api/v1/hazards/major-stats/", query).data == []
    assert api.as_(world.worker).get("/api/v1/hazards/major-stats/", query).status_code == 403
    assert_error(api.as_(world.regulator).get("/api/v1/hazards/major-stats/", {}), 400, "date_from")


def test_the_region_page_shows_the_supervised_hazards_overdue_first_and_the_majors_by_clause(api, client, world, staff):
    later = assign(
        report(world, grade="major", description="液氯罐区报警失效"), by=world.officer, responsible=world.worker
    )
    late = assign(
        report(world, grade="major", description="光气管道穿越公共区域"), by=world.officer, responsible=world.worker
    )
    supervise(api, world.regulator, later, days=20)
    supervise(api, world.regulator, late, days=5)
    late.supervision.deadline = timezone.localdate() - timedelta(days=1)
    late.supervision.save()
    client.force_login(world.regulator)
    page = client.get("/m/region/").content.decode()
    section = page[page.index('id="supervised"') :]
    assert section.index("光气管道穿越公共区域") < section.index("液氯罐区报警失效") and "已逾期" in section
    by_clause = page[page.index('id="major-by-clause"') :]
    assert "安监总管三〔2017〕121号 第二项" in by_clause
