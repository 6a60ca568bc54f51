"""The hazard page of the supervisor pages (issue 14): a hazard with its photos and history, and the moves
the person may make (assign, rectify, accept, send back) as forms. Each form is parsed by the API's input
serializer and handled by the same hazards service as POST /api/v1/hazards/{id}/<move>/, so a page cannot
answer differently from the API; a refusal is shown on the page with the API's status."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from checklists import photo_display
from checklists.models import HazardGrade
from checklists.selectors import access_photo
from checklists.serializers import PhotoUploadSerializer
from checklists.services import photo_upload
from core.errors import ApplicationError, NotFound
from hazards import services
from hazards.models import RectificationMode
from hazards.selectors import access_hazard_photo
from hazards.serializers import (
    NOTE_MAX,
    HazardAcceptSerializer,
    HazardAssignSerializer,
    HazardClassifySerializer,
    HazardRejectSerializer,
    HazardSubmitSerializer,
)
from mobile import selectors
from mobile.forms import api_parse
from mobile.views import LOGIN, _errors_as_pages, _supervisor_page

FIELD_LABELS = {
    "responsible": gettext_lazy("整改责任人"),
    "deadline": gettext_lazy("整改期限"),
    "measures": gettext_lazy("整改措施"),
    "rectification_mode": gettext_lazy("整改方式"),
    "note": gettext_lazy("说明"),
    "photos": gettext_lazy("照片"),
    "image": gettext_lazy("照片"),
    "grade": gettext_lazy("隐患等级"),
    "basis_clause": gettext_lazy("判定依据"),
}
DEFAULT_DAYS = 7  # the deadline the assignment form proposes: a week from today, at 18:00


def _parsed(serializer_class, data: dict, **context) -> dict:
    return api_parse(serializer_class, data, FIELD_LABELS, **context)


def _local_instant(value: str, tz: str) -> str:
    """A datetime-local value (wall time of the enterprise) as an ISO instant with its offset."""
    try:
        wall = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ApplicationError(_("整改期限:请选择日期和时间。"), field="deadline") from None
    return wall.replace(tzinfo=ZoneInfo(tz)).isoformat()


def _photo(request, *, required: bool) -> list[int]:
    """The form's photo stored as POST /api/v1/photos/ stores it (idempotent on the form's uuid)."""
    upload = request.FILES.get("photo")
    if upload is None:
        if required:
            raise ApplicationError(_("请拍摄或选择照片。"), field="photos")
        return []
    data = _parsed(PhotoUploadSerializer, {"client_uuid": request.POST.get("client_uuid"), "image": upload})
    photo, _created = photo_upload(by=request.user, client_uuid=data["client_uuid"], upload=data["image"])
    return [photo.id]


def _assign(request, hazard):
    data = request.POST.dict()
    data["deadline"] = _local_instant(data.get("deadline", ""), hazard.enterprise.timezone)
    parsed = _parsed(HazardAssignSerializer, data, hazard=hazard)
    services.hazard_assign(hazard=hazard, by=request.user, **parsed)
    return _("已指派整改。")


def _submit(request, hazard):
    data = {"note": request.POST.get("note", ""), "photos": _photo(request, required=True)}
    services.hazard_submit(hazard=hazard, by=request.user, **_parsed(HazardSubmitSerializer, data))
    return _("已提交验收。")


def _accept(request, hazard):
    services.hazard_accept(hazard=hazard, by=request.user, **_parsed(HazardAcceptSerializer, request.POST.dict()))
    return _("已验收销号。")


def _reject(request, hazard):
    data = {"note": request.POST.get("note", ""), "photos": _photo(request, required=False)}
    services.hazard_reject(hazard=hazard, by=request.user, **_parsed(HazardRejectSerializer, data))
    return _("已退回整改。")


def _classify(request, hazard):
    data = request.POST.dict()
    data["basis_clause"] = data.get("basis_clause") or None
    services.hazard_classify(hazard=hazard, by=request.user, **_parsed(HazardClassifySerializer, data))
    return _("已更新隐患等级和判定依据。")


MOVES = {"assign": _assign, "submit": _submit, "accept": _accept, "reject": _reject, "classify": _classify}


def _render(request, page, *, move: str = "", error: str = "", status: int = 200):
    tz = ZoneInfo(page.hazard.enterprise.timezone)
    proposed = (timezone.now().astimezone(tz) + timedelta(days=DEFAULT_DAYS)).replace(
        hour=18, minute=0, second=0, microsecond=0
    )
    context = {
        "page": page,
        "hazard": page.hazard,
        "moves": page.moves,
        "modes": RectificationMode.choices,
        "grades": HazardGrade.choices,
        "proposed_deadline": proposed.strftime("%Y-%m-%dT%H:%M"),
        "failed_move": move,
        "error": error,
        "form": request.POST if error else {},
        "client_uuid": uuid.uuid4(),
        "note_max": NOTE_MAX,
    }
    return _supervisor_page(request, "mobile/hazard_detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required(login_url=LOGIN)
@_errors_as_pages
def hazard_detail(request, pk: int):
    page = selectors.hazard_page(person=request.user, pk=pk)
    if request.method == "GET":
        return _render(request, page)
    move = request.POST.get("move", "")
    if move not in MOVES:
        return _render(request, page, error=_("未知的操作。"), status=400)
    try:
        done = MOVES[move](request, page.hazard)
    except ApplicationError as error:
        return _render(request, page, move=move, error=error.message, status=error.status_code)
    messages.success(request, done)
    return redirect(reverse("mobile-hazard", args=[page.hazard.pk]))


@require_GET
@login_required(login_url=LOGIN)
@_errors_as_pages
def photo_jpeg(request, pk: int):
    """The watermarked display copy of a photo (GET /api/v1/photos/{id}/display.jpg) for the pages,
    also for the photos of a hazard the person reads (its finding, rectification and rejection photos),
    which the archive's rule alone (photos of readable records) does not reach."""
    try:
        photo = access_hazard_photo(request.user, pk)
    except NotFound:
        photo = access_photo(request.user, pk)
    return photo_display.photo_jpeg_response(request, photo)
