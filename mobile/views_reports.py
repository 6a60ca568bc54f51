"""The weekly report (周排查治理报告) and the monthly dispatch (月调度) written and signed from the pages
(issue 14): generate the report of an ended period, write the minutes, sign in order. Forms are parsed by
the API's input serializers and handled by reports.services, as POST/PATCH /api/v1/reports/weekly/ and
/api/v1/dispatches/ are; a refusal is shown on the page with the API's status."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from checklists.periods import WEEKLY
from core.errors import ApplicationError
from core.exports import PDF_MEDIA_TYPE, XLSX_MEDIA_TYPE, file_response
from mobile import selectors
from mobile.forms import api_parse
from mobile.views import LOGIN, TIER_LABELS, _errors_as_pages, _int_param, _supervisor_page
from orgs.models import Enterprise, Role
from orgs.selectors import get_visible, role_in
from reports import exports, services
from reports.serializers import (
    NOTE_MAX,
    TEXT_MAX,
    DispatchUpdateSerializer,
    ReportSignSerializer,
    WeeklyReportUpdateSerializer,
)
from reports.services import DISPATCH_SIGN_ROLES, DISPATCH_WRITE_ROLES, WEEKLY_SIGN_ROLES, WEEKLY_WRITE_ROLES

LABELS = {
    "summary": gettext_lazy("总结"),
    "risk_analysis": gettext_lazy("风险研判"),
    "next_week_plan": gettext_lazy("下周工作安排"),
    "note": gettext_lazy("签字意见"),
    "decisions": gettext_lazy("下月重点工作"),
    "task": gettext_lazy("工作任务"),
    "owner": gettext_lazy("责任人"),
    "due_date": gettext_lazy("完成时限"),
}
DECISION_ROWS = 5  # empty rows offered below the written ones


def _enterprise(request) -> Enterprise:
    enterprise_id = _int_param(request.POST.get("enterprise"), "enterprise")
    if enterprise_id is None:
        raise ApplicationError(_("请选择企业。"), field="enterprise")
    return get_visible(request.user, Enterprise.objects.all(), enterprise_id, via="")


def _figures(snapshot) -> dict:
    checks = snapshot.figures["checks"]
    return {
        "figure_rows": exports.figure_rows(snapshot),
        "tiers": [(label, checks[key]) for key, label in TIER_LABELS],
    }


# ---------------------------------------------------------------------------------------------
# Weekly report


@require_GET
@login_required(login_url=LOGIN)
@_errors_as_pages
def weekly_list(request):
    context = {
        "page": selectors.weekly_list_page(
            person=request.user, params=request.GET, page_number=request.GET.get("page")
        ),
        "generator": selectors.report_generator(request.user, kind=WEEKLY, roles=WEEKLY_WRITE_ROLES),
    }
    return _supervisor_page(request, "mobile/weekly_list.html", context)


@require_POST
@login_required(login_url=LOGIN)
@_errors_as_pages
def weekly_generate(request):
    """The same service as POST /api/v1/reports/weekly/: the report of an ended week, made once."""
    report, created = services.weekly_report_generate(
        by=request.user, enterprise=_enterprise(request), week=request.POST.get("week", "")
    )
    messages.success(request, _("已生成周报。") if created else _("该周的周报已存在。"))
    return redirect(reverse("mobile-weekly-report", args=[report.pk]))


def _weekly_render(request, report, *, move="", error="", status=200):
    role = None if request.user.is_superuser else role_in(request.user, report.enterprise_id)
    may = lambda roles: request.user.is_superuser or role in roles  # noqa: E731
    # In order (reports.services.weekly_report_sign): the safety director, then the principal.
    turn = {Role.SAFETY_DIRECTOR: not report.director_signed_at, Role.PRINCIPAL: bool(report.director_signed_at)}
    context = {
        "report": report,
        **_figures(report),
        "can_write": may(WEEKLY_WRITE_ROLES | {Role.PRINCIPAL}) and not report.director_signed_at,
        "can_sign": role in WEEKLY_SIGN_ROLES and turn.get(role, False) and not report.principal_signed_at,
        "failed_move": move,
        "error": error,
        "form": request.POST if error else {},
        "text_max": TEXT_MAX,
        "note_max": NOTE_MAX,
    }
    return _supervisor_page(request, "mobile/weekly_detail.html", context, status=status)


def _weekly_save(request, report):
    data = api_parse(WeeklyReportUpdateSerializer, request.POST.dict(), LABELS)
    services.weekly_report_update(by=request.user, report=report, data=data)
    return _("已保存。")


def _weekly_sign(request, report):
    data = api_parse(ReportSignSerializer, request.POST.dict(), LABELS)
    report = services.weekly_report_sign(by=request.user, report=report, **data)
    return _("主要负责人已签字,报告已冻结。") if report.principal_signed_at else _("安全总监已签字。")


@require_http_methods(["GET", "POST"])
@login_required(login_url=LOGIN)
@_errors_as_pages
def weekly_detail(request, pk: int):
    report = selectors.weekly_get(person=request.user, pk=pk)
    if request.method == "GET":
        return _weekly_render(request, report)
    moves = {"save": _weekly_save, "sign": _weekly_sign}
    move = request.POST.get("move", "")
    try:
        if move not in moves:
            raise ApplicationError(_("未知的操作。"), field="move")
        messages.success(request, moves[move](request, report))
    except ApplicationError as error:
        report = selectors.weekly_get(person=request.user, pk=pk)
        return _weekly_render(request, report, move=move, error=error.message, status=error.status_code)
    return redirect(reverse("mobile-weekly-report", args=[report.pk]))


@require_GET
@login_required(login_url=LOGIN)
@_errors_as_pages
def weekly_file(request, pk: int, extension: str):
    """The API's .xlsx / .pdf renderings of the report (reports.exports) for the session of the pages,
    as the dispatch's downloads."""
    report = selectors.weekly_get(person=request.user, pk=pk)
    name = exports.weekly_file_name(report, extension)
    if extension == "pdf":
        return file_response(exports.weekly_pdf(report), PDF_MEDIA_TYPE, name)
    return file_response(exports.weekly_xlsx(report), XLSX_MEDIA_TYPE, name)


