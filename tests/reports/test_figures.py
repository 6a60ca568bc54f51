"""The day log and the figures of a week or a month, checked against the archive built in conftest."""

from datetime import date

import pytest
import time_machine

from cards.models import Drill
from checklists.periods import period_of
from orgs.models import Enterprise
from reports.selectors import day_log, period_figures
from tests import factories
from tests.reports.conftest import beijing, check, more_posts


def enterprise_of(world) -> Enterprise:
    return Enterprise.objects.select_related("industry").get(pk=world.enterprise.pk)


def week27(world):
    return period_of("weekly", beijing(2024, 7, 3, 12, 0), world.enterprise.timezone)


def july(world):
    return period_of("monthly", beijing(2024, 7, 3, 12, 0), world.enterprise.timezone)


def test_the_day_log_lists_every_check_with_its_status_records_failed_items_and_hazards(world, archive):
    log = day_log(enterprise=enterprise_of(world), day=date(2024, 7, 3))
    statuses = {(c["post"], c["tier"]): (c["status"], c["period"], c["failed"]) for c in log["checks"]}
    assert statuses == {
        (archive.post_a.id, "daily"): ("done", "2024-07-03", 1),
        (archive.post_b.id, "daily"): ("done", "2024-07-03", 2),
        (archive.post_a.id, "weekly"): ("done", "2024-W27", 0),
    }
    # Records received that day: the two checks of the 3rd and the late one of the 2nd (sent at 09:00).
    assert sorted((r["period"], r["late"]) for r in log["records"]) == [
        ("2024-07-02", True),
        ("2024-07-03", False),
        ("2024-07-03", False),
    ]
    assert sorted(i["item_label"] for i in log["failed_items"]) == ["安全出口畅通", "阀门无泄漏", "阀门无泄漏"]
    assert all(i["hazard"] for i in log["failed_items"])
    assert sorted(h["grade"] for h in log["hazards"]) == ["general", "general", "major"]
    assert log["counts"] == {
        "checks": 3,
        "done": 3,
        "late": 0,
        "missed": 0,
        "due": 0,
        "off_site": 0,
        "records": 3,
        "flagged": 0,
        "needs_look": 0,
        "failed_items": 3,
        "hazards_opened": 3,
        "major_hazards_opened": 1,
    }
    assert log["enterprise_name"] == world.enterprise.name and log["date"] == "2024-07-03"


def test_the_day_log_shows_late_missing_and_off_site_checks(world, archive):
    enterprise = enterprise_of(world)
    first = day_log(enterprise=enterprise, day=date(2024, 7, 1))
    assert first["counts"]["off_site"] == 1 and first["counts"]["done"] == 3  # the weekly sweep is done too
    second = {
        c["post"]: c["status"]
        for c in day_log(enterprise=enterprise, day=date(2024, 7, 2))["checks"]
        if c["tier"] == "daily"
    }
    assert second == {archive.post_a.id: "late", archive.post_b.id: "missed"}


def test_a_check_of_a_day_still_open_is_due_not_missing(world, archive):
    with time_machine.travel(beijing(2024, 7, 4, 10, 0), tick=False):
        log = day_log(enterprise=enterprise_of(world), day=date(2024, 7, 4))
    assert {c["status"] for c in log["checks"] if c["tier"] == "daily"} == {"due"}
    assert log["counts"]["due"] == 2 and log["counts"]["missed"] == 0


def test_the_week_figures_equal_the_archive(world, archive):
    figures = period_figures(enterprise=enterprise_of(world), period=week27(world))
    assert figures["period"] == {"kind": "weekly", "key": "2024-W27", "start": "2024-07-01", "end": "2024-07-07"}
    assert figures["checks"]["daily"] == {
        "expected": 14,
        "done": 4,
        "late": 1,
        "missed": 9,
        "open": 0,
        "off_site": 1,
        "completion_rate": round(5 / 14, 4),
        "on_time_rate": round(4 / 14, 4),
    }
    assert figures["checks"]["weekly"] == {
        "expected": 1,
        "done": 1,
        "late": 0,
        "missed": 0,
        "open": 0,
        "off_site": 0,
        "completion_rate": 1.0,
        "on_time_rate": 1.0,
    }
    assert figures["checks"]["monthly"]["expected"] == 0  # the high-risk quarterly runs monthly; none here
    assert figures["checks"]["total"]["expected"] == 15 and figures["checks"]["total"]["done"] == 5
    assert figures["hazards"] == {
        "found": 3,
        "found_general": 2,
        "found_major": 1,
        "closed": 1,
        "found_closed": 1,
        "rectification_rate": round(1 / 3, 4),
        "open": 2,
        "open_major": 1,
        "overdue": 1,
    }
    assert figures["cards"] == {"posts": 2, "with_card": 1, "coverage_rate": 0.5}
    assert figures["knowledge"] == {"spot_checks": 1, "questions": 5, "correct": 4, "awareness_rate": 0.8}
    assert figures["drills"] == {"done": 1, "late": 0, "status": "done", "overdue": 0, "last_done_on": "2024-07-04"}
    days = {d["date"]: d for d in figures["days"]}
    assert list(days) == [f"2024-07-0{n}" for n in range(1, 8)]
    assert days["2024-07-01"] == {"date": "2024-07-01", "expected": 2, "recorded": 2, "missed": 0, "hazards_found": 0}
    assert days["2024-07-02"]["recorded"] == 1 and days["2024-07-02"]["missed"] == 1
    assert days["2024-07-03"]["hazards_found"] == 3
    assert days["2024-07-07"]["missed"] == 2


