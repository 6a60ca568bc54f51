"""The demo's two months of history (issue 14): built through the services, so that a fresh `make run`
shows real figures on every supervisor page; built once (a second run changes nothing)."""

import time
from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from cards.models import Drill, SpotCheck
from checklists.models import ChecklistTemplate, Inspection
from hazards.models import Hazard, HazardStatus
from orgs.models import Certificate, Enterprise, Person, Post
from qr.demo_history import history_start
from reports.models import DailyReview, MonthlyDispatch, WeeklyReport
from tests.demo.test_seed_demo import snapshot

BEIJING = ZoneInfo("Asia/Shanghai")
TODAY = date(2024, 7, 17)  # a Wednesday; the history runs from 1 May to 16 July


@pytest.fixture(scope="module")
def clock():
    with time_machine.travel(datetime(2024, 7, 17, 10, tzinfo=BEIJING), tick=False):
        yield


@pytest.fixture
def history(db, settings, clock):
    settings.DEBUG = True
    out = StringIO()
    began = time.monotonic()
    call_command("seed_demo", stdout=out)
    return out.getvalue(), time.monotonic() - began


def test_the_history_starts_on_the_first_of_the_month_two_months_back():
    assert history_start(date(2024, 7, 17)) == date(2024, 5, 1)
    assert history_start(date(2024, 2, 1)) == date(2023, 12, 1)
    assert history_start(date(2024, 1, 31)) == date(2023, 11, 1)