# ---------------------------------------------------------------------------------------------
# Monthly dispatch: generated from the list, written and signed on its own page (the detail links to it)


@require_POST
@login_required(login_url=LOGIN)
@_errors_as_pages
def dispatch_generate(request):
    """The same service as POST /api/v1/dispatches/: the dispatch of an ended month, made once."""
    dispatch, created = services.dispatch_generate(
        by=request.user, enterprise=_enterprise(request), month=request.POST.get("month", "")
    )
    messages.success(request, _("已生成月调度纪要,请填写。") if created else _("该月的调度纪要已存在。"))
    return redirect(reverse("mobile-dispatch-write", args=[dispatch.pk]))


def _decision_rows(request, dispatch, *, from_form: bool) -> list[dict]:
    if from_form:
        tasks, owners, dues = (request.POST.getlist(k) for k in ("task", "owner", "due_date"))
        rows = [{"task": t, "owner": o, "due_date": d} for t, o, d in zip(tasks, owners, dues, strict=False)]
    else:
        rows = [
            {"task": d.task, "owner": str(d.owner_id), "due_date": d.due_date.isoformat()}
            for d in dispatch.decisions.all()
        ]
    filled = [r for r in rows if any(v.strip() for v in r.values())]
    return filled + [{"task": "", "owner": "", "due_date": ""}] * DECISION_ROWS


def _dispatch_render(request, dispatch, *, error="", status=200):
    role = role_in(request.user, dispatch.enterprise_id)
    context = {
        "dispatch": dispatch,
        "can_write": (request.user.is_superuser or role in DISPATCH_WRITE_ROLES) and not dispatch.principal_signed_at,
        "can_sign": role in DISPATCH_SIGN_ROLES and not dispatch.principal_signed_at,
        "members": selectors.report_members(dispatch.enterprise_id),
        "rows": _decision_rows(request, dispatch, from_form=bool(error)),
        "summary": request.POST.get("summary", "") if error else dispatch.summary,
        "note": request.POST.get("note", "") if error else "",
        "error": error,
        "text_max": TEXT_MAX,
        "note_max": NOTE_MAX,
    }
    return _supervisor_page(request, "mobile/dispatch_write.html", context, status=status)


def _dispatch_save(request, dispatch):
    rows = [r for r in _decision_rows(request, dispatch, from_form=True) if any(v.strip() for v in r.values())]
    data = api_parse(DispatchUpdateSerializer, {"summary": request.POST.get("summary", ""), "decisions": rows}, LABELS)
    services.dispatch_update(by=request.user, dispatch=dispatch, data=data)


@require_http_methods(["GET", "POST"])
@login_required(login_url=LOGIN)
@_errors_as_pages
def dispatch_write(request, pk: int):
    """Write the month's summary and next month's key work (owner picker), and sign: one form, two
    buttons. Saving and signing happen in order; a refused signature keeps what was saved."""
    dispatch = selectors.dispatch_get(person=request.user, pk=pk)
    if request.method == "GET":
        return _dispatch_render(request, dispatch)
    try:
        _dispatch_save(request, dispatch)  # the service refuses a signed one (409) and other roles (403)
        if request.POST.get("move") == "sign":
            note = api_parse(ReportSignSerializer, {"note": request.POST.get("note", "")}, LABELS)["note"]
            services.dispatch_sign(by=request.user, dispatch=dispatch, note=note)
            messages.success(request, _("主要负责人已签字,调度纪要已冻结。"))
            return redirect(reverse("mobile-dispatch", args=[dispatch.pk]))
    except ApplicationError as error:
        dispatch = selectors.dispatch_get(person=request.user, pk=pk)
        return _dispatch_render(request, dispatch, error=error.message, status=error.status_code)
    messages.success(request, _("已保存。"))
    return redirect(reverse("mobile-dispatch-write", args=[dispatch.pk]))