def test_the_month_figures_count_every_check_period_beginning_in_the_month(world, archive):
    figures = period_figures(enterprise=enterprise_of(world), period=july(world))
    assert figures["period"]["end"] == "2024-07-31" and len(figures["days"]) == 31
    daily = figures["checks"]["daily"]
    assert (daily["expected"], daily["done"], daily["late"], daily["missed"]) == (62, 4, 1, 57)
    # Weeks beginning in July: 1, 8, 15, 22 and 29 July (W31 runs into August but counts in July).
    weekly = figures["checks"]["weekly"]
    assert (weekly["expected"], weekly["done"], weekly["missed"]) == (5, 1, 4)
    assert figures["hazards"]["found"] == 4  # the one of 8 July too
    assert figures["hazards"]["open"] == 3


def test_figures_are_as_at_the_end_of_the_period_whenever_they_are_computed(world, archive):
    enterprise = enterprise_of(world)
    with time_machine.travel(beijing(2024, 7, 8, 8, 5), tick=False):
        early = period_figures(enterprise=enterprise, period=week27(world))
    # A record of a later week and the closing of a hazard after the week change nothing of week 27.
    check(archive, archive.post_b, at=beijing(2024, 7, 9, 9, 0))
    later = period_figures(enterprise=enterprise, period=week27(world))
    early.pop("computed_at"), later.pop("computed_at")
    assert early == later


def test_a_post_or_template_added_mid_period_is_expected_only_from_then(world, archive):
    from checklists.models import TemplateAssignment

    # The history says the template applied to its posts from noon on 5 July (checklists.expected).
    TemplateAssignment.objects.filter(template=archive.daily).update(valid_from=beijing(2024, 7, 5, 12, 0))
    figures = period_figures(enterprise=enterprise_of(world), period=week27(world))
    assert figures["checks"]["daily"]["expected"] == 6  # 5, 6 and 7 July for two posts


@pytest.mark.parametrize("extra", [0, 12])
def test_the_log_and_the_figures_take_a_fixed_number_of_queries(world, archive, extra, django_assert_max_num_queries):
    more_posts(world, archive, extra)
    enterprise = enterprise_of(world)
    with django_assert_max_num_queries(6):  # with the time zone in force that day
        log = day_log(enterprise=enterprise, day=date(2024, 7, 3))
    assert log["counts"]["records"] == 3 + extra
    with django_assert_max_num_queries(8):  # with the certificates (持证上岗) since issue 13
        figures = period_figures(enterprise=enterprise, period=july(world))
    assert figures["checks"]["daily"]["expected"] == 31 * (2 + extra)


def test_more_records_of_checks_already_recorded_change_no_figure(world, archive):
    # Counted on each slot's first record (Inspection.first_of_slot): copies, late duplicates and an
    # off-site second record leave done, late, off-site and the days as they were.
    enterprise = enterprise_of(world)
    before = [period_figures(enterprise=enterprise, period=p)["checks"] for p in (week27(world), july(world))]
    days_before = period_figures(enterprise=enterprise, period=july(world))["days"]
    check(archive, archive.post_a, at=beijing(2024, 7, 1, 10, 0), on_site=False)  # a second, off-site copy
    check(archive, archive.post_b, at=beijing(2024, 7, 1, 11, 0))  # the off-site check again, on site
    check(archive, archive.post_a, at=beijing(2024, 7, 2, 21, 0), sent=beijing(2024, 7, 4, 9, 0))  # late again
    check(archive, archive.post_a, at=beijing(2024, 7, 3, 23, 0), sent=beijing(2024, 7, 5, 9, 0))  # a late copy
    after = [period_figures(enterprise=enterprise, period=p)["checks"] for p in (week27(world), july(world))]
    assert after == before
    assert period_figures(enterprise=enterprise, period=july(world))["days"] == days_before
    assert day_log(enterprise=enterprise, day=date(2024, 7, 2))["counts"]["late"] == 1


def test_the_month_figures_show_a_missed_drill_plan_as_overdue(world, archive):
    # High-risk industry: the obligation is half-yearly, so July falls in July to December.
    Drill.objects.filter(enterprise=world.enterprise).delete()  # the archive's drill of 4 July
    factories.DrillFactory(enterprise=world.enterprise, planned_on=date(2024, 7, 10))
    drills = period_figures(enterprise=enterprise_of(world), period=july(world))["drills"]
    assert drills == {"done": 0, "late": 0, "status": "overdue", "overdue": 1, "last_done_on": None}
    factories.DrillFactory(enterprise=world.enterprise, done_on=date(2024, 7, 20))
    drills = period_figures(enterprise=enterprise_of(world), period=july(world))["drills"]
    assert (drills["done"], drills["status"], drills["last_done_on"]) == (1, "done", "2024-07-20")
