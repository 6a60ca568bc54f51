"""The clause of a major hazard opened from a failed check item (issue 16): POST /hazards/{id}/classify/
sets the grade and the clause; a major hazard without a clause cannot go to submitted rectification."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from hazards.models import Hazard, HazardEvent, JudgmentClause, JudgmentStandard
from tests import factories
from tests.hazards.conftest import (
    assert_error,
    assign,
    chemical_clause,
    fresh,
    hazard_url,
    snapshot,
    upload_photo,
    with_approved_plan,
)
from tests.hazards.test_from_inspections import INSPECTIONS, failing


@pytest.fixture
def from_inspection(api, world, daily) -> Hazard:
    """The major hazard a failed check item opened: a grade, no clause."""
    response = api.as_(world.worker).post(INSPECTIONS, failing(daily, world.post, upload_photo(api, world.worker)))
    assert response.status_code == 201, response.data
    hazard = Hazard.objects.get(pk__in=response.data["hazards"], grade="major")
    assert hazard.source == "inspection" and hazard.basis_clause is None
    return hazard


def classify(api, person, hazard, **body):
    return api.as_(person).post(hazard_url(hazard, "classify"), body, format="json")


def test_a_safety_manager_gives_the_inspection_hazard_its_clause_and_the_history_says_so(api, world, from_inspection):
    clause = chemical_clause("第十二项")
    response = classify(api, world.officer, from_inspection, grade="major", basis_clause=clause.id, note="现场复核")
    assert response.status_code == 200, response.content
    assert response.data["grade"] == "major" and response.data["basis_clause"]["id"] == clause.id
    stored = Hazard.objects.get(pk=from_inspection.pk)
    assert (stored.basis_clause, stored.basis, stored.status) == (clause, clause.citation, "open")
    event = stored.events.order_by("-id").first()
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        "classify",
        world.officer,
        "open",
        "open",
    )
    assert clause.citation in event.note and "现场复核" in event.note
    assert response.data["events"][-1]["action"] == "classify"


def test_a_major_grade_without_a_clause_is_a_400_naming_basis_clause_in_chinese_and_english(
    api, world, from_inspection
):
    before = snapshot(from_inspection)
    body = assert_error(classify(api, world.officer, from_inspection, grade="major"), 400, "basis_clause")
    assert "判定依据" in body["message"]
    english = api.as_(world.officer).post(
        hazard_url(from_inspection, "classify"), {"grade": "major"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert_error(english, 400, "basis_clause")
    assert "clause" in english.json()["message"].lower()
    assert snapshot(from_inspection) == before and Hazard.objects.get(pk=from_inspection.pk).basis_clause is None


def test_a_clause_not_in_force_on_the_day_found_or_not_offered_to_the_industry_is_refused(api, world, from_inspection):
    later = JudgmentStandard.objects.create(
        code="LATER",
        title="后来的标准",
        issuing_order="后来的文号",
        sector="化工",
        effective_from=timezone.localdate() + timedelta(days=1),
    )
    not_yet = later.clauses.create(number="第一项", ordinal=1, text="尚未施行的情形。")
    response = classify(api, world.officer, from_inspection, grade="major", basis_clause=not_yet.id)
    assert_error(response, 400, "basis_clause", code="clause_not_in_force")
    machinery = JudgmentClause.objects.get(number="第七条第（二）项")  # the demo enterprise here is chemical (C26)
    response = classify(api, world.officer, from_inspection, grade="major", basis_clause=machinery.id)
    assert_error(response, 400, "basis_clause", code="clause_not_applicable")
    assert_error(classify(api, world.officer, from_inspection, grade="major", basis_clause=999999), 400, "basis_clause")
    assert not HazardEvent.objects.filter(action="classify").exists()


def test_the_clause_counts_on_the_day_the_hazard_was_found_not_today(api, world):
    old = JudgmentStandard.objects.create(
        code="OLD",
        title="旧标准",
        issuing_order="旧文号",
        sector="化工",
        effective_from=date(2010, 1, 1),
        effective_to=date(2017, 11, 13),
    )
    repealed = old.clauses.create(number="第一项", ordinal=1, text="已废止的情形。")
    found_in_2015 = factories.HazardFactory(
        enterprise=world.enterprise, found_by=world.worker, grade="major", source="ledger", found_at=timezone.now()
    )
    Hazard.objects.filter(pk=found_in_2015.pk).update(found_at=timezone.now().replace(year=2015))
    response = classify(api, world.officer, found_in_2015, grade="major", basis_clause=repealed.id)
    assert response.status_code == 200 and Hazard.objects.get(pk=found_in_2015.pk).basis_clause == repealed


def test_a_general_grade_may_drop_the_clause_and_keeps_an_old_free_text_basis(api, world):
    clause = chemical_clause()
    cited = factories.HazardFactory(
        enterprise=world.enterprise, found_by=world.worker, grade="major", basis_clause=clause, basis=clause.citation
    )
    legacy = factories.HazardFactory(enterprise=world.enterprise, found_by=world.worker, grade="major", basis="旧依据")
    assert classify(api, world.officer, cited, grade="general").status_code == 200
    assert classify(api, world.officer, legacy, grade="general").status_code == 200
    cited, legacy = Hazard.objects.get(pk=cited.pk), Hazard.objects.get(pk=legacy.pk)
    assert (cited.grade, cited.basis_clause, cited.basis) == ("general", None, "")
    assert (legacy.grade, legacy.basis_clause, legacy.basis) == ("general", None, "旧依据")


def test_only_safety_managers_classify_a_closed_hazard_is_a_409_another_tenant_a_404(api, world, from_inspection):
    clause = chemical_clause()
    body = {"grade": "major", "basis_clause": clause.id}
    assert classify(api, world.worker, from_inspection, **body).status_code == 403
    assert classify(api, world.regulator, from_inspection, **body).status_code == 403
    assert classify(api, world.outsider, from_inspection, **body).status_code == 404
    closed = factories.HazardFactory(
        enterprise=world.enterprise, found_by=world.worker, status="closed", closed_at=timezone.now()
    )
    assert_error(classify(api, world.officer, closed, **body), 409, "status", code="illegal_transition")
    assert not HazardEvent.objects.filter(action="classify").exists()


def test_a_major_hazard_without_a_clause_cannot_be_submitted_until_it_is_classified(api, world, from_inspection):
    rectifying = with_approved_plan(assign(from_inspection, by=world.officer, responsible=world.worker))
    photos = [upload_photo(api, world.worker)]
    response = api.as_(world.worker).post(hazard_url(rectifying, "submit"), {"note": "已整改", "photos": photos})
    body = assert_error(response, 409, "basis", code="basis_missing")
    assert "判定依据" in body["message"]
    assert Hazard.objects.get(pk=rectifying.pk).status == "rectifying"
    assert (
        classify(api, fresh(world.officer), rectifying, grade="major", basis_clause=chemical_clause().id).status_code
        == 200
    )
    photos = [upload_photo(api, world.worker)]
    response = api.as_(world.worker).post(hazard_url(rectifying, "submit"), {"note": "已整改", "photos": photos})
    assert response.status_code == 200 and response.data["status"] == "pending_acceptance"


def test_the_clause_is_asked_for_before_the_plan(api, world, from_inspection):
    rectifying = assign(from_inspection, by=world.officer, responsible=world.worker)
    assert not rectifying.plans.exists()
    photos = [upload_photo(api, world.worker)]
    response = api.as_(world.worker).post(hazard_url(rectifying, "submit"), {"note": "已整改", "photos": photos})
    assert_error(response, 409, "basis")


def test_the_enterprise_cannot_downgrade_a_hazard_the_regulator_supervises(api, world, from_inspection):
    """挂牌督办 makes the grade the regulator's: a general hazard needs no 五落实 plan and the regulator's
    check, so downgrading a supervised one would step around both (409, nothing changed)."""
    clause = chemical_clause("第十二项")
    assert classify(api, world.officer, from_inspection, grade="major", basis_clause=clause.id).status_code == 200
    deadline = (timezone.localdate() + timedelta(days=10)).isoformat()
    supervised = api.as_(world.regulator).post(hazard_url(from_inspection, "supervise"), {"deadline": deadline})
    assert supervised.status_code == 200, supervised.content
    before = snapshot(from_inspection)
    assert_error(classify(api, world.officer, from_inspection, grade="general"), 409, "grade")
    assert snapshot(from_inspection) == before
    other = chemical_clause("第十五项")  # another clause, still major: allowed, and in the history
    assert classify(api, world.officer, from_inspection, grade="major", basis_clause=other.id).status_code == 200


def test_a_hazard_made_major_while_waiting_for_acceptance_is_not_accepted_without_its_plan(api, world, pending):
    """The 五落实 gate is checked at submission; a general hazard graded major after it was submitted
    would be closed without a plan. Accepting it is refused until it has gone back and through the plan."""
    clause = chemical_clause("第十二项")
    assert classify(api, world.officer, pending, grade="major", basis_clause=clause.id).status_code == 200
    before = snapshot(pending)
    assert_error(api.as_(world.officer).post(hazard_url(pending, "accept"), {}, format="json"), 409, "plan")
    assert snapshot(pending) == before
    rejected = api.as_(world.officer).post(hazard_url(pending, "reject"), {"note": "重大隐患,先制定整改方案"})
    assert rejected.status_code == 200 and rejected.data["status"] == "rectifying"
