"""Pages of the risk register: the public page a 风险告知卡's QR code opens, and the four-colour map."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.views.decorators.http import require_GET

from mobile.views import LOGIN, _errors_as_pages, _page, _supervisor_page
from orgs.models import RiskLevel
from risks.map import risk_map_svg
from risks.models import RiskPoint
from risks.selectors import access_enterprise_register, public_risk_point

RISK_LABELS = {level.value: str(level.label) for level in RiskLevel}


@require_GET
def risk_point_page(request, token: str):
    """What the notice card says, public like the card on the wall (by its random token, never by id)."""
    point = public_risk_point(token)
    if point is None:
        raise Http404
    context = {"point": point, "level_label": RISK_LABELS.get(point.level, "未评价")}
    return _page(request, "mobile/risk_point.html", context)


@require_GET
@login_required(login_url=LOGIN)
@_errors_as_pages
def risk_map_page(request, pk: int):
    """The four-colour map of an enterprise the person may read, with the list of its points."""
    enterprise = access_enterprise_register(request.user, pk)
    points = RiskPoint.objects.filter(enterprise=enterprise, active=True).order_by("name")
    context = {"enterprise": enterprise, "svg": risk_map_svg(enterprise), "points": points, "labels": RISK_LABELS}
    return _supervisor_page(request, "mobile/risk_map.html", context)
