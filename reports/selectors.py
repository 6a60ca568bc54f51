"""Reads of the reports app: the day log a safety officer signs, the figures of a week or a month that
the weekly report and the monthly dispatch freeze, and who may read them.

Both computations follow checklists.selectors.checklists_due (a check is done when a record of its
period exists, late when only a late one does, missed when the period closed without one, due while it
is open), but for every post of the enterprise at once: a fixed number of queries whatever the number
of posts, templates or records.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cards.models import CardVersion, Drill, SpotCheck
from checklists.models import ChecklistTemplate, HazardGrade, Inspection, InspectionResult, Outcome, Tier
from checklists.periods import DAILY, Period, period_kind_for, period_of
from checklists.selectors import DueStatus
from core.errors import Forbidden
from hazards.models import Hazard
from orgs.models import SAFETY_MANAGER_ROLES, Enterprise, Person, Post
from orgs.selectors import get_visible, role_in, roles_of, scope_to
from reports.models import DailyReview, DispatchDecision, MonthlyDispatch, WeeklyReport

# Who reads reviews, reports and dispatches: the enterprise's safety managers, and regulators in scope.
READER_ROLES = SAFETY_MANAGER_ROLES


# ---------------------------------------------------------------------------------------------
# Tenancy


def enterprise_get_for(person: Person, enterprise_id) -> Enterprise:
    """An enterprise whose reports the person may read, or 404 (other tenants) / 403 (workers)."""
    enterprise = get_visible(person, Enterprise.objects.select_related("industry"), enterprise_id, via="")
    reader_required(person, enterprise.id)
    return enterprise


def reader_required(person: Person, enterprise_id: int) -> None:
    """Managers of the enterprise and regulators in scope read; a worker of the enterprise may not."""
    role = role_in(person, enterprise_id)
    if role is not None and role not in READER_ROLES and not person.is_superuser:
        raise Forbidden(_("您的角色无权查看检查台账。"))


def readable(person: Person, queryset: QuerySet) -> QuerySet:
    """`scope_to`, minus the enterprises where the person is only a worker."""
    not_readers = [pk for pk, role in roles_of(person).items() if role not in READER_ROLES]
    return scope_to(person, queryset).exclude(enterprise_id__in=not_readers)


def report_get_for(person: Person, queryset: QuerySet, pk):
    """One review, report or dispatch the person may read: 404 for other tenants, 403 for workers."""
    found = get_visible(person, queryset, pk)
    reader_required(person, found.enterprise_id)
    return found


# ---------------------------------------------------------------------------------------------
# Shared pieces


def local_day_period(day: date, tz: str) -> Period:
    return period_of(DAILY, datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)), tz)


def _checklist_pairs(enterprise: Enterprise) -> list[dict]:
    """Every (active template, post) pair of the enterprise, in a stable order. One query."""
    rows = (
        ChecklistTemplate.posts.through.objects.filter(
            checklisttemplate__enterprise_id=enterprise.id, checklisttemplate__active=True, post__enterprise=enterprise
        )
        .order_by("post_id", "checklisttemplate__tier", "checklisttemplate_id")
        .values_list(
            "checklisttemplate_id",
            "post_id",
            "checklisttemplate__tier",
            "checklisttemplate__name",
            "post__name",
            "checklisttemplate__created_at",
            "post__created_at",
        )
    )
    names = ("template", "post", "tier", "template_name", "post_name", "template_created", "post_created")
    return [dict(zip(names, row, strict=True)) for row in rows]


def _records(enterprise: Enterprise, template_ids, period_keys) -> dict[tuple[int, int, str], dict]:
    """The record that counts for each (template, post, period): an on-time one wins over a late one,
    as in checklists_due. One query."""
    found: dict[tuple[int, int, str], dict] = {}
    if not template_ids or not period_keys:
        return found
    rows = (
        Inspection.objects.filter(enterprise=enterprise, template_id__in=template_ids, period__in=period_keys)
        .order_by("received_at", "id")
        .values("id", "template_id", "post_id", "period", "late", "on_site", "failed_count")
    )
    for row in rows:
        key = (row["template_id"], row["post_id"], row["period"])
        previous = found.get(key)
        if previous is None or (previous["late"] and not row["late"]):
            found[key] = row
    return found


def _status(record: dict | None, period: Period, now: datetime) -> str:
    if record:
        return DueStatus.LATE if record["late"] else DueStatus.DONE
    return DueStatus.DUE if now < period.end else DueStatus.MISSED


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _iso(instant: datetime | None) -> str | None:
    return instant.astimezone(ZoneInfo("UTC")).isoformat().replace("+00:00", "Z") if instant else None


# ---------------------------------------------------------------------------------------------
# The day log


def day_log(*, enterprise: Enterprise, day: date, now: datetime | None = None) -> dict:
    """What happened on one local day of the enterprise: every check due in a period containing the day
    with its status, the records received that day, their failed items and the hazards opened that day.
    Five queries whatever the number of posts. `enterprise.industry` should be loaded."""
    now = now or timezone.now()
    tz = enterprise.timezone
    the_day = local_day_period(day, tz)
    pairs = _checklist_pairs(enterprise)
    periods: dict[str, Period] = {}
    for pair in pairs:
        kind = period_kind_for(pair["tier"], high_risk=enterprise.is_high_risk)
        if kind not in periods:
            periods[kind] = period_of(kind, the_day.start, tz)
        pair["period"] = periods[kind]
    recorded = _records(enterprise, {p["template"] for p in pairs}, {p.key for p in periods.values()})

    checks = []
    counts = defaultdict(int)
    for pair in pairs:
        period = pair["period"]
        record = recorded.get((pair["template"], pair["post"], period.key))
        status = _status(record, period, now)
        counts[status] += 1
        off_site = bool(record) and not record["on_site"]
        counts["off_site"] += off_site
        checks.append(
            {
                "post": pair["post"],
                "post_name": pair["post_name"],
                "template": pair["template"],
                "template_name": pair["template_name"],
                "tier": pair["tier"],
                "period": period.key,
                "status": status,
                "inspection": record["id"] if record else None,
                "off_site": off_site,
                "failed": record["failed_count"] if record else 0,
            }
        )

    window = Q(received_at__gte=the_day.start, received_at__lt=the_day.end)
    records = [
        {
            "id": inspection.id,
            "post": inspection.post_id,
            "post_name": inspection.post.name,
            "template_name": inspection.template.name,
            "tier": inspection.tier,
            "period": inspection.period,
            "received_at": _iso(inspection.received_at),
            "submitted_by": str(inspection.submitted_by),
            "late": inspection.late,
            "on_site": inspection.on_site,
            "ok": inspection.ok_count,
            "failed": inspection.failed_count,
            "na": inspection.na_count,
        }
        for inspection in Inspection.objects.filter(window, enterprise=enterprise)
        .select_related("post", "template", "submitted_by")
        .order_by("received_at", "id")
    ]
    failed_items = [
        {
            "inspection": row["inspection_id"],
            "post_name": row["inspection__post__name"],
            "item_label": row["item_label"],
            "value": row["value"],
            "note": row["note"],
            "hazard": row["hazard__id"],
        }
        for row in InspectionResult.objects.filter(
            outcome=Outcome.FAILED,
            inspection__enterprise=enterprise,
            inspection__received_at__gte=the_day.start,
            inspection__received_at__lt=the_day.end,
        )
        .order_by("inspection__received_at", "id")
        .values("inspection_id", "inspection__post__name", "item_label", "value", "note", "hazard__id")
    ]
    hazards = [
        {
            "id": row["id"],
            "grade": row["grade"],
            "description": row["description"],
            "source": row["source"],
            "status": row["status"],
            "post_name": row["post__name"],
            "found_at": _iso(row["found_at"]),
        }
        for row in Hazard.objects.filter(enterprise=enterprise, found_at__gte=the_day.start, found_at__lt=the_day.end)
        .order_by("found_at", "id")
        .values("id", "grade", "description", "source", "status", "post__name", "found_at")
    ]
    return {
        "enterprise": enterprise.id,
        "enterprise_name": enterprise.name,
        "date": day.isoformat(),
        "computed_at": _iso(now),
        "counts": {
            "checks": len(checks),
            "done": counts[DueStatus.DONE],
            "late": counts[DueStatus.LATE],
            "missed": counts[DueStatus.MISSED],
            "due": counts[DueStatus.DUE],
            "off_site": counts["off_site"],
            "records": len(records),
            "failed_items": len(failed_items),
            "hazards_opened": len(hazards),
            "major_hazards_opened": sum(h["grade"] == HazardGrade.MAJOR for h in hazards),
        },
        "checks": checks,
        "records": records,
        "failed_items": failed_items,
        "hazards": hazards,
    }


# ---------------------------------------------------------------------------------------------
# The figures of a week or a month


def _periods_starting_in(kind: str, outer: Period, tz: str) -> list[Period]:
    """The periods of `kind` that begin inside `outer`: each check period is counted in exactly one
    week and one month (a weekly sweep of the week spanning 31 July belongs to July's dispatch)."""
    found = []
    period = period_of(kind, outer.start, tz)
    if period.start < outer.start:
        period = period_of(kind, period.end, tz)
    while period.start < outer.end:
        found.append(period)
        period = period_of(kind, period.end, tz)
    return found


def period_figures(*, enterprise: Enterprise, period: Period, now: datetime | None = None) -> dict:
    """The figures of API.md's stats for one enterprise and one week or month, as the archive shows
    them at the end of the period (so they come out the same whenever they are computed):

    - checks per tier: expected (the check periods beginning inside `period`, for every active template
      and post that existed before the check period ended), done on time, late, missed, still open,
      off site, and the completion rate (done + late) / expected;
    - hazards: found (by grade), closed, found-and-closed within the period (rectification rate), open,
      open major and overdue at the period's end;
    - card coverage (posts with a published card), knowledge awareness (spot-checks finished in the
      period), drills done in the period;
    - per day: daily checks expected and recorded, hazards found (the dispatch's chart).

    Six queries whatever the number of posts, templates and records.
    """
    now = now or timezone.now()
    tz = enterprise.timezone
    pairs = _checklist_pairs(enterprise)
    by_kind: dict[str, list[Period]] = {}
    for pair in pairs:
        kind = period_kind_for(pair["tier"], high_risk=enterprise.is_high_risk)
        if kind not in by_kind:
            by_kind[kind] = _periods_starting_in(kind, period, tz)
        pair["periods"] = by_kind[kind]
    keys = {p.key for periods in by_kind.values() for p in periods}
    recorded = _records(enterprise, {p["template"] for p in pairs}, keys)

    tiers = {tier.value: defaultdict(int) for tier in Tier}
    days = {
        p.key: {"date": p.key, "expected": 0, "recorded": 0, "missed": 0, "hazards_found": 0}
        for p in (_periods_starting_in(DAILY, period, tz))
    }
    for pair in pairs:
        since = max(pair["template_created"], pair["post_created"])
        figures = tiers[pair["tier"]]
        for check_period in pair["periods"]:
            if check_period.end <= since:  # the template or the post did not exist yet
                continue
            record = recorded.get((pair["template"], pair["post"], check_period.key))
            status = _status(record, check_period, now)
            figures["expected"] += 1
            figures[status] += 1
            figures["off_site"] += bool(record) and not record["on_site"]
            if check_period.kind == DAILY and check_period.key in days:
                day = days[check_period.key]
                day["expected"] += 1
                day["recorded"] += record is not None
                day["missed"] += status == DueStatus.MISSED
    checks = {}
    total = defaultdict(int)
    for tier, figures in tiers.items():
        row = {
            "expected": figures["expected"],
            "done": figures[DueStatus.DONE],
            "late": figures[DueStatus.LATE],
            "missed": figures[DueStatus.MISSED],
            "open": figures[DueStatus.DUE],
            "off_site": figures["off_site"],
        }
        row["completion_rate"] = _rate(row["done"] + row["late"], row["expected"])
        checks[tier] = row
        for name, value in row.items():
            if name != "completion_rate":
                total[name] += value
    checks["total"] = {**total, "completion_rate": _rate(total["done"] + total["late"], total["expected"])}

    hazards = _hazard_figures(enterprise, period, days)
    posts = Post.objects.filter(enterprise=enterprise, created_at__lt=period.end).annotate(
        published=Exists(CardVersion.objects.filter(card__post=OuterRef("pk"), published_at__lt=period.end))
    )
    card_rows = list(posts.values_list("published", flat=True))
    knowledge = SpotCheck.objects.filter(
        enterprise=enterprise, finished_at__gte=period.start, finished_at__lt=period.end
    ).aggregate(n=Count("id"), questions=Sum("question_count"), correct=Sum("correct_count"))
    last_day = (period.end - timedelta(microseconds=1)).astimezone(ZoneInfo(tz)).date()
    first_day = period.start.astimezone(ZoneInfo(tz)).date()
    drills = Drill.objects.filter(enterprise=enterprise, done_on__gte=first_day, done_on__lte=last_day).count()
    return {
        "period": {"kind": period.kind, "key": period.key, "start": first_day.isoformat(), "end": last_day.isoformat()},
        "computed_at": _iso(now),
        "checks": checks,
        "hazards": hazards,
        "cards": {
            "posts": len(card_rows),
            "with_card": sum(card_rows),
            "coverage_rate": _rate(sum(card_rows), len(card_rows)),
        },
        "knowledge": {
            "spot_checks": knowledge["n"],
            "questions": knowledge["questions"] or 0,
            "correct": knowledge["correct"] or 0,
            "awareness_rate": _rate(knowledge["correct"] or 0, knowledge["questions"] or 0),
        },
        "drills": {"done": drills},
        "days": list(days.values()),
    }


def _hazard_figures(enterprise: Enterprise, period: Period, days: dict[str, dict]) -> dict:
    """One query: every hazard found before the period ended and not closed before it began."""
    rows = Hazard.objects.filter(enterprise=enterprise, found_at__lt=period.end).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=period.start)
    )
    tz = ZoneInfo(enterprise.timezone)
    end = period.end
    out = defaultdict(int)
    for found_at, closed_at, grade, deadline in rows.values_list("found_at", "closed_at", "grade", "deadline"):
        found_here = found_at >= period.start
        closed_by_end = closed_at is not None and closed_at < end
        major = grade == HazardGrade.MAJOR
        if found_here:
            out["found"] += 1
            out["found_major"] += major
            out["found_general"] += not major
            out["found_closed"] += closed_by_end
            day = days.get(found_at.astimezone(tz).date().isoformat())
            if day:
                day["hazards_found"] += 1
        if closed_by_end:
            out["closed"] += 1
        else:  # still open when the period ended
            out["open"] += 1
            out["open_major"] += major
            out["overdue"] += deadline is not None and deadline < end
    return {
        "found": out["found"],
        "found_general": out["found_general"],
        "found_major": out["found_major"],
        "closed": out["closed"],
        "found_closed": out["found_closed"],
        "rectification_rate": _rate(out["found_closed"], out["found"]),
        "open": out["open"],
        "open_major": out["open_major"],
        "overdue": out["overdue"],
    }


def day_log_answer(*, enterprise: Enterprise, day: date) -> dict:
    """The frozen log of a signed day with its signature, or the live log of an unsigned one."""
    review = daily_reviews_queryset().filter(enterprise=enterprise, date=day).first()
    if review:
        return {**review.log, "review": review}
    return {**day_log(enterprise=enterprise, day=day), "review": None}


def daily_reviews_queryset() -> QuerySet[DailyReview]:
    return DailyReview.objects.select_related("enterprise", "signed_by")


def weekly_reports_queryset() -> QuerySet[WeeklyReport]:
    return WeeklyReport.objects.select_related(
        "enterprise", "generated_by", "director_signed_by", "principal_signed_by"
    )


def dispatches_queryset() -> QuerySet[MonthlyDispatch]:
    decisions = Prefetch("decisions", queryset=DispatchDecision.objects.select_related("owner"))
    return MonthlyDispatch.objects.select_related("enterprise", "generated_by", "principal_signed_by").prefetch_related(
        decisions
    )
