"""Writes of the reports app: signing a day's log, generating, editing and signing the weekly report
(周排查治理报告) and the monthly dispatch (月调度), and the beat scans that prepare their drafts.

Rules: a snapshot is generated only for a period that has ended, once per enterprise and period (a
database constraint backs the check, so a race ends with one row); the figures never change after
generation; a signature freezes what it signs (409 afterwards).
"""

from datetime import UTC, date, datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.expected import timezone_in_force
from checklists.periods import (
    MONTHLY,
    WEEKLY,
    Period,
    month_key_parse,
    month_period_of_key,
    period_days,
    period_of,
    week_key_parse,
    week_period_of_key,
)
from core.errors import ApplicationError, Conflict, Forbidden, savepoint_or_raise
from hazards.notifications import Message, members_by_role, send
from orgs.models import Enterprise, Membership, Person, Role
from orgs.selectors import role_required
from reports import selectors
from reports.models import DailyReview, DispatchDecision, MonthlyDispatch, WeeklyReport

DAILY_SIGN_ROLES = frozenset({Role.SAFETY_OFFICER, Role.SAFETY_DIRECTOR, Role.PRINCIPAL})
WEEKLY_WRITE_ROLES = frozenset({Role.SAFETY_OFFICER, Role.SAFETY_DIRECTOR})
WEEKLY_SIGN_ROLES = frozenset({Role.SAFETY_DIRECTOR, Role.PRINCIPAL})
DISPATCH_WRITE_ROLES = frozenset({Role.PRINCIPAL, Role.ADMIN})  # the admin may prepare the minutes
DISPATCH_SIGN_ROLES = frozenset({Role.PRINCIPAL})


def _signer_role(by: Person, enterprise_id: int, roles) -> str:
    """A signature is a person's act in the enterprise: even a superuser signs only in a role held there."""
    role = role_required(by, enterprise_id, roles)
    if role not in roles:
        raise Forbidden(_("签字须由本企业的相应人员完成。"))
    return role


def _ended(period: Period, now: datetime, field: str) -> None:
    if now < period.end:
        raise ApplicationError(
            _("%(key)s 尚未结束,结束后才能生成或签字。") % {"key": period.key}, field=field, code="period_open"
        )


# ---------------------------------------------------------------------------------------------
# Daily review


def daily_review_sign(*, by: Person, enterprise: Enterprise, day: date, note: str = "") -> DailyReview:
    """The safety officer (or director, or principal) signs one ended local day: its log is computed
    and frozen with the note. A day is signed once (409 afterwards)."""
    _signer_role(by, enterprise.id, DAILY_SIGN_ROLES)
    now = timezone.now()
    period = selectors.enterprise_day(enterprise, day)
    if now < period.end:
        raise ApplicationError(_("当日尚未结束,次日起才能审核签字。"), field="date", code="period_open")
    if DailyReview.objects.filter(enterprise=enterprise, date=day).exists():
        raise Conflict(_("%(date)s 的日管控台账已审核签字。") % {"date": day.isoformat()}, field="date")
    review = DailyReview(
        enterprise=enterprise,
        date=day,
        note=note,
        log=selectors.day_log(enterprise=enterprise, day=day, now=now),
        signed_by=by,
        signed_at=now,
    )
    with savepoint_or_raise(Conflict(_("%(date)s 的日管控台账已审核签字。") % {"date": day.isoformat()}, field="date")):
        review.save()
    return review


# ---------------------------------------------------------------------------------------------
# Periods named by their keys (checklists.periods), in the time zone the enterprise had then


def week_period(key: str, enterprise: Enterprise) -> Period:
    monday = week_key_parse(key, field="week")
    return week_period_of_key(key, timezone_in_force(enterprise, datetime.combine(monday, time(), UTC)))


def month_period(key: str, enterprise: Enterprise) -> Period:
    year, month = month_key_parse(key, field="month")
    return month_period_of_key(key, timezone_in_force(enterprise, datetime(year, month, 1, tzinfo=UTC)))


# ---------------------------------------------------------------------------------------------
# Weekly report


def weekly_report_generate(
    *, by: Person | None, enterprise: Enterprise, week: str, now: datetime | None = None
) -> tuple[WeeklyReport, bool]:
    """The report of an ended ISO week, generated once: (report, created). Asking again returns the
    stored one unchanged (created False), also when the beat task generated it first. `by` None is the
    beat task."""
    if by is not None:
        role_required(by, enterprise.id, WEEKLY_WRITE_ROLES)
    now = now or timezone.now()
    period = week_period(week, enterprise)
    _ended(period, now, "week")
    return _snapshot_generate(WeeklyReport, enterprise=enterprise, by=by, period=period, now=now, week=period.key)


