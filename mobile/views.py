"""Server-rendered pages. Thin: one selector call, one template. The phone page's writes go through the
JSON API (its script calls /api/v1/...), so the pages add no second path into the services."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET
from rest_framework.throttling import SimpleRateThrottle

from checklists.models import HazardGrade
from core.errors import Gone, NotFound
from hazards.models import HazardSource, HazardStatus
from mobile import selectors
from orgs.models import RiskLevel
from qr.selectors import qr_scan_resolve

RISK_LABELS = {level.value: str(level.label) for level in RiskLevel}

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
    }
    context = {"scan": scan, "card": content, "config": config}
    response = _page(request, "mobile/scan.html", context)
    response["Cache-Control"] = "no-cache"  # a rotated code must show its 410 at once
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
    return _page(request, "mobile/hazard_board.html", context)


class PageLoginThrottle(SimpleRateThrottle):
    """The API's login rate (LOGIN_THROTTLE_RATE) for the page login too, so it is no way around it."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": "page-login", "ident": self.get_ident(request)}


class LoginView(auth_views.LoginView):
    """Session login of the supervisor pages (the phone page logs in through the API for a JWT)."""

    template_name = "mobile/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        throttle = PageLoginThrottle()
        if not throttle.allow_request(request, self):
            wait = int(throttle.wait() or 60)
            context = self.get_context_data(form=self.get_form(), throttled=wait)
            return self.render_to_response(context, status=429, headers={"Retry-After": str(wait)})
        return super().post(request, *args, **kwargs)
