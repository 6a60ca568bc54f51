from datetime import date

import pytest
import time_machine

from reports.models import DispatchDecision, MonthlyDispatch
from tests import factories
from tests.reports.conftest import DISPATCHES, assert_error, beijing


def generate(api, person, world, month="2024-07"):
    return api.as_(person).post(DISPATCHES, {"enterprise": world.enterprise.id, "month": month})


def url(dispatch, move=None) -> str:
    pk = dispatch["id"] if isinstance(dispatch, dict) else dispatch.id
    return f"{DISPATCHES}{pk}/{move}/" if move else f"{DISPATCHES}{pk}/"


@pytest.fixture
def dispatch(api, world, archive) -> MonthlyDispatch:
    response = generate(api, archive.principal, world)
    assert response.status_code == 201, response.data
    return MonthlyDispatch.objects.get(pk=response.data["id"])


def minutes(world, archive) -> dict:
    return {
        "summary": "7月日管控完成率偏低,重大隐患1项未销号。",
        "decisions": [
            {"task": "装卸区安全出口隐患8月10日前整改销号", "owner": archive.director.id, "due_date": "2024-08-10"},
            {"task": "全员应知应会抽查", "owner": world.officer.id, "due_date": "2024-08-31"},
        ],
    }


def test_the_principal_generates_the_dispatch_of_an_ended_month(api, world, archive, dispatch):
    body = api.as_(archive.principal).get(url(dispatch)).data
    assert (body["month"], body["period_start"], body["period_end"], body["status"]) == (
        "2024-07",
        "2024-07-01",
        "2024-07-31",
        "draft",
    )
    assert body["figures"]["checks"]["daily"]["expected"] == 62 and len(body["figures"]["days"]) == 31
    again = generate(api, archive.admin, world)
    assert again.status_code == 200 and again.data["id"] == dispatch.id


def test_minutes_and_decisions_then_the_principals_signature_freezes_it(api, world, archive, dispatch):
    response = api.as_(archive.principal).patch(url(dispatch), minutes(world, archive))
    assert response.status_code == 200, response.data
    assert [(d["order"], d["owner"]["id"], d["due_date"]) for d in response.data["decisions"]] == [
        (1, archive.director.id, "2024-08-10"),
        (2, world.officer.id, "2024-08-31"),
    ]
    # Replacing the decisions replaces them all.
    one = {"decisions": [{"task": "复查", "owner": world.worker.id, "due_date": "2024-08-05"}]}
    assert len(api.as_(archive.admin).patch(url(dispatch), one).data["decisions"]) == 1
    signed = api.as_(archive.principal).post(url(dispatch, "sign"), {"note": "按纪要执行"})
    assert signed.status_code == 200 and signed.data["status"] == "signed"
    assert signed.data["principal_signed_by"]["id"] == archive.principal.id
    assert_error(api.as_(archive.principal).patch(url(dispatch), minutes(world, archive)), 409, "status", "signed")
    assert_error(api.as_(archive.principal).post(url(dispatch, "sign")), 409, "status", "signed")
    assert list(DispatchDecision.objects.values_list("task", flat=True)) == ["复查"]


def test_a_decisions_owner_must_be_a_member_and_its_due_date_after_the_month(api, world, archive, dispatch):
    body = minutes(world, archive)
    body["decisions"][1]["owner"] = world.outsider.id
    response = api.as_(archive.principal).patch(url(dispatch), body)
    error = assert_error(response, 400, "decisions[1].owner", "not_a_member")
    assert str(world.outsider.id) in error["message"]
    body = minutes(world, archive)
    body["decisions"][0]["due_date"] = "2024-07-31"
    assert_error(api.as_(archive.principal).patch(url(dispatch), body), 400, "decisions[0].due_date")
    body = minutes(world, archive)
    body["decisions"][0].pop("task")
    assert_error(api.as_(archive.principal).patch(url(dispatch), body), 400, "decisions[0].task")
    body["decisions"] = [{"task": "x", "owner": world.officer.id, "due_date": "next week"}]
    assert_error(api.as_(archive.principal).patch(url(dispatch), body), 400, "decisions[0].due_date")
    # Nothing half-saved: neither the summary nor any decision.
    stored = MonthlyDispatch.objects.get()
    assert stored.summary == "" and not stored.decisions.exists()