def _snapshot_generate(model, *, enterprise: Enterprise, by: Person | None, period, now: datetime, **key):
    """Store the snapshot of an ended period once: (snapshot, created). The unique constraint on
    (enterprise, period key) settles a race between the beat task and a person: the first one stays."""
    existing = model.objects.filter(enterprise=enterprise, **key).first()
    if existing:
        return existing, False
    start, end = period_days(period)
    snapshot = model(
        enterprise=enterprise,
        period_start=start,
        period_end=end,
        figures=selectors.period_figures(enterprise=enterprise, period=period, now=now),
        generated_at=now,
        generated_by=by,
        **key,
    )
    try:
        with transaction.atomic():
            snapshot.save()
    except IntegrityError:
        return model.objects.get(enterprise=enterprise, **key), False
    return snapshot, True


def _locked_weekly(report: WeeklyReport) -> WeeklyReport:
    return WeeklyReport.objects.select_for_update().select_related("enterprise").get(pk=report.pk)


@transaction.atomic
def weekly_report_update(*, by: Person, report: WeeklyReport, data: dict) -> WeeklyReport:
    """Write the minutes (summary, risk analysis, next week's plan) while nobody has signed."""
    report = _locked_weekly(report)
    role_required(by, report.enterprise_id, WEEKLY_WRITE_ROLES | {Role.PRINCIPAL})
    if report.director_signed_at:
        raise Conflict(_("报告已签字,不能修改。"), field="status", code="signed")
    for field in ("summary", "risk_analysis", "next_week_plan"):
        if field in data:
            setattr(report, field, data[field])
    report.save()
    return report


@transaction.atomic
def weekly_report_sign(*, by: Person, report: WeeklyReport, note: str = "") -> WeeklyReport:
    """The safety director signs first, then the principal; the principal's signature freezes it."""
    report = _locked_weekly(report)
    role = _signer_role(by, report.enterprise_id, WEEKLY_SIGN_ROLES)
    now = timezone.now()
    if report.principal_signed_at:
        raise Conflict(_("报告已签字,不能修改。"), field="status", code="signed")
    if role == Role.SAFETY_DIRECTOR:
        if report.director_signed_at:
            raise Conflict(_("安全总监已签字。"), field="status", code="signed")
        for field, label in (
            ("summary", _("本周排查治理情况")),
            ("risk_analysis", _("风险研判")),
            ("next_week_plan", _("下周工作安排")),
        ):
            if not getattr(report, field).strip():
                raise ApplicationError(_("签字前请填写「%(label)s」。") % {"label": label}, field=field)
        report.director_signed_by, report.director_signed_at, report.director_note = by, now, note
    else:
        if not report.director_signed_at:
            raise Conflict(_("须先由安全总监签字。"), field="status", code="director_first")
        report.principal_signed_by, report.principal_signed_at, report.principal_note = by, now, note
    report.save()
    return report


# ---------------------------------------------------------------------------------------------
# Monthly dispatch


def dispatch_generate(
    *, by: Person | None, enterprise: Enterprise, month: str, now: datetime | None = None
) -> tuple[MonthlyDispatch, bool]:
    """The dispatch of an ended month, generated once: (dispatch, created), as weekly_report_generate."""
    if by is not None:
        role_required(by, enterprise.id, DISPATCH_WRITE_ROLES)
    now = now or timezone.now()
    period = month_period(month, enterprise)
    _ended(period, now, "month")
    return _snapshot_generate(MonthlyDispatch, enterprise=enterprise, by=by, period=period, now=now, month=period.key)


def _locked_dispatch(dispatch: MonthlyDispatch) -> MonthlyDispatch:
    return MonthlyDispatch.objects.select_for_update().select_related("enterprise").get(pk=dispatch.pk)


def _decisions(dispatch: MonthlyDispatch, decisions: list[dict]) -> list[DispatchDecision]:
    """Validate next month's key work: every owner a member of the enterprise, every due date after
    the month. All problems are reported, the first one names its field."""
    members = set(
        Membership.objects.filter(
            enterprise_id=dispatch.enterprise_id, person_id__in={d["owner"] for d in decisions}
        ).values_list("person_id", flat=True)
    )
    errors = []
    for index, decision in enumerate(decisions):
        if decision["owner"] not in members:
            message = _("责任人 %(id)s 不是本企业人员。") % {"id": decision["owner"]}
            errors.append({"field": f"decisions[{index}].owner", "code": "not_a_member", "message": message})
        if decision["due_date"] <= dispatch.period_end:
            message = _("下月重点工作的完成时限须晚于 %(end)s。") % {"end": dispatch.period_end.isoformat()}
            errors.append({"field": f"decisions[{index}].due_date", "code": "invalid", "message": message})
    if errors:
        first = errors[0]
        raise ApplicationError(
            f"{first['field']}: {first['message']}", field=first["field"], code=first["code"], errors=errors
        )
    return [
        DispatchDecision(dispatch=dispatch, order=order, task=d["task"], owner_id=d["owner"], due_date=d["due_date"])
        for order, d in enumerate(decisions, start=1)
    ]


