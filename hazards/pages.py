"""The page a phone opens from a post's card to report a hazard (有奖举报, seed item 62): no login,
throttled per client. Its own page and template, linked from the post's phone page."""

import math

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_http_methods
from rest_framework.throttling import SimpleRateThrottle

from core.errors import ApplicationError, Gone, NotFound
from hazards.services import public_report_submit
from qr.selectors import qr_scan_resolve

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


class PublicReportThrottle(SimpleRateThrottle):
    """Per client address (the proxies counted as settings.TRUSTED_PROXY_COUNT says, as for logins)."""

    scope = "public_report"

    def get_rate(self):
        return getattr(settings, "PUBLIC_REPORT_RATE", "5/hour")

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _render(request, context: dict, status: int = 200):
    response = render(request, "hazards/public_report.html", context, status=status)
    response["Content-Security-Policy"] = CSP
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def public_report_page(request, token: str):
    try:
        scan = qr_scan_resolve(token=token, person=None)
    except (Gone, NotFound) as error:
        return _render(request, {"gone": error.message}, status=410 if isinstance(error, Gone) else 404)
    context = {"scan": scan, "form": {}}
    if request.method == "GET":
        return _render(request, context)
    form = {"description": request.POST.get("description", ""), "phone": request.POST.get("phone", "")}
    throttle = PublicReportThrottle()
    if not throttle.allow_request(request, None):
        wait = int(throttle.wait() or 60)
        # What was typed stays in the form for the next try; a file input cannot be refilled.
        minutes = math.ceil(wait / 60)
        context.update(form=form, error=f"提交过于频繁,请 {minutes} 分钟后再试。已填写的内容仍在下方,照片需重新选择。")
        response = _render(request, context, status=429)
        response["Retry-After"] = str(wait)
        return response
    try:
        public_report_submit(post=scan.post, photo=request.FILES.get("photo"), **form)
    except ApplicationError as error:
        context.update(form=form, error=error.message, field=error.field)
        return _render(request, context, status=400)
    return _render(request, {"scan": scan, "done": True})