def test_the_principal_signs_only_with_a_summary(api, world, archive, dispatch):
    assert_error(api.as_(archive.principal).post(url(dispatch, "sign")), 400, "summary")


def test_a_month_not_ended_or_malformed_is_refused(api, world, archive):
    with time_machine.travel(beijing(2024, 7, 31, 23, 59), tick=False):
        assert_error(generate(api, archive.principal, world), 400, "month", "period_open")
    for bad in ("2024-13", "2024-7", "July", "2024-00", "9999-12"):
        assert_error(generate(api, archive.principal, world, month=bad), 400, "month")
    assert not MonthlyDispatch.objects.exists()


def test_roles(api, world, archive, dispatch):
    for person in (world.officer, archive.director, world.worker):
        assert_error(generate(api, person, world, month="2024-06"), 403, code="permission_denied")
    assert_error(api.as_(archive.director).patch(url(dispatch), {"summary": "x"}), 403, code="permission_denied")
    api.as_(archive.admin).patch(url(dispatch), {"summary": "管理员整理的纪要"})
    assert_error(api.as_(archive.admin).post(url(dispatch, "sign")), 403, code="permission_denied")
    assert api.as_(archive.director).get(url(dispatch)).status_code == 200
    assert_error(api.as_(world.worker).get(url(dispatch)), 403, code="permission_denied")
    assert generate(api, archive.admin, world, month="2024-06").status_code == 201


def test_regulators_read_only_and_other_tenants_get_404(api, world, archive, dispatch):
    assert api.as_(world.regulator).get(url(dispatch)).status_code == 200
    assert_error(api.as_(world.regulator).post(url(dispatch, "sign")), 403, code="permission_denied")
    other = factories.MembershipFactory(enterprise=world.other_enterprise, role="principal").person
    for response in (
        api.as_(other).get(url(dispatch)),
        api.as_(other).patch(url(dispatch), {"summary": "x"}),
        api.as_(other).post(url(dispatch, "sign")),
        api.as_(other).get(f"{DISPATCHES}{dispatch.id}.xlsx"),
        api.as_(other).get(f"{DISPATCHES}{dispatch.id}.pdf"),
        api.as_(world.far_regulator).get(url(dispatch)),
    ):
        assert_error(response, 404, code="not_found")
    assert api.as_(other).get(DISPATCHES).data["results"] == []
    assert [d["month"] for d in api.as_(world.regulator).get(DISPATCHES).data["results"]] == ["2024-07"]


def test_one_dispatch_per_enterprise_and_month_is_a_database_constraint(world, archive, dispatch):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        MonthlyDispatch.objects.create(
            enterprise=world.enterprise,
            month="2024-07",
            period_start=date(2024, 7, 1),
            period_end=date(2024, 7, 31),
            figures={},
            generated_at=dispatch.generated_at,
        )


def test_the_list_of_five_dispatches_takes_at_most_eight_queries(api, world, archive, django_assert_max_num_queries):
    principal = archive.principal
    for month in ("2024-03", "2024-04", "2024-05", "2024-06", "2024-07"):
        created = generate(api, principal, world, month=month)
        decisions = [{"task": f"任务{n}", "owner": world.officer.id, "due_date": "2024-12-31"} for n in range(3)]
        api.as_(principal).patch(url(created.data), {"summary": month, "decisions": decisions})
    client = api.as_(principal)
    with django_assert_max_num_queries(8):
        listed = client.get(DISPATCHES).data["results"]
    assert len(listed) == 5 and all(len(d["decisions"]) == 3 for d in listed)