@transaction.atomic
def dispatch_update(*, by: Person, dispatch: MonthlyDispatch, data: dict) -> MonthlyDispatch:
    """Write the month's summary and replace next month's decisions while unsigned."""
    dispatch = _locked_dispatch(dispatch)
    role_required(by, dispatch.enterprise_id, DISPATCH_WRITE_ROLES)
    if dispatch.principal_signed_at:
        raise Conflict(_("调度纪要已签字,不能修改。"), field="status", code="signed")
    if "summary" in data:
        dispatch.summary = data["summary"]
        dispatch.save(update_fields=["summary"])
    if "decisions" in data:
        rows = _decisions(dispatch, data["decisions"])
        dispatch.decisions.all().delete()
        DispatchDecision.objects.bulk_create(rows)
    return dispatch


@transaction.atomic
def dispatch_sign(*, by: Person, dispatch: MonthlyDispatch, note: str = "") -> MonthlyDispatch:
    """The principal signs the minutes; the dispatch is frozen from then on."""
    dispatch = _locked_dispatch(dispatch)
    _signer_role(by, dispatch.enterprise_id, DISPATCH_SIGN_ROLES)
    if dispatch.principal_signed_at:
        raise Conflict(_("调度纪要已签字,不能修改。"), field="status", code="signed")
    if not dispatch.summary.strip():
        raise ApplicationError(_("签字前请填写「%(label)s」。") % {"label": _("本月工作总结")}, field="summary")
    dispatch.principal_signed_by, dispatch.principal_signed_at, dispatch.principal_note = by, timezone.now(), note
    dispatch.save()
    return dispatch


# ---------------------------------------------------------------------------------------------
# Beat: prepare the drafts of the period that has just ended


def _drafts_prepare(*, kind: str, now: datetime | None) -> int:
    """For every enterprise, generate the snapshot of the last ended week or month (in its own time
    zone) unless it exists, and tell who has to write and sign it. Each draft commits with its notice,
    so a crash half-way loses nothing; running twice makes nothing twice (the generation is idempotent,
    the notices keyed, with the keys of the former hazards summaries so nobody is told twice across the
    upgrade). Two queries when there is nothing to do. Returns how many drafts were made."""
    now = now or timezone.now()
    model, field = (WeeklyReport, "week") if kind == WEEKLY else (MonthlyDispatch, "month")
    enterprises = list(Enterprise.objects.select_related("industry").order_by("id"))
    wanted = {e.id: period_of(kind, now, e.timezone).previous() for e in enterprises}
    done = set(
        model.objects.filter(**{f"{field}__in": {p.key for p in wanted.values()}}).values_list("enterprise_id", field)
    )
    made = 0
    for enterprise in enterprises:
        period = wanted[enterprise.id]
        if (enterprise.id, period.key) in done:
            continue
        with transaction.atomic():
            if kind == WEEKLY:
                snapshot, created = weekly_report_generate(by=None, enterprise=enterprise, week=period.key, now=now)
            else:
                snapshot, created = dispatch_generate(by=None, enterprise=enterprise, month=period.key, now=now)
            if created:
                _draft_notify(kind, enterprise, snapshot)
                made += 1
    return made


def _draft_notify(kind: str, enterprise: Enterprise, snapshot) -> None:
    members = members_by_role([enterprise.id])[enterprise.id]
    if kind == WEEKLY:
        recipients = members[Role.SAFETY_OFFICER] | members[Role.SAFETY_DIRECTOR] | members[Role.PRINCIPAL]
        title = _("周排查治理报告待填写签字(%(key)s)") % {"key": snapshot.week}
        key = f"report:weekly:{enterprise.id}:{snapshot.week}"
    else:
        recipients = members[Role.PRINCIPAL] | members[Role.ADMIN]
        title = _("月调度纪要待填写签字(%(key)s)") % {"key": snapshot.month}
        key = f"report:monthly:{enterprise.id}:{snapshot.month}"
    body = figures_text(snapshot.figures)
    send([Message(recipients, f"{kind}_report", key, title, body, enterprise_id=enterprise.id)])


def figures_text(figures: dict) -> str:
    """The headline figures in a few lines (notices and the PDF's summary)."""
    checks, hazards = figures["checks"]["total"], figures["hazards"]
    period = figures["period"]
    rate = checks["completion_rate"]
    lines = [
        _("统计期:%(key)s(%(start)s 至 %(end)s)") % period,
        _("应检 %(expected)d 次,按时完成 %(done)d 次,补录 %(late)d 次,缺失 %(missed)d 次,未扫码 %(off_site)d 次")
        % checks,
        _("完成率:%(rate)s") % {"rate": "—" if rate is None else f"{rate:.1%}"},
        _("发现隐患 %(found)d 项(重大 %(found_major)d 项),销号 %(closed)d 项") % hazards,
        _("期末未销号隐患 %(open)d 项(重大 %(open_major)d 项),逾期 %(overdue)d 项") % hazards,
    ]
    return "\n".join(lines)


def weekly_reports_prepare(*, now: datetime | None = None) -> int:
    return _drafts_prepare(kind=WEEKLY, now=now)


def monthly_dispatches_prepare(*, now: datetime | None = None) -> int:
    return _drafts_prepare(kind=MONTHLY, now=now)
