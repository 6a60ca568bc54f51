"""The figures of a week or a month that the weekly report and the monthly dispatch freeze."""

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from cards.models import SpotCheck
from cards.selectors import awareness_by_enterprise, card_coverage_by_enterprise, drill_figures
from checklists.expected import expected_slots
from checklists.models import Tier
from checklists.periods import DAILY, Period, period_days, periods_starting_in
from checklists.slots import SlotStatus
from hazards.models import Hazard
from orgs.models import Enterprise, Post
from orgs.selectors import certificate_gaps_by_enterprise
from reports.selectors.checks import CheckCounts, counted_records, slot_of
from reports.selectors.day_log import iso_utc
from reports.selectors.hazards import HAZARD_FIGURES, hazard_aggregates
from reports.selectors.rates import awareness_rate, card_coverage, certified_rate, rectification_rate


def period_figures(*, enterprise: Enterprise, period: Period, now: datetime | None = None) -> dict:
    """The figures of one enterprise and one week or month, as they were at its end (README, Figures):

    - checks per tier: expected (checklists.expected: the check periods beginning inside `period` and
      begun by now, for every template and post in force during them), done on time, late (补录),
      missed, still open, off site, the completion and on-time rates;
    - hazards (reports.selectors.hazards) with the rectification rate;
    - card coverage, knowledge awareness, certificates (持证上岗), drills (cards.selectors.drill_figures);
    - per day: daily checks expected, recorded and missed, hazards found (the dispatch's chart).

    A fixed number of queries whatever the number of posts, templates and records.
    """
    now = now or timezone.now()
    slots = expected_slots(
        enterprise, window=period, periods_for=lambda kind: periods_starting_in(kind, period), now=now
    )
    recorded = counted_records(enterprise, slots)

    tiers = {tier.value: CheckCounts() for tier in Tier}
    days = {
        p.key: {"date": p.key, "expected": 0, "recorded": 0, "missed": 0, "hazards_found": 0}
        for p in periods_starting_in(DAILY, period)
    }
    for slot in slots:
        status, record = slot_of(slot, recorded, now)
        tiers[slot.tier].count(status, record)
        if slot.period.kind == DAILY and slot.period.key in days:
            day = days[slot.period.key]
            day["expected"] += 1
            day["recorded"] += record is not None
            day["missed"] += status == SlotStatus.MISSED
    total = CheckCounts()
    for counts in tiers.values():
        total.add(counts)
    checks = {tier: counts.as_dict() for tier, counts in tiers.items()}
    checks["total"] = total.as_dict()

    as_at = min(period.end, now)
    window = lambda make: make(period.start, as_at)  # noqa: E731
    one = Q(enterprise=enterprise)
    hazards = Hazard.objects.filter(one).aggregate(**hazard_aggregates(window))
    tz = period.start.tzinfo
    for found_at in Hazard.objects.filter(one, found_at__gte=period.start, found_at__lt=as_at).values_list(
        "found_at", flat=True
    ):
        day = days.get(found_at.astimezone(tz).date().isoformat())
        if day:
            day["hazards_found"] += 1
    cards = next(iter(card_coverage_by_enterprise(Post.objects.filter(one), window)), {"posts": 0, "with_card": 0})
    knowledge = next(iter(awareness_by_enterprise(SpotCheck.objects.filter(one), window)), {})
    first_day, last_day = period_days(period)
    on = min(last_day, as_at.astimezone(tz).date())
    drills = drill_figures({enterprise.id: enterprise.is_high_risk}, on=on, month=(first_day, last_day))[enterprise.id]
    gaps = certificate_gaps_by_enterprise(Enterprise.objects.filter(pk=enterprise.pk), on=on).values(
        "certificates_required", "certificates_missing"
    )[0]
    questions, correct = knowledge.get("questions") or 0, knowledge.get("correct") or 0
    return {
        "period": {"kind": period.kind, "key": period.key, "start": first_day.isoformat(), "end": last_day.isoformat()},
        "computed_at": iso_utc(now),
        "checks": checks,
        "hazards": {
            **{name: hazards[name] for name in HAZARD_FIGURES},
            "rectification_rate": rectification_rate(found_closed=hazards["found_closed"], found=hazards["found"]),
        },
        "cards": {
            "posts": cards["posts"],
            "with_card": cards["with_card"],
            "coverage_rate": card_coverage(with_card=cards["with_card"], posts=cards["posts"]),
        },
        "knowledge": {
            "spot_checks": knowledge.get("spot_checks", 0),
            "questions": questions,
            "correct": correct,
            "awareness_rate": awareness_rate(correct=correct, questions=questions),
        },
        "certificates": {
            "required": gaps["certificates_required"],
            "missing": gaps["certificates_missing"],
            "certified_rate": certified_rate(
                required=gaps["certificates_required"], missing=gaps["certificates_missing"]
            ),
        },
        "drills": {
            "done": drills.month_done,
            "late": drills.month_late,
            "status": drills.status,
            "overdue": drills.overdue,
            "last_done_on": drills.last_done_on.isoformat() if drills.last_done_on else None,
        },
        "days": list(days.values()),
    }
