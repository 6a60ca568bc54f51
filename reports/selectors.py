"""Reads of the reports app: the day log a safety officer signs, the figures of a week or a month that
the weekly report and the monthly dispatch freeze, and who may read them.

Both computations follow checklists.selectors.checklists_due (a check is done when a record of its
period exists, late when only a late one does, missed when the period closed without one, due while it
is open), but for every post of the enterprise at once: a fixed number of queries whatever the number
of posts, templates or records.
"""

from calendar import monthrange
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cards.models import CardVersion, Drill, SpotCheck
from cards.selectors import drills_due_status
from checklists.flags import labelled
from checklists.models import (
    ArchiveHead,
    ChecklistTemplate,
    FlagReview,
    HazardGrade,
    Inspection,
    InspectionResult,
    Outcome,
    Tier,
)
from checklists.periods import DAILY, MONTHLY, Period, period_kind_for, period_of
from checklists.selectors import DueStatus
from checklists.tallies import month_tallies
from core.errors import ApplicationError, Forbidden, NotFound
from hazards.models import Hazard, HazardStatus
from orgs.models import SAFETY_MANAGER_ROLES, Enterprise, Industry, Person, Post, Region
from orgs.selectors import (
    certificate_gaps_by_enterprise,
    get_visible,
    member_only_enterprises,
    regulated_enterprises,
    role_required,
    roles_of,
    scope_to,
)
from reports.models import DailyReview, DispatchDecision, MonthlyDispatch, WeeklyReport
from risks.selectors import RiskFigures, risk_figures

# Who reads reviews, reports and dispatches: the enterprise's safety managers, and regulators in scope.
REPORT_READER_ROLES = SAFETY_MANAGER_ROLES


# ---------------------------------------------------------------------------------------------
# Tenancy


def report_enterprise_get_for(person: Person, enterprise_id) -> Enterprise:
    """An enterprise whose reports the person may read, or 404 (other tenants) / 403 (workers)."""
    enterprise = get_visible(person, Enterprise.objects.select_related("industry"), enterprise_id, via="")
    report_reader_required(person, enterprise.id)
    return enterprise


def report_reader_required(person: Person, enterprise_id: int) -> None:
    """Managers of the enterprise and regulators in scope read; a worker of the enterprise may not
    (unless a regulator in scope too: a membership never lowers a regulator's reach)."""
    if enterprise_id in member_only_enterprises(person, REPORT_READER_ROLES):
        raise Forbidden(_("您的角色无权查看检查台账。"))


def reports_readable(person: Person, queryset: QuerySet) -> QuerySet:
    """`scope_to`, minus the enterprises where the person is only a worker."""
    readable = scope_to(person, queryset)
    return readable.exclude(enterprise_id__in=member_only_enterprises(person, REPORT_READER_ROLES))


def report_get_for(person: Person, queryset: QuerySet, pk):
    """One review, report or dispatch the person may read: 404 for other tenants, 403 for workers."""
    found = get_visible(person, queryset, pk)
    report_reader_required(person, found.enterprise_id)
    return found


# ---------------------------------------------------------------------------------------------
# Shared pieces


def local_day_period(day: date, tz: str) -> Period:
    return period_of(DAILY, datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)), tz)


def _report_checklist_pairs(enterprise: Enterprise) -> list[dict]:
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


def _counted_records(enterprise: Enterprise, template_ids, period_keys) -> dict[tuple[int, int, str], dict]:
    """The record that counts for each (template, post, period): the first of its slot, which is on
    time when any record of the slot is (records are stored in the order received), as in
    checklists_due. One query, one row per slot."""
    if not template_ids or not period_keys:
        return {}
    rows = Inspection.objects.filter(
        enterprise=enterprise, template_id__in=template_ids, period__in=period_keys, first_of_slot=True
    ).values("id", "template_id", "post_id", "period", "late", "on_site", "failed_count")
    return {(row["template_id"], row["post_id"], row["period"]): row for row in rows}


def _check_status(record: dict | None, period: Period, now: datetime) -> str:
    if record:
        return DueStatus.LATE if record["late"] else DueStatus.DONE
    return DueStatus.DUE if now < period.end else DueStatus.MISSED


