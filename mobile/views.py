"""Server-rendered pages. Thin: one selector call, one template. The phone page's writes go through the
JSON API (its script calls /api/v1/...), so the pages add no second path into the services."""

import functools
import json
import math
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.exceptions import ValidationError

from checklists.flags import flag_text
from checklists.models import FlagReview, HazardGrade
from checklists.periods import MONTHLY
from checklists.selectors import access_inspection
from checklists.services import flag_review_add
from core.auth import lockout_seconds
from core.errors import ApplicationError, Gone, NotFound
from core.exports import PDF_MEDIA_TYPE, XLSX_MEDIA_TYPE, file_response
from hazards import selectors as hazard_selectors
from hazards.models import HazardSource, HazardStatus
from mobile import charts, selectors
from orgs.models import RiskLevel
from qr.selectors import qr_scan_resolve
from reports import exports, services
from reports.models import CheckStatus
from reports.selectors import stats_for
from reports.serializers import NOTE_MAX, ReportDateField
from reports.services import DISPATCH_WRITE_ROLES
from reports.stats_xlsx import stats_xlsx
from reports.targets import targets_missed, targets_sentence

RISK_LABELS = {level.value: str(level.label) for level in RiskLevel}
REVIEW_NOTE_MAX = FlagReview._meta.get_field("note").max_length
# Each flagged record of the day log comes with its form (about 800 bytes): the page shows this many,
# the next ones as the first are looked at (the API lists them all).
NEEDS_LOOK_SHOWN = 50

# Only our own files: the JWT lives in localStorage, so no script from anywhere else may run here.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def _page(request, template: str, context: dict, status: int = 200):
    response = render(request, template, context, status=status)
    response["Content-Security-Policy"] = CSP
    return response


@require_GET
def scan_page(request, token: str):
    """What a phone opens from the QR code on a post: the card, then (after login, in the page's
    script) the checklists due now. The card is public, like the printed one hanging on the post."""
    try:
        scan = qr_scan_resolve(token=token, person=None)
    except Gone as error:
        return _page(request, "mobile/gone.html", {"message": error.message}, status=410)
    except NotFound as error:
        return _page(request, "mobile/gone.html", {"message": error.message}, status=404)
    content = dict(scan.card.content) if scan.card else {}
    content["hazards"] = [{**h, "label": RISK_LABELS.get(h.get("risk_level"), "")} for h in content.get("hazards", [])]
    config = {
        "token": scan.token.token,
        "post": scan.post.id,
        "enterprise": scan.enterprise.id,
        "api": "/api/v1/",
        "card": scan.card.card_id if scan.card else None,
        "fenced": scan.post.has_fence,  # the script asks for the position with a record (issue 12)
        "worker": reverse("mobile-scan-worker"),  # offline reload (issue 14)
        # One login with the supervisor pages (issue 14): the CSRF cookie their session's POSTs need, their
        # logout, and the cookie that logout leaves for this page to end its own login too.
        "csrfCookie": settings.CSRF_COOKIE_NAME,
        "logout": reverse("mobile-logout"),
        "signedOut": SIGNED_OUT_COOKIE,
    }
    context = {"scan": scan, "card": content, "config": config}
    response = _page(request, "mobile/scan.html", context)
    response["Cache-Control"] = "no-cache"  # a rotated code must show its 410 at once
    return response


