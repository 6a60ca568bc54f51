import pytest
import time_machine

from reports.models import WeeklyReport
from tests import factories
from tests.reports.conftest import WEEKLY, assert_error, beijing

MINUTES = {
    "summary": "本周完成日检5次,缺检9次。",
    "risk_analysis": "装卸区安全出口堵塞,风险较大。",
    "next_week_plan": "补齐缺检,整改重大隐患。",
}


def generate(api, person, world, week="2024-W27"):
    return api.as_(person).post(WEEKLY, {"enterprise": world.enterprise.id, "week": week})


@pytest.fixture
def report(api, world, archive) -> WeeklyReport:
    response = generate(api, world.officer, world)
    assert response.status_code == 201, response.data
    return WeeklyReport.objects.get(pk=response.data["id"])


def url(report, move=None) -> str:
    return f"{WEEKLY}{report.id}/{move}/" if move else f"{WEEKLY}{report.id}/"


def test_the_officer_generates_the_report_of_an_ended_week_with_the_archives_figures(api, world, archive, report):
    body = api.as_(world.officer).get(url(report)).data
    assert (body["week"], body["period_start"], body["period_end"]) == ("2024-W27", "2024-07-01", "2024-07-07")
    assert body["status"] == "draft" and body["generated_by"]["id"] == world.officer.id
    daily = body["figures"]["checks"]["daily"]
    assert (daily["expected"], daily["done"], daily["late"], daily["missed"], daily["off_site"]) == (14, 4, 1, 9, 1)
    hazards = body["figures"]["hazards"]
    assert (hazards["found"], hazards["found_general"], hazards["found_major"]) == (3, 2, 1)


def test_generating_again_returns_the_stored_report(api, world, archive, report, people):
    director = people[1]
    again = generate(api, director, world)
    assert again.status_code == 200 and again.data["id"] == report.id
    assert again.data["generated_by"]["id"] == world.officer.id
    assert WeeklyReport.objects.count() == 1


def test_a_week_not_yet_ended_or_malformed_is_refused(api, world, archive):
    with time_machine.travel(beijing(2024, 7, 7, 23, 0), tick=False):
        assert_error(generate(api, world.officer, world), 400, "week", "period_open")
    for bad in ("2024-27", "2024-W54", "2023-W53", "W27", "", "9999-W52"):
        assert_error(generate(api, world.officer, world, week=bad), 400, "week")
    assert_error(api.as_(world.officer).post(WEEKLY, {"week": "2024-W27"}), 400, "enterprise")
    assert not WeeklyReport.objects.exists()


def test_minutes_are_written_then_the_director_and_the_principal_sign(api, world, archive, report, people):
    principal, director, _admin = people
    response = api.as_(world.officer).patch(url(report), MINUTES)
    assert response.status_code == 200 and response.data["risk_analysis"] == MINUTES["risk_analysis"]
    response = api.as_(director).post(url(report, "sign"), {"note": "同意"})
    assert response.status_code == 200, response.data
    assert response.data["status"] == "director_signed" and response.data["director_signed_by"]["id"] == director.id
    response = api.as_(principal).post(url(report, "sign"), {})
    assert response.status_code == 200 and response.data["status"] == "signed"
    assert response.data["principal_signed_by"]["id"] == principal.id


def test_a_signed_report_is_frozen(api, world, archive, report, people):
    principal, director, _admin = people
    api.as_(world.officer).patch(url(report), MINUTES)
    assert api.as_(director).post(url(report, "sign")).status_code == 200
    # After the director's signature the minutes no longer change.
    assert_error(api.as_(world.officer).patch(url(report), {"summary": "改"}), 409, "status", "signed")
    assert_error(api.as_(director).post(url(report, "sign")), 409, "status", "signed")
    assert api.as_(principal).post(url(report, "sign")).status_code == 200
    assert_error(api.as_(principal).post(url(report, "sign")), 409, "status", "signed")
    assert_error(api.as_(principal).patch(url(report), {"summary": "改"}), 409, "status", "signed")
    stored = WeeklyReport.objects.get()
    assert stored.summary == MINUTES["summary"] and stored.figures == report.figures


def test_the_principal_signs_only_after_the_director(api, world, archive, report, people):
    principal = people[0]
    api.as_(world.officer).patch(url(report), MINUTES)
    assert_error(api.as_(principal).post(url(report, "sign")), 409, "status", "director_first")
    assert WeeklyReport.objects.get().status == "draft"


def test_the_director_signs_only_complete_minutes(api, world, archive, report, people):
    director = people[1]
    api.as_(world.officer).patch(url(report), {"summary": "有总结"})
    assert_error(api.as_(director).post(url(report, "sign")), 400, "risk_analysis")
    assert WeeklyReport.objects.get().director_signed_at is None


def test_roles(api, world, archive, report, people):
    principal, director, admin = people
    assert_error(generate(api, world.worker, world, week="2024-W26"), 403, code="permission_denied")
    assert_error(generate(api, admin, world, week="2024-W26"), 403, code="permission_denied")
    assert generate(api, director, world, week="2024-W26").status_code == 201
    assert_error(api.as_(world.officer).post(url(report, "sign")), 403, code="permission_denied")
    assert_error(api.as_(world.worker).get(url(report)), 403, code="permission_denied")
    assert_error(api.as_(world.worker).patch(url(report), {"summary": "x"}), 403, code="permission_denied")
    assert api.as_(world.worker).get(WEEKLY).data["results"] == []
    assert api.as_(principal).patch(url(report), {"summary": "主要负责人补充"}).status_code == 200


def test_regulators_in_scope_read_only(api, world, archive, report):
    assert api.as_(world.regulator).get(url(report)).status_code == 200
    assert [r["id"] for r in api.as_(world.regulator).get(WEEKLY).data["results"]] == [report.id]
    assert_error(api.as_(world.regulator).patch(url(report), {"summary": "x"}), 403, code="permission_denied")
    assert_error(api.as_(world.regulator).post(url(report, "sign")), 403, code="permission_denied")
    assert_error(generate(api, world.regulator, world, week="2024-W26"), 403, code="permission_denied")


def test_another_tenant_gets_404(api, world, archive, report):
    other = factories.MembershipFactory(enterprise=world.other_enterprise, role="safety_director").person
    for response in (
        api.as_(other).get(url(report)),
        api.as_(other).patch(url(report), {"summary": "x"}),
        api.as_(other).post(url(report, "sign")),
        api.as_(world.far_regulator).get(url(report)),
    ):
        assert_error(response, 404, code="not_found")
    assert api.as_(other).get(WEEKLY).data["results"] == []
    assert_error(generate(api, other, world, week="2024-W26"), 400, "enterprise")


def test_bad_minutes_name_the_field(api, world, archive, report):
    assert_error(api.as_(world.officer).patch(url(report), {"summary": "x" * 10001}), 400, "summary")
    assert_error(api.as_(world.officer).patch(url(report), {"next_week_plan": None}), 400, "next_week_plan")


def test_list_filters_by_enterprise_and_week(api, world, archive, report):
    assert generate(api, world.officer, world, week="2024-W26").status_code == 201
    listed = api.as_(world.officer).get(WEEKLY).data["results"]
    assert [r["week"] for r in listed] == ["2024-W27", "2024-W26"]
    filtered = api.as_(world.officer).get(f"{WEEKLY}?week=2024-W26&enterprise={world.enterprise.id}").data
    assert [r["week"] for r in filtered["results"]] == ["2024-W26"]
    assert api.as_(world.officer).put(url(report), MINUTES).status_code == 405
    assert api.as_(world.officer).delete(url(report)).status_code == 405
