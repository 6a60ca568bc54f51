"""Reads of the hazard register and the inbox. Every read takes the acting person (tenancy in one place)."""

from datetime import date

from django.db.models import BooleanField, Case, Count, F, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.models import HazardGrade, Photo
from checklists.periods import month_key_parse, month_last_day
from core.errors import ApplicationError, Forbidden, NotFound
from hazards.models import (
    Hazard,
    HazardEvent,
    HazardStatus,
    JudgmentClause,
    Notification,
    PublicReport,
    PublicReportStatus,
    RectificationPlan,
)
from orgs.models import SAFETY_MANAGER_ROLES, Enterprise, Industry, Person, Region
from orgs.selectors import (
    _with_descendants,
    enterprise_readable_by,
    enterprises_readable_by,
    get_or_404,
    get_visible,
    reach_required,
    scope_to,
)


def with_overdue(queryset: QuerySet[Hazard]) -> QuerySet[Hazard]:
    """Annotate `overdue` in the database, with the same rule as Hazard.is_overdue."""
    now = timezone.now()
    return queryset.annotate(
        overdue=Case(
            When(~Q(status=HazardStatus.CLOSED) & Q(deadline__lt=now), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def hazards_visible_to(person: Person) -> QuerySet[Hazard]:
    """The register as the person may read it, most urgent first: overdue, then major before general,
    then the nearest deadline (none last), then the newest. One query whatever the number of rows."""
    major_first = Case(When(grade=HazardGrade.MAJOR, then=Value(0)), default=Value(1))
    queryset = with_overdue(Hazard.objects.select_related("enterprise", "post", "responsible", "found_by"))
    return scope_to(person, queryset).order_by(
        F("overdue").desc(), major_first, F("deadline").asc(nulls_last=True), "-found_at", "-id"
    )


def hazard_detail_queryset(queryset: QuerySet[Hazard]) -> QuerySet[Hazard]:
    """What the detail shows: the photos and every event with its actor and photos (three more queries)."""
    events = Prefetch("events", queryset=HazardEvent.objects.select_related("actor").prefetch_related("photos"))
    plans = Prefetch("plans", queryset=RectificationPlan.objects.select_related("responsible").order_by("-version"))
    return queryset.select_related("basis_clause__standard", "supervision").prefetch_related("photos", events, plans)


def access_hazard(person: Person, hazard_id) -> Hazard:
    """One hazard with its history, or 404 (also for another tenant's id). The moves of the workflow
    fetch theirs through HazardViewSet.get_object and check the roles in the services."""
    return get_visible(person, hazard_detail_queryset(hazards_visible_to(person)), hazard_id)


def notifications_of(person: Person) -> QuerySet[Notification]:
    """The person's own inbox, newest first; nobody reads another person's notifications."""
    return Notification.objects.filter(recipient=person).order_by("-created_at", "-id")


def access_notification(person: Person, notification_id) -> Notification:
    """One of the person's own notifications, else 404 (reading and marking read are the same right)."""
    return get_or_404(notifications_of(person), notification_id)


# ---------------------------------------------------------------------------------------------
# The judgment standards, supervision and the regulator's figures (issue 16)


def judgment_clauses_offered(person: Person, *, enterprise_id=None, on: date | None = None) -> list[JudgmentClause]:
    """Clauses in force on `on` (default today), and with an enterprise those that apply to its industry.
    An enterprise the person may not read is a 404. The catalogue is small: filtered in Python."""
    clauses = JudgmentClause.objects.select_related("standard").order_by("standard__code", "ordinal")
    enterprise = None
    if enterprise_id is not None:
        enterprise = get_visible(person, Enterprise.objects.select_related("industry"), enterprise_id, via="")
    on = on or timezone.localdate()
    return [
        c
        for c in clauses
        if c.standard.in_force_on(on) and (enterprise is None or c.applies_to(enterprise.industry.code))
    ]


def supervised_hazards(person: Person) -> QuerySet[Hazard]:
    """Hazards under supervision (挂牌督办) the person may read: those past the supervision deadline and not
    closed first, then the nearest deadline."""
    today = timezone.localdate()
    late = Case(
        When(~Q(status=HazardStatus.CLOSED) & Q(supervision__deadline__lt=today), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    queryset = with_overdue(
        Hazard.objects.filter(supervision__isnull=False).select_related(
            "enterprise", "post", "responsible", "found_by", "supervision", "basis_clause__standard"
        )
    )
    return (
        scope_to(person, queryset)
        .annotate(supervision_overdue=late)
        .order_by(F("supervision_overdue").desc(), "supervision__deadline", "-id")
    )


def major_hazards_by_clause(enterprises: QuerySet[Enterprise], *, date_from: date, date_to: date) -> list[dict]:
    """Seed item 32 (分区域分行业统计): major hazards found in [date_from, date_to] in the given enterprises,
    counted by clause, region and industry, in one query. Rows without a clause (free-text basis of old
    rows, or none) are counted under clause None."""
    rows = (
        Hazard.objects.filter(
            grade=HazardGrade.MAJOR,
            enterprise__in=enterprises.values("pk"),
            found_at__date__gte=date_from,
            found_at__date__lte=date_to,
        )
        .values(
            "basis_clause",
            region=F("enterprise__region__code"),
            region_name=F("enterprise__region__name"),
            industry=F("enterprise__industry__code"),
            industry_name=F("enterprise__industry__name"),
            citation_order=F("basis_clause__standard__issuing_order"),
            clause_number=F("basis_clause__number"),
        )
        .annotate(count=Count("id"), open=Count("id", filter=~Q(status=HazardStatus.CLOSED)))
        .order_by("region", "industry", "basis_clause")
    )
    return [
        {
            "clause": r["basis_clause"],
            "citation": f"{r['citation_order']} {r['clause_number']}" if r["basis_clause"] else "",
            "region": r["region"],
            "region_name": r["region_name"],
            "industry": r["industry"],
            "industry_name": r["industry_name"],
            "count": r["count"],
            "open": r["open"],
        }
        for r in rows
    ]


def major_hazard_stats_for(person: Person, *, date_from: date, date_to: date, region=None, industry=None) -> list[dict]:
    """The figures of major_hazards_by_clause for what the person may count: a regulator their scope, a
    safety manager their enterprise; anyone else is refused (403)."""
    if date_to < date_from:
        raise ApplicationError(_("结束日期不能早于开始日期。"), field="date_to")
    reach_required(person, roles=SAFETY_MANAGER_ROLES, message=_("只有监管人员和企业安全管理人员可以查看统计。"))
    enterprises = enterprises_readable_by(person, roles=SAFETY_MANAGER_ROLES)
    if region is not None:
        enterprises = enterprises.filter(region__in=_with_descendants(Region, [region]))
    if industry is not None:
        enterprises = enterprises.filter(industry__in=_with_descendants(Industry, [industry]))
    return major_hazards_by_clause(enterprises, date_from=date_from, date_to=date_to)


def ledger_hazards(person: Person, *, date_from: date, date_to: date, enterprise=None, region=None) -> QuerySet:
    """The ledger (隐患台账) of one enterprise or of a region, hazards found in [date_from, date_to], for
    the enterprise's safety managers and the regulators in scope; a plain member is refused (403), an
    enterprise out of reach is a 404. Rows carry what ledger_rows reads, in a fixed number of queries."""
    if date_to < date_from:
        raise ApplicationError(_("结束日期不能早于开始日期。"), field="date_to")
    enterprises = enterprises_readable_by(person, roles=SAFETY_MANAGER_ROLES)
    if enterprise is not None:
        get_visible(person, Enterprise.objects.all(), enterprise, via="")
        if not enterprise_readable_by(person, enterprise, roles=SAFETY_MANAGER_ROLES):
            raise Forbidden(_("只有安全管理人员和监管人员可以导出隐患台账。"))
        enterprises = enterprises.filter(pk=enterprise)
    elif region is not None:
        enterprises = enterprises.filter(region__in=_with_descendants(Region, [region]))
    else:
        raise ApplicationError(_("请指定企业或行政区划。"), field="enterprise")
    events = Prefetch("events", queryset=HazardEvent.objects.select_related("actor"))
    plans = Prefetch("plans", queryset=RectificationPlan.objects.order_by("-version"))
    return (
        Hazard.objects.filter(
            enterprise__in=enterprises.values("pk"), found_at__date__gte=date_from, found_at__date__lte=date_to
        )
        .select_related("enterprise", "found_by", "responsible")
        .prefetch_related(events, plans)
        .order_by("enterprise_id", "found_at", "id")
    )


def public_reports_for(person: Person) -> QuerySet[PublicReport]:
    """The triage queue (有奖举报): reports of the enterprises where the person is a safety manager,
    pending first, newest first."""
    managed = enterprises_readable_by(person, roles=SAFETY_MANAGER_ROLES, regulator=False)
    queryset = PublicReport.objects.select_related("post", "handled_by", "hazard").filter(
        enterprise__in=managed.values("pk")
    )
    pending_first = Case(When(status=PublicReportStatus.PENDING, then=Value(0)), default=Value(1))
    return queryset.annotate(pending_first=pending_first).order_by("pending_first", "-created_at", "-id")


def access_public_report(person: Person, report_id, *, write: bool = False) -> PublicReport:
    """One report of the person's queue, or 404 (a worker, a regulator and another tenant alike)."""
    return get_or_404(public_reports_for(person), report_id)


def access_public_report_photo(person: Person, report_id) -> PublicReport:
    """A report of the person's queue that has a photo, with what its watermark names (the post, the
    enterprise's time zone), or 404."""
    queryset = public_reports_for(person).select_related("enterprise").exclude(photo="")
    return get_or_404(queryset, report_id)


def region_major_context(person: Person, *, month: str) -> dict:
    """What the regulator's region page shows of major hazards: those under supervision (overdue
    first, at most 50) and the month's major hazards by clause, region and industry."""
    year, number = month_key_parse(month)
    first, last = date(year, number, 1), month_last_day(year, number)
    try:
        by_clause = major_hazard_stats_for(person, date_from=first, date_to=last)
    except Forbidden:
        by_clause = []
    return {"supervised": list(supervised_hazards(person)[:50]), "major_by_clause": by_clause}


def access_hazard_photo(person: Person, photo_id) -> Photo:
    """A photo of a hazard the person may read: taken when it was found or shown with one of its moves
    (a rectification, a rejection). 404 otherwise, also for another tenant's photo."""
    visible = hazards_visible_to(person).order_by().values("pk")
    photo = (
        Photo.objects.filter(Q(hazards__in=visible) | Q(hazard_events__hazard__in=visible), pk=photo_id)
        .distinct()
        .first()
    )
    if photo is None:
        raise NotFound(_("未找到。"))
    return photo