@require_GET
def scan_worker(request):
    """The phone page's service worker. Served from /s/ (not /static/) so that its scope covers every
    post's page; the static URLs it keeps are today's (hashed names included)."""
    assets = json.dumps([static("mobile/app.js"), static("mobile/app.css")])
    response = render(request, "mobile/sw.js", {"assets": assets}, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"  # a new worker is picked up on the next visit
    return response


@require_GET
@login_required(login_url=reverse_lazy("mobile-login"))
def hazard_board(request):
    """The hazard board of safety officers (and read-only regulators): filters, overdue first."""
    board = selectors.hazard_board(person=request.user, params=request.GET, page_number=request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "board": board,
        "query": query.urlencode(),
        "statuses": HazardStatus.choices,
        "grades": HazardGrade.choices,
        "sources": HazardSource.choices,
        "selected": request.GET,
    }
    return _supervisor_page(request, "mobile/hazard_board.html", context)


SIGNED_OUT_COOKIE = "mingbai_signed_out"


class LogoutView(auth_views.LogoutView):
    """Logging out of the pages ends the phone page's login in this browser too: its token lives in
    localStorage, out of the server's reach, so a cookie tells the phone page on its next load."""

    next_page = reverse_lazy("mobile-login")

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response.set_cookie(
            SIGNED_OUT_COOKIE, "1", max_age=30 * 86400, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE
        )
        return response


class LoginView(auth_views.LoginView):
    """Session login of the supervisor pages (the phone page logs in through the API for a JWT).
    Failed logins count with the API's and the admin's (django-axes, core.auth): a locked-out login
    is told so here, with 429 and Retry-After."""

    template_name = "mobile/login.html"
    redirect_authenticated_user = True
    next_page = reverse_lazy("home")  # without ?next=: the way in, which sends each person to their work

    def form_invalid(self, form):
        if getattr(self.request, "axes_locked_out", False):
            wait = lockout_seconds()
            context = self.get_context_data(form=form, throttled=math.ceil(wait / 60))
            return self.render_to_response(context, status=429, headers={"Retry-After": str(wait)})
        return super().form_invalid(form)


# ---------------------------------------------------------------------------------------------
# Supervisor pages on the reports app (session login). Reads call the reports selectors, the sign-off
# calls reports.services.daily_review_sign, downloads call reports.exports / reports.stats_xlsx: the
# same functions as the API's views, so a page can never answer differently from the API.

LOGIN = reverse_lazy("mobile-login")
STATUS_LABELS = dict(CheckStatus.choices)
HAZARD_STATUS_LABELS = dict(HazardStatus.choices)
# The rows of reports.exports' tier table (its helper is private to the exports).
TIER_LABELS = [
    ("daily", gettext_lazy("日管控")),
    ("weekly", gettext_lazy("周排查")),
    ("monthly", gettext_lazy("月调度")),
    ("quarterly", gettext_lazy("季度检查")),
    ("total", gettext_lazy("合计")),
]


def _supervisor_page(request, template: str, context: dict, status: int = 200):
    return _page(request, template, {"nav": selectors.nav_for(request.user), **context}, status=status)


def _errors_as_pages(view):
    """A service's or selector's error as a page in Chinese with the API's status: another tenant's
    object 404, a worker's or a regulator's move 403, bad input 400, a signed day 409."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as error:
            context = {"message": error.message}
            return _supervisor_page(request, "mobile/error.html", context, status=error.status_code)

    return wrapper


def _local_day(value, field="date"):
    """A day as the API parses it (reports.serializers.ReportDateField), its error in Chinese."""
    if not value:
        return None
    try:
        return ReportDateField().run_validation(value)
    except ValidationError as error:
        raise ApplicationError(_("日期:%(error)s") % {"error": error.detail[0]}, field=field) from None


def _int_param(value, field: str):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApplicationError(_("参数 %(field)s 应为整数。") % {"field": field}, field=field) from None


@require_http_methods(["GET", "POST"])
@login_required(login_url=LOGIN)
@_errors_as_pages
def daily_log(request):
    """The safety officer's daily log (日管控台账) of an enterprise for a day, and its sign-off."""
    if request.method == "POST":
        return _daily_sign(request)
    page = selectors.daily_page(
        person=request.user,
        enterprise_id=_int_param(request.GET.get("enterprise"), "enterprise"),
        day=_local_day(request.GET.get("date")),
    )
    return _daily_render(request, page)


def _daily_render(request, page, *, error=None, note="", status=200, review=None):
    # What needs a look (missing, late, still due, off site, failed items) as rows; checks done on
    # time and on site only as names, so a large enterprise's day stays a light page.
    checks = [{**check, "label": STATUS_LABELS.get(check["status"], "")} for check in page.log["checks"]]
    tz = ZoneInfo(page.enterprise.timezone)
    needs_look = [
        {
            **entry,
            "texts": [flag_text(f, tz) for f in entry["flags"]],
            "looked_at": entry["inspection"] in page.looked_at,
        }
        for entry in page.log.get("needs_look", [])[:NEEDS_LOOK_SHOWN]
    ]
    context = {
        "page": page,
        "log": page.log,
        "review": page.log["review"],
        "attention": [c for c in checks if c["status"] != CheckStatus.DONE or c["off_site"] or c["failed"]],
        "fine": [c for c in checks if c["status"] == CheckStatus.DONE and not c["off_site"] and not c["failed"]],
        "hazards": [{**h, "status_label": HAZARD_STATUS_LABELS.get(h["status"], "")} for h in page.log["hazards"]],
        "needs_look": needs_look,
        "needs_look_more": max(0, len(page.log.get("needs_look", [])) - NEEDS_LOOK_SHOWN),
        "review_form": review or {},  # {inspection, note, error} of a refused look
        "review_note_max": REVIEW_NOTE_MAX,
        "error": error,
        "note": note,
        "note_max": NOTE_MAX,
    }
    return _supervisor_page(request, "mobile/daily_log.html", context, status=status)


def _daily_sign(request):
    """The same service as POST /api/v1/reviews/daily/; its refusals are shown on the page."""
    enterprise_id = _int_param(request.POST.get("enterprise"), "enterprise")
    day = _local_day(request.POST.get("date"))
    note = request.POST.get("note", "").strip()
    page = selectors.daily_page(person=request.user, enterprise_id=enterprise_id, day=day)
    if day is None:
        return _daily_render(request, page, error=_("请选择日期。"), note=note, status=400)
    if len(note) > NOTE_MAX:
        message = _("审核意见不能超过 %(max)s 个字。") % {"max": NOTE_MAX}
        return _daily_render(request, page, error=message, note=note, status=400)
    try:
        services.daily_review_sign(by=request.user, enterprise=page.enterprise, day=day, note=note)
    except ApplicationError as error:
        return _daily_render(request, page, error=error.message, note=note, status=error.status_code)
    query = urlencode({"enterprise": page.enterprise.id, "date": day.isoformat()})
    return redirect(f"{reverse('mobile-daily')}?{query}")


@require_POST
@login_required(login_url=LOGIN)
@_errors_as_pages
def daily_flag_review(request):
    """Mark a flagged record of the day log as looked at, with a note: the service of
    POST /api/v1/inspections/{id}/reviews/ (CSRF-protected form); its refusals are shown on the page."""
    enterprise_id = _int_param(request.POST.get("enterprise"), "enterprise")
    day = _local_day(request.POST.get("date"))
    inspection_id = _int_param(request.POST.get("inspection"), "inspection")
    note = request.POST.get("note", "").strip()
    page = selectors.daily_page(person=request.user, enterprise_id=enterprise_id, day=day)
    try:
        if len(note) > REVIEW_NOTE_MAX:
            raise ApplicationError(_("核查意见不能超过 %(max)s 个字。") % {"max": REVIEW_NOTE_MAX}, field="note")
        inspection = access_inspection(request.user, inspection_id, write=True)
        if inspection.enterprise_id != page.enterprise.id:
            raise NotFound(_("未找到。"))
        flag_review_add(by=request.user, inspection=inspection, note=note)
    except ApplicationError as error:
        form = {"inspection": inspection_id, "note": note, "error": error.message}
        listed = {entry["inspection"] for entry in page.log.get("needs_look", [])}
        shown_above = None if inspection_id in listed else error.message  # no form of that record to show it at
        return _daily_render(request, page, review=form, error=shown_above, status=error.status_code)
    query = urlencode({"enterprise": page.enterprise.id, "date": page.day.isoformat()})
    return redirect(f"{reverse('mobile-daily')}?{query}#needs-look")


@require_GET
@login_required(login_url=LOGIN)
@_errors_as_pages
def dispatch_list(request):
    filters, page = selectors.dispatch_page(
        person=request.user, params=request.GET, page_number=request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "enterprises": selectors.report_enterprises(request.user)[: selectors.CHOOSER_MAX + 1],
        "chooser_max": selectors.CHOOSER_MAX,
        "selected": request.GET,
        "generator": selectors.report_generator(request.user, kind=MONTHLY, roles=DISPATCH_WRITE_ROLES),
    }
    return _supervisor_page(request, "mobile/dispatch_list.html", context)


@require_GET
@login_required(login_url=LOGIN)
@_errors_as_pages
def dispatch_detail(request, pk: int):
    dispatch = selectors.dispatch_get(person=request.user, pk=pk)
    completion, hazards = charts.dispatch_charts(dispatch.figures)
    checks = dispatch.figures["checks"]
    context = {
        "dispatch": dispatch,
        "figure_rows": exports.dispatch_figure_rows(dispatch),
        "tiers": [(label, checks[key]) for key, label in TIER_LABELS],
        "completion_chart": completion,
        "hazards_chart": hazards,
    }
    return _supervisor_page(request, "mobile/dispatch_detail.html", context)


@require_GET
@login_required(login_url=LOGIN)
@_errors_as_pages
def dispatch_file(request, pk: int, extension: str):
    """The API's .xlsx / .pdf renderings (reports.exports) for the session of the pages: the API's
    URLs need a JWT, which a link on a server-rendered page cannot carry."""
    dispatch = selectors.dispatch_get(person=request.user, pk=pk)
    name = f"dispatch-{dispatch.enterprise_id}-{dispatch.month}.{extension}"
    if extension == "pdf":
        return file_response(exports.dispatch_pdf(dispatch), PDF_MEDIA_TYPE, name)
    return file_response(exports.dispatch_xlsx(dispatch), XLSX_MEDIA_TYPE, name)


@require_GET
@login_required(login_url=LOGIN)
@_errors_as_pages
def region_view(request):
    """The regulator's region view: the month's stats per region below the chosen one, and per
    enterprise, with the missed targets highlighted; ?region=<id> drills down."""
    month = request.GET.get("month") or None
    region = _int_param(request.GET.get("region"), "region")
    page = selectors.region_page(person=request.user, month=month, region=region)
    targets = page.by_region.targets
    rows = lambda stats: [(row, targets_missed(row.figures)) for row in stats.rows]  # noqa: E731
    query = {"month": page.by_region.month, **({"region": region} if region else {})}
    context = {
        "page": page,
        "stats": page.by_region,
        "region_rows": rows(page.by_region),
        "enterprise_rows": rows(page.by_enterprise),
        "total": page.by_enterprise.total,
        "total_missed": targets_missed(page.by_enterprise.total),
        "targets": targets,
        "targets_sentence": targets_sentence(),
        "month": page.by_region.month,
        # Issue 14: a month not yet over is said so, and its misses so far are not painted red.
        "in_progress": page.by_region.month == timezone.localdate().strftime("%Y-%m"),
        "xlsx_query": urlencode(query),
        # Issue 16: the supervised major hazards of the region (overdue first) and the month's major
        # hazards by clause; rendered by hazards/region_major.html.
        **hazard_selectors.region_major_context(request.user, month=page.by_region.month),
    }
    return _supervisor_page(request, "mobile/region.html", context)


@require_GET
@login_required(login_url=LOGIN)
@_errors_as_pages
def region_xlsx(request):
    """GET /api/v1/stats.xlsx for the session of the pages (one line per enterprise, the total last)."""
    stats = stats_for(
        request.user,
        month=request.GET.get("month") or None,
        region=_int_param(request.GET.get("region"), "region"),
    )
    return file_response(stats_xlsx(stats), XLSX_MEDIA_TYPE, f"stats-{stats.month}.xlsx")