def _report_rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _report_iso(instant: datetime | None) -> str | None:
    return instant.astimezone(ZoneInfo("UTC")).isoformat().replace("+00:00", "Z") if instant else None


# ---------------------------------------------------------------------------------------------
# The day log


def day_log(*, enterprise: Enterprise, day: date, now: datetime | None = None) -> dict:
    """What happened on one local day of the enterprise: every check due in a period containing the day
    with its status, the records received that day, their failed items and the hazards opened that day.
    The flagged records of the day that no manager has looked at yet (needs_look, 待核查) come with the
    records. Five queries whatever the number of posts. `enterprise.industry` should be loaded."""
    now = now or timezone.now()
    tz = enterprise.timezone
    the_day = local_day_period(day, tz)
    pairs = _report_checklist_pairs(enterprise)
    periods: dict[str, Period] = {}
    for pair in pairs:
        kind = period_kind_for(pair["tier"], high_risk=enterprise.is_high_risk)
        if kind not in periods:
            periods[kind] = period_of(kind, the_day.start, tz)
        pair["period"] = periods[kind]
    recorded = _counted_records(enterprise, {p["template"] for p in pairs}, {p.key for p in periods.values()})

    checks = []
    counts = defaultdict(int)
    for pair in pairs:
        period = pair["period"]
        record = recorded.get((pair["template"], pair["post"], period.key))
        status = _check_status(record, period, now)
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
    # Flagged records without a manager's look (待核查) ride on the records' query.
    reviewed = Exists(FlagReview.objects.filter(inspection=OuterRef("pk")))
    day_records = list(
        Inspection.objects.filter(window, enterprise=enterprise)
        .select_related("post", "template", "submitted_by")
        .annotate(reviewed=reviewed)
        .order_by("received_at", "id")
    )
    needs_look = [
        {
            "inspection": inspection.id,
            "post_name": inspection.post.name,
            "template_name": inspection.template.name,
            "submitted_by": str(inspection.submitted_by),
            "received_at": _report_iso(inspection.received_at),
            "on_site": inspection.on_site,
            "flags": labelled(inspection.flags),
        }
        for inspection in day_records
        if inspection.flagged and not inspection.reviewed
    ]
    records = [
        {
            "id": inspection.id,
            "post": inspection.post_id,
            "post_name": inspection.post.name,
            "template_name": inspection.template.name,
            "tier": inspection.tier,
            "period": inspection.period,
            "received_at": _report_iso(inspection.received_at),
            "submitted_by": str(inspection.submitted_by),
            "late": inspection.late,
            "on_site": inspection.on_site,
            "ok": inspection.ok_count,
            "failed": inspection.failed_count,
            "na": inspection.na_count,
            "flagged": inspection.flagged,
        }
        for inspection in day_records
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
            "found_at": _report_iso(row["found_at"]),
        }
        for row in Hazard.objects.filter(enterprise=enterprise, found_at__gte=the_day.start, found_at__lt=the_day.end)
        .order_by("found_at", "id")
        .values("id", "grade", "description", "source", "status", "post__name", "found_at")
    ]
    return {
        "enterprise": enterprise.id,
        "enterprise_name": enterprise.name,
        "date": day.isoformat(),
        "computed_at": _report_iso(now),
        "counts": {
            "checks": len(checks),
            "done": counts[DueStatus.DONE],
            "late": counts[DueStatus.LATE],
            "missed": counts[DueStatus.MISSED],
            "due": counts[DueStatus.DUE],
            "off_site": counts["off_site"],
            "records": len(records),
            "flagged": sum(r["flagged"] for r in records),
            "needs_look": len(needs_look),
            "failed_items": len(failed_items),
            "hazards_opened": len(hazards),
            "major_hazards_opened": sum(h["grade"] == HazardGrade.MAJOR for h in hazards),
        },
        "checks": checks,
        "records": records,
        "needs_look": needs_look,
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
    """The figures of API.md's stats for one enterprise and one week or month. Hazards, cards, knowledge
    and drills are as at the end of the period (a later closing changes nothing); checks count every
    record received so far, those sent after their period closed as late:

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
    pairs = _report_checklist_pairs(enterprise)
    by_kind: dict[str, list[Period]] = {}
    for pair in pairs:
        kind = period_kind_for(pair["tier"], high_risk=enterprise.is_high_risk)
        if kind not in by_kind:
            by_kind[kind] = _periods_starting_in(kind, period, tz)
        pair["periods"] = by_kind[kind]
    keys = {p.key for periods in by_kind.values() for p in periods}
    recorded = _counted_records(enterprise, {p["template"] for p in pairs}, keys)

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
            status = _check_status(record, check_period, now)
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
        row["completion_rate"] = _report_rate(row["done"] + row["late"], row["expected"])
        checks[tier] = row
        for name, value in row.items():
            if name != "completion_rate":
                total[name] += value
    checks["total"] = {**total, "completion_rate": _report_rate(total["done"] + total["late"], total["expected"])}

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
    # Overdue drills belong in the dispatch (issue 7): the drill obligation (yearly, half-yearly for
    # high-risk industries) as it stood on the period's last day, with the period's own drills.
    done_in_period = (
        Drill.objects.filter(enterprise=OuterRef("pk"), done_on__gte=first_day, done_on__lte=last_day)
        .values("enterprise")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    drills = (
        drills_due_status(Enterprise.objects.filter(pk=enterprise.pk), on=last_day)
        .annotate(done_in_period=Subquery(done_in_period, output_field=IntegerField()))
        .values("done_in_period", "drill_status", "drills_overdue", "last_drill_on")
        .get()
    )
    return {
        "period": {"kind": period.kind, "key": period.key, "start": first_day.isoformat(), "end": last_day.isoformat()},
        "computed_at": _report_iso(now),
        "checks": checks,
        "hazards": hazards,
        "cards": {
            "posts": len(card_rows),
            "with_card": sum(card_rows),
            "coverage_rate": _report_rate(sum(card_rows), len(card_rows)),
        },
        "knowledge": {
            "spot_checks": knowledge["n"],
            "questions": knowledge["questions"] or 0,
            "correct": knowledge["correct"] or 0,
            "awareness_rate": _report_rate(knowledge["correct"] or 0, knowledge["questions"] or 0),
        },
        "drills": {
            "done": drills["done_in_period"] or 0,
            "status": drills["drill_status"],
            "overdue": drills["drills_overdue"],
            "last_done_on": drills["last_drill_on"].isoformat() if drills["last_drill_on"] else None,
        },
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
        "rectification_rate": _report_rate(out["found_closed"], out["found"]),
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


# ---------------------------------------------------------------------------------------------
# Regulator statistics (issue 4, part 3): the campaign's quantified targets per enterprise, rolled up
# by region or industry. Every figure is a database aggregate grouped by enterprise; the number of
# queries does not depend on the number of enterprises (about a dozen), the roll-up into groups is
# done in Python over one row per enterprise.


STATS_DEFAULT_TZ = ZoneInfo("Asia/Shanghai")  # the month a regulator means when they give none

# Seed targets of the 2024 campaign that the archive can prove.
TARGET_CARD_COVERAGE = 1.0  # every post has its 明白卡
TARGET_CHECK_COMPLETION = 1.0  # 日管控、周排查、月调度 all done
TARGET_RECTIFICATION_RATE = 1.0  # every hazard closed (逐条整改销号)
TARGET_AWARENESS_RATE = 0.8  # 应知应会知晓率 >= 80%

TIERS = [Tier.DAILY, Tier.WEEKLY, Tier.MONTHLY, Tier.QUARTERLY]


class GroupBy:
    ENTERPRISE = "enterprise"
    REGION = "region"
    INDUSTRY = "industry"
    CHOICES = (ENTERPRISE, REGION, INDUSTRY)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class TierFigures:
    due: int = 0  # periods of the month that have begun, times the posts the tier's templates are on
    done: int = 0  # of those, recorded (one per post, template and period, late or not)
    late: int = 0  # recorded only after the period had closed

    @property
    def rate(self) -> float | None:
        return _rate(min(self.done, self.due), self.due)

    def add(self, other: "TierFigures") -> None:
        self.due += other.due
        self.done += other.done
        self.late += other.late


@dataclass
class StatsFigures:
    enterprises: int = 0
    posts: int = 0
    posts_with_card: int = 0
    checks: dict[str, TierFigures] = field(default_factory=lambda: {tier: TierFigures() for tier in TIERS})
    hazards_found: int = 0
    hazards_closed: int = 0
    hazards_overdue: int = 0
    major_hazards_open: int = 0
    spot_checks: int = 0
    questions: int = 0
    correct_answers: int = 0
    drills_month: int = 0
    drills_year: int = 0
    drills_up_to_date: int = 0  # enterprises that drilled within their interval
    certificates_required: int = 0  # (post holder, certificate kind the post requires) pairs
    certificates_missing: int = 0  # of those, without a valid certificate at the month's end
    # Records for the month's check periods (every record: corrections and second copies too; a late
    # one in the month of its period), as stored (checklists.tallies): on site = citing a scan of the same
    # person at the post shortly before; flagged = suspicious (checklists.flags). Issue 12.
    records_received: int = 0
    records_on_site: int = 0
    records_flagged: int = 0
    risk: RiskFigures = field(default_factory=RiskFigures)  # the register (双重预防), as it is now

    @property
    def card_coverage(self) -> float | None:
        return _rate(self.posts_with_card, self.posts)

    @property
    def check_completion(self) -> float | None:
        due = sum(t.due for t in self.checks.values())
        return _rate(sum(min(t.done, t.due) for t in self.checks.values()), due)

    @property
    def rectification_rate(self) -> float | None:
        return _rate(self.hazards_closed, self.hazards_found)

    @property
    def awareness_rate(self) -> float | None:
        return _rate(self.correct_answers, self.questions)

    @property
    def certified_rate(self) -> float | None:
        """持证上岗率 (target 100%)."""
        return _rate(self.certificates_required - self.certificates_missing, self.certificates_required)

    @property
    def on_site_rate(self) -> float | None:
        """现场核验率: the share of the records made on site (scanned), None without records."""
        return _rate(self.records_on_site, self.records_received)

    @property
    def flagged_rate(self) -> float | None:
        """标记率: the share of the records flagged as suspicious, None without records."""
        return _rate(self.records_flagged, self.records_received)

    def add(self, other: "StatsFigures") -> None:
        for name in (
            "enterprises posts posts_with_card hazards_found hazards_closed hazards_overdue major_hazards_open "
            "spot_checks questions correct_answers drills_month drills_year drills_up_to_date "
            "certificates_required certificates_missing records_received records_on_site records_flagged"
        ).split():
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for tier, figures in other.checks.items():
            self.checks[tier].add(figures)
        self.risk = self.risk + other.risk


@dataclass
class StatsRow:
    """One line of the statistics: an enterprise, or a region or industry with its enterprises."""

    kind: str  # enterprise | region | industry
    id: int
    code: str  # credit code, region code, industry code
    name: str
    figures: StatsFigures
    region: str = ""  # code, enterprise rows only
    industry: str = ""
    high_risk: bool | None = None
    last_drill_on: date | None = None


@dataclass
class Stats:
    month: str
    group_by: str
    region: Region | None
    industry: Industry | None
    enterprise_id: int | None
    rows: list[StatsRow]
    total: StatsFigures

    @property
    def region_id(self) -> int | None:
        return self.region.id if self.region else None

    @property
    def industry_id(self) -> int | None:
        return self.industry.id if self.industry else None

    @property
    def targets(self) -> dict[str, float]:
        return {
            "card_coverage": TARGET_CARD_COVERAGE,
            "check_completion": TARGET_CHECK_COMPLETION,
            "rectification_rate": TARGET_RECTIFICATION_RATE,
            "awareness_rate": TARGET_AWARENESS_RATE,
        }


def stats_month_parse(value: str | None) -> tuple[int, int]:
    """`YYYY-MM`, or the current month in Beijing time when empty; a bad value is a 400 naming `month`."""
    if not value:
        today = timezone.now().astimezone(STATS_DEFAULT_TZ).date()
        return today.year, today.month
    try:
        parsed = datetime.strptime(value, "%Y-%m")
    except ValueError:
        parsed = None
    if parsed is None or len(value) != 7 or not 2000 <= parsed.year <= 2100:
        raise ApplicationError(_("月份格式应为 YYYY-MM,例如 2024-07。"), field="month")
    return parsed.year, parsed.month


def _month_periods(kind: str, year: int, month: int, tz: ZoneInfo) -> list[Period]:
    """The periods of `kind` that begin in the month, in the enterprise's local time: each check
    period counts in exactly one month (a week counts in the month of its Monday, a quarter in its first
    month), the rule of the monthly dispatch (reports.selectors._periods_starting_in)."""
    the_month = period_of(MONTHLY, datetime(year, month, 1, 12, tzinfo=tz), tz)
    found = []
    period = period_of(kind, the_month.start, tz)
    if period.start < the_month.start:
        period = period_of(kind, period.end, tz)
    while period.start < the_month.end:
        found.append(period)
        period = period_of(kind, period.end, tz)
    return found


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def _stats_scope(person: Person) -> Q:
    """Enterprises whose statistics the person may read: a regulator's scope, and the enterprises
    where they are a safety officer or above. Workers read no statistics (403)."""
    if person.is_superuser:
        return Q()
    managed = [e for e, role in roles_of(person).items() if role in SAFETY_MANAGER_ROLES]
    regulated = regulated_enterprises(person)
    if regulated is None and not managed:
        raise Forbidden(_("您的角色无权执行此操作。"))
    condition = Q(pk__in=managed)
    if regulated is not None:
        condition |= Q(pk__in=regulated.values("pk"))
    return condition


def _descendants(parents: dict[int, int | None], root: int) -> set[int]:
    children = defaultdict(list)
    for node, parent in parents.items():
        children[parent].append(node)
    found, frontier = {root}, [root]
    while frontier:
        frontier = [c for node in frontier for c in children[node] if c not in found]
        found.update(frontier)
    return found


def _child_under(parents: dict[int, int | None], node: int, root: int | None) -> int:
    """The ancestor of `node` right below `root` (node itself when root is None or node is root)."""
    if root is None or node == root:
        return node
    while parents.get(node) not in (root, None):
        node = parents[node]
    return node


def stats_for(
    person: Person,
    *,
    month: str | None = None,
    region: int | None = None,
    industry: int | None = None,
    enterprise: int | None = None,
    group_by: str = GroupBy.ENTERPRISE,
) -> Stats:
    """The campaign figures of the month for what the person may read, narrowed by region (with its
    child regions), industry (with its sub-industries) or one enterprise, one row per enterprise or per
    region / industry. With `region`, region groups are its direct children: pass a group's id as
    `region` to drill down."""
    year, month_number = stats_month_parse(month)
    month_key = f"{year}-{month_number:02d}"
    scope = _stats_scope(person)

    regions = {r.id: r for r in Region.objects.all()}  # reference data: a few hundred rows at most
    industries = {i.id: i for i in Industry.objects.all()}
    region_parents = {r.id: r.parent_id for r in regions.values()}
    industry_parents = {i.id: i.parent_id for i in industries.values()}
    condition = scope
    if region is not None:
        if region not in regions:
            raise ApplicationError(_("行政区划不存在。"), field="region")
        condition &= Q(region__in=_descendants(region_parents, region))
    if industry is not None:
        if industry not in industries:
            raise ApplicationError(_("行业不存在。"), field="industry")
        condition &= Q(industry__in=_descendants(industry_parents, industry))
    if enterprise is not None:
        if not Enterprise.objects.filter(scope, pk=enterprise).exists():
            # A worker of that enterprise hears 403, anyone else that it does not exist.
            try:
                role_required(person, enterprise, SAFETY_MANAGER_ROLES)
            except NotFound:
                pass
            raise NotFound(_("未找到。"), field="enterprise")
        condition &= Q(pk=enterprise)

    enterprises = list(
        Enterprise.objects.filter(condition)
        .order_by("id")
        .values_list("id", "name", "credit_code", "region_id", "industry_id", "timezone", "industry__high_risk")
    )
    chosen = Enterprise.objects.filter(condition).values("pk")
    figures = {row[0]: StatsFigures(enterprises=1) for row in enterprises}
    last_drill: dict[int, date | None] = {}
    if enterprises:
        last_drill = _collect(figures, enterprises, chosen, year, month_number, month_key)
        for pk, one in risk_figures(figures).items():
            figures[pk].risk = one

    total = StatsFigures()
    for one in figures.values():
        total.add(one)
    rows = _group(
        enterprises,
        figures,
        last_drill,
        group_by,
        regions,
        industries,
        region_parents,
        industry_parents,
        region,
        industry,
    )
    return Stats(month_key, group_by, regions.get(region), industries.get(industry), enterprise, rows, total)


def _collect(figures, enterprises, chosen: QuerySet, year: int, month_number: int, month_key: str):
    """Fill each enterprise's figures: six grouped queries whatever the number of enterprises.
    Returns each enterprise's last drill up to the month's end."""
    now = timezone.now()
    zones = {row[5] for row in enterprises}
    bounds = {tz: period_of(MONTHLY, datetime(year, month_number, 1, 12, tzinfo=ZoneInfo(tz)), tz) for tz in zones}

    def per_zone(make) -> Q:
        # The month in each enterprise's own time zone: one OR-branch per zone (usually one).
        q = Q(pk__in=[])
        for tz, period in bounds.items():
            q |= Q(enterprise__timezone=tz) & make(period)
        return q

    # Card coverage: posts (as they are now) with a card version published before the month's end.
    # Joined and counted distinct rather than an EXISTS per post: the planner's estimate of a subplan
    # per post set off PostgreSQL's JIT compiler, which alone took longer than the query.
    carded = per_zone(lambda p: Q(card__versions__published_at__lt=p.end))
    posts = (
        Post.objects.filter(enterprise__in=chosen)
        .values("enterprise_id")
        .annotate(posts=Count("id", distinct=True), carded=Count("card", distinct=True, filter=carded))
        .order_by()
    )
    for row in posts:
        f = figures[row["enterprise_id"]]
        f.posts, f.posts_with_card = row["posts"], row["carded"]

    # Checks due: the posts each active template is on, times the periods of its tier in the month
    # that have begun (in the enterprise's time zone; a high-risk enterprise's quarterly tier is monthly).
    assigned = (
        ChecklistTemplate.posts.through.objects.filter(
            checklisttemplate__enterprise__in=chosen, checklisttemplate__active=True
        )
        .values("checklisttemplate__enterprise_id", "checklisttemplate__tier")
        .annotate(n=Count("id"))
        .order_by()
    )
    zone_of = {row[0]: row[5] for row in enterprises}
    high_risk = {row[0]: row[6] for row in enterprises}
    begun: dict[tuple[str, str], int] = {}
    for row in assigned:
        enterprise_id, tier = row["checklisttemplate__enterprise_id"], row["checklisttemplate__tier"]
        kind = period_kind_for(tier, high_risk=high_risk[enterprise_id])
        key = (kind, zone_of[enterprise_id])
        if key not in begun:
            periods = _month_periods(kind, year, month_number, ZoneInfo(key[1]))
            begun[key] = sum(1 for p in periods if p.start <= now)
        figures[enterprise_id].checks[tier].due += row["n"] * begun[key]

    # Checks done: one per post, template and period of the month, however many records (corrections,
    # a late copy) it has, late when its first record is; and the month's records, on site and flagged:
    # counted as the records were stored, on each enterprise's archive head (checklists.tallies), one
    # row per enterprise. Period keys are local dates, so a month's tally is the same in every time zone.
    heads = ArchiveHead.objects.filter(enterprise__in=chosen).values_list("enterprise_id", "slot_tallies")
    for enterprise_id, tallies in heads:
        f = figures[enterprise_id]
        done_late, records = month_tallies(tallies, month_key)
        for tier, (done, late) in done_late.items():
            f.checks[tier].done, f.checks[tier].late = done, late
        f.records_received, f.records_on_site, f.records_flagged = records

    # Hazards: found in the month, of those closed by now; overdue and major ones still open among all
    # found up to the month's end (the backlog a regulator chases).
    found = per_zone(lambda p: Q(found_at__gte=p.start, found_at__lt=p.end))
    backlog = per_zone(lambda p: Q(found_at__lt=p.end)) & ~Q(status=HazardStatus.CLOSED)
    hazards = (
        Hazard.objects.filter(enterprise__in=chosen)
        .values("enterprise_id")
        .annotate(
            found=Count("id", filter=found),
            closed=Count("id", filter=found & Q(status=HazardStatus.CLOSED)),
            overdue=Count("id", filter=backlog & Q(deadline__lt=now)),
            major_open=Count("id", filter=backlog & Q(grade=HazardGrade.MAJOR)),
        )
        .order_by()
    )
    for row in hazards:
        f = figures[row["enterprise_id"]]
        f.hazards_found, f.hazards_closed = row["found"], row["closed"]
        f.hazards_overdue, f.major_hazards_open = row["overdue"], row["major_open"]

    # Knowledge awareness (应知应会知晓率): answers right over questions asked, spot-checks finished in the month.
    spot = (
        SpotCheck.objects.filter(per_zone(lambda p: Q(finished_at__gte=p.start, finished_at__lt=p.end)))
        .filter(enterprise__in=chosen)
        .values("enterprise_id")
        .annotate(n=Count("id"), questions=Sum("question_count"), correct=Sum("correct_count"))
        .order_by()
    )
    for row in spot:
        f = figures[row["enterprise_id"]]
        f.spot_checks, f.questions, f.correct_answers = row["n"], row["questions"] or 0, row["correct"] or 0

    # Certificates (持证上岗): holders of posts that require a kind, without a valid one at the month's
    # end (today for the current month: a certificate expiring later this month is still valid now).
    on = min(date(year, month_number, monthrange(year, month_number)[1]), timezone.localdate())
    gaps = certificate_gaps_by_enterprise(Enterprise.objects.filter(pk__in=chosen.values("pk")), on=on)
    for row in gaps.values("pk", "certificates_required", "certificates_missing"):
        f = figures[row["pk"]]
        f.certificates_required, f.certificates_missing = row["certificates_required"], row["certificates_missing"]

    # Drills (dates are local already): in the month, in the year to the month's end, and the last one,
    # which must be within a year (half a year in a high-risk industry) of the month's end.
    first = date(year, month_number, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    drills = (
        Drill.objects.filter(enterprise__in=chosen, done_on__lte=last)
        .values("enterprise_id")
        .annotate(
            month=Count("id", filter=Q(done_on__gte=first)),
            year=Count("id", filter=Q(done_on__gte=first.replace(month=1))),
            last=Max("done_on"),
        )
        .order_by()
    )
    last_drill = {}
    for row in drills:
        enterprise_id = row["enterprise_id"]
        f = figures[enterprise_id]
        f.drills_month, f.drills_year = row["month"], row["year"]
        last_drill[enterprise_id] = row["last"]
        interval = 6 if high_risk[enterprise_id] else 12
        f.drills_up_to_date = int(row["last"] > _months_before(last, interval))
    return last_drill


def _group(
    enterprises, figures, last_drill, group_by, regions, industries, region_parents, industry_parents, region, industry
) -> list[StatsRow]:
    if group_by == GroupBy.ENTERPRISE:
        return [
            StatsRow(
                kind=GroupBy.ENTERPRISE,
                id=e_id,
                code=credit_code,
                name=name,
                figures=figures[e_id],
                region=regions[region_id].code,
                industry=industries[industry_id].code,
                high_risk=high,
                last_drill_on=last_drill.get(e_id),
            )
            for e_id, name, credit_code, region_id, industry_id, _tz, high in enterprises
        ]
    if group_by == GroupBy.REGION:
        nodes, parents, root, column = regions, region_parents, region, 3
    else:
        nodes, parents, root, column = industries, industry_parents, industry, 4
    grouped: dict[int, StatsFigures] = {}
    for row in enterprises:
        key = _child_under(parents, row[column], root)
        grouped.setdefault(key, StatsFigures()).add(figures[row[0]])
    return [
        StatsRow(kind=group_by, id=key, code=nodes[key].code, name=nodes[key].name, figures=grouped[key])
        for key in sorted(grouped, key=lambda k: nodes[k].code)
    ]