def test_last_months_figures_are_there_and_sane_and_a_second_run_changes_nothing(history):
    output, seconds = history
    assert "history              2 created" in output
    print(f"seed_demo with history: {seconds:.1f} s")  # noqa: T201 - the figure the README quotes
    chem = Enterprise.objects.get(industry__code="C26")
    machine = Enterprise.objects.get(industry__code="C34")

    # Posts and templates were there before the first check.
    first = Inspection.objects.order_by("started_at").first()
    assert first.started_at.astimezone(BEIJING).date() == date(2024, 5, 1)
    assert not Post.objects.filter(created_at__gte=first.started_at).exists()
    assert not Inspection.objects.filter(started_at__date__gte=TODAY).exists()  # today's check is the worker's

    for enterprise in (chem, machine):
        june = MonthlyDispatch.objects.get(enterprise=enterprise, month="2024-06")
        assert june.principal_signed_at is not None and june.decisions.count() == 2
        daily = june.figures["checks"]["daily"]
        # 30 days in June; counted back from 16 July (1): misses on days 19, 29, 38, late on 24, 36; on
        # every daily checklist of every post (the register's generated ones too).
        pairs = sum(
            t.posts.count() for t in ChecklistTemplate.objects.filter(enterprise=enterprise, tier="daily", active=True)
        )
        assert pairs >= 1
        figures = (daily["expected"], daily["done"], daily["late"], daily["missed"])
        assert figures == (30 * pairs, 25 * pairs, 2 * pairs, 3 * pairs)
        hazards = june.figures["hazards"]
        assert hazards["found"] == 6 and 0 < hazards["closed"] <= hazards["found"]
        assert june.figures["cards"]["coverage_rate"] == 1.0
        assert june.figures["knowledge"]["awareness_rate"] == 0.8
        assert MonthlyDispatch.objects.filter(enterprise=enterprise, month="2024-05").get().principal_signed_at
        assert not MonthlyDispatch.objects.filter(enterprise=enterprise, month="2024-07").exists()

        reviews = DailyReview.objects.filter(enterprise=enterprise)
        assert reviews.count() == (TODAY - date(2024, 5, 1)).days - 2  # the last two days await the officer
        weeks = WeeklyReport.objects.filter(enterprise=enterprise).order_by("week")
        assert weeks.first().week == "2024-W19" and weeks.last().week == "2024-W28"
        assert all(w.principal_signed_at for w in weeks[: len(weeks) - 1])
        assert weeks.last().director_signed_at and not weeks.last().principal_signed_at

        statuses = set(Hazard.objects.filter(enterprise=enterprise).values_list("status", flat=True))
        # Every state of the enterprise's own workflow; pending_verification (a supervised major hazard
        # waiting for the regulator, issue 16) in the chemical enterprise only.
        waits = {HazardStatus.PENDING_VERIFICATION} if enterprise == chem else set()
        assert statuses == set(HazardStatus.values) - {HazardStatus.PENDING_VERIFICATION} | waits
        now = datetime(2024, 7, 17, 10, tzinfo=BEIJING)
        assert Hazard.objects.filter(enterprise=enterprise, status=HazardStatus.RECTIFYING, deadline__lt=now).exists()
        assert Hazard.objects.filter(enterprise=enterprise, events__action="reject").exists()
        assert (
            SpotCheck.objects.filter(enterprise=enterprise, finished_at__isnull=False).count() == 5
        )  # 10 and 20 May, June; 10 July

    # 挂牌督办: one major hazard of the chemical enterprise citing its clause, with an approved plan
    # (五落实), supervised by the demo regulator, accepted by the director: it waits for the regulator.
    regulator = Person.objects.get(username="regulator")
    supervised = Hazard.objects.get(supervision__isnull=False)
    assert supervised.enterprise == chem and supervised.grade == "major"
    assert supervised.status == HazardStatus.PENDING_VERIFICATION
    assert (supervised.basis_clause.standard.code, supervised.basis_clause.number) == ("AJZGS-2017-121", "第十五项")
    assert supervised.basis == supervised.basis_clause.citation
    plan = supervised.plans.get()
    assert plan.approved_by.username == "principal" and plan.missing_parts() == []
    assert supervised.supervision.regulator == regulator and supervised.supervision.deadline > TODAY
    assert supervised.supervision.verified_at is None
    actions = list(supervised.events.order_by("at", "id").values_list("action", flat=True))
    assert actions == ["report", "plan", "plan_approve", "assign", "supervise", "progress", "submit", "accept"]
    assert supervised.found_at.astimezone(BEIJING).date() == TODAY - timedelta(days=12)
    assert supervised.notifications.filter(recipient=regulator, kind="supervised_hazard_accepted").exists()
    region = Client()
    region.force_login(regulator)
    html = region.get("/m/region/").content.decode()
    section = html[html.index('id="supervised"') : html.index('id="major-by-clause"')]
    assert supervised.description in section and "待核查销号" in section and chem.name in section

    reading = Hazard.objects.get(enterprise=chem, description__startswith="反应釜压力")
    assert reading.description.startswith("反应釜压力 0.34MPa(正常范围 ≤ 0.3MPa)")
    assert Drill.objects.get(enterprise=chem).done_on == date(2024, 6, 10)
    assert Drill.objects.get(enterprise=machine).done_on is None
    expiring = Certificate.objects.get(person__username="worker")
    assert TODAY < expiring.expires_on <= TODAY + timedelta(days=30)
    assert all(i.on_site and not i.flagged for i in Inspection.objects.all())

    # The regulator's statistics for June: both enterprises with real figures.
    api = APIClient()
    api.force_authenticate(Person.objects.get(username="regulator"))
    body = api.get("/api/v1/stats/", {"month": "2024-06"}).json()
    assert body["total"]["enterprises"] == 2
    all_pairs = sum(t.posts.count() for t in ChecklistTemplate.objects.filter(tier="daily", active=True))
    assert body["total"]["checks"]["daily"]["due"] == 30 * all_pairs  # the same figure as the dispatches
    assert 0.8 < body["total"]["check_completion"] < 1

    before = snapshot()
    again = StringIO()
    call_command("seed_demo", stdout=again)
    assert snapshot() == before
    assert "history              2 kept" in again.getvalue()
