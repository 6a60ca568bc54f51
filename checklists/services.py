"""Writes with rules: checklist templates, photos and the inspection archive."""

import hashlib
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import BytesIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from checklists import geofence, photo_reuse
from checklists.archive import archive_hash, canonical_json, inspection_record, utc_iso
from checklists.expected import slot_in_plan
from checklists.flags import NO_SCAN_EVENT, PHOTO_TIME_MISSING, PHOTO_TIME_SKEW, TOO_FAST, flag
from checklists.models import (
    ArchiveHead,
    ChecklistItem,
    ChecklistTemplate,
    CheckValue,
    FlagReview,
    Inspection,
    InspectionResult,
    ItemKind,
    Outcome,
    Photo,
    ScanEvent,
)
from checklists.periods import period_kind_for, period_of
from checklists.tallies import tally_inspection
from core.errors import ApplicationError, Conflict, Forbidden, NotFound
from orgs.models import SAFETY_MANAGER_ROLES, Person, Post, PostQrToken
from orgs.selectors import access_post, person_holds_post, role_required

register_heif_opener()  # lets Pillow open HEIC/HEIF (iPhone photos); the stored copy is still a JPEG

# ---------------------------------------------------------------------------------------------
# Checklist templates


@transaction.atomic
def template_save(*, by: Person, template: ChecklistTemplate | None, data: dict) -> ChecklistTemplate:
    """Create or update a template with its items.

    Items given with an id are updated, without one created; items left out are deactivated, never
    deleted, because archive records point at them.
    """
    enterprise = data.get("enterprise") or template.enterprise
    role_required(by, enterprise.id, SAFETY_MANAGER_ROLES)
    if template is not None and enterprise.id != template.enterprise_id:
        raise ApplicationError(_("检查表不能移到其他企业。"), field="enterprise")
    posts = data.get("posts")
    if posts is not None:
        foreign = [p.id for p in posts if p.enterprise_id != enterprise.id]
        if foreign:
            raise ApplicationError(_("岗位 %(ids)s 不属于该企业。") % {"ids": foreign}, field="posts")

    if template is None:
        template = ChecklistTemplate(enterprise=enterprise)
    for field in ("name", "tier", "active", "min_seconds_per_item"):
        if field in data:
            setattr(template, field, data[field])
    template.save()
    if posts is not None:
        template.posts.set(posts)

    items = data.get("items")
    if items is not None:
        existing = {item.id: item for item in template.items.all()}
        kept = set()
        for order, item_data in enumerate(items, start=1):
            item_id = item_data.get("id")
            if item_id is not None and item_id not in existing:
                raise ApplicationError(
                    _("检查项 %(id)s 不属于此检查表。") % {"id": item_id}, field=f"items[{order - 1}].id"
                )
            control = item_data.get("control")
            if control is not None and control.enterprise_id != enterprise.id:
                raise ApplicationError(_("管控措施不属于该企业。"), field=f"items[{order - 1}].control")
            item = existing.get(item_id) or ChecklistItem(template=template)
            for field, value in item_data.items():
                if field != "id":
                    setattr(item, field, value)
            item.order = order
            item.active = True
            item.save()
            kept.add(item.id)
        template.items.exclude(id__in=kept).update(active=False)
    return template


# ---------------------------------------------------------------------------------------------
# Photos

ALLOWED_PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF"}  # HEIF: iPhones send HEIC by default
THUMBNAIL_SIDE = 320
EXIF_IFD, EXIF_DATETIME_ORIGINAL = 0x8769, 0x9003


@dataclass(frozen=True)
class PreparedPhoto:
    image: bytes
    thumbnail: bytes
    width: int
    height: int
    taken_at: datetime | None
    fingerprint: photo_reuse.Fingerprint


def _photo_taken_at(exif) -> datetime | None:
    raw = exif.get_ifd(EXIF_IFD).get(EXIF_DATETIME_ORIGINAL)
    try:
        # EXIF has no time zone: read it as the server's local time (Asia/Shanghai by default).
        naive = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        taken_at = timezone.make_aware(naive)
        taken_at.astimezone(UTC)  # year 1 in Beijing is before UTC's year 1: no instant (it was a 500)
        return taken_at
    except (TypeError, ValueError, OverflowError):
        return None


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = BytesIO()
    # No exif= argument: the stored copy carries no EXIF at all, so GPS position and device data
    # never leave the phone's original.
    image.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


def photo_prepare(data: bytes) -> PreparedPhoto:
    """Check that the bytes are a real photo of a sane size and make the stored copy and thumbnail."""
    not_an_image = ApplicationError(_("上传的文件不是有效的图片。"), field="image", code="invalid_image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as opened:
                if opened.format not in ALLOWED_PHOTO_FORMATS:
                    raise ApplicationError(
                        _("仅支持 JPEG、PNG、WebP、HEIC 格式的照片。"), field="image", code="unsupported_image"
                    )
                # The header is read, the pixels are not: refuse a decompression bomb before decoding.
                if opened.width * opened.height > settings.PHOTO_MAX_PIXELS:
                    raise ApplicationError(_("图片像素过大。"), field="image", code="image_too_large")
                taken_at = _photo_taken_at(opened.getexif())
                image = ImageOps.exif_transpose(opened)  # phones store rotation in EXIF; apply it
                image = image.convert("RGB")
    except ApplicationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise not_an_image from None
    except (OSError, SyntaxError, ValueError):  # truncated or corrupt files
        raise not_an_image from None
    image.thumbnail((settings.PHOTO_MAX_SIDE, settings.PHOTO_MAX_SIDE))
    stored = _jpeg(image, 85)
    thumb = image.copy()
    thumb.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    fingerprint = photo_reuse.fingerprints(image)  # perceptual hashes, for the reuse check
    return PreparedPhoto(stored, _jpeg(thumb, 75), image.width, image.height, taken_at, fingerprint)


def _photo_replay(existing: Photo, *, by: Person, sha256: str) -> Photo:
    if existing.uploaded_by_id != by.id or existing.sha256 != sha256:
        raise Conflict(_("该 client_uuid 已用于另一张照片。"), field="client_uuid")
    return existing


def photo_upload(*, by: Person, client_uuid, upload) -> tuple[Photo, bool]:
    """Store a photo once per client_uuid. Returns (photo, created); a replay of the same bytes by
    the same person returns the stored photo, other bytes under the same uuid are a 409.
    `upload` is an UploadedFile: its size is checked before anything is read into memory."""
    if upload.size > settings.PHOTO_MAX_BYTES:
        raise ApplicationError(
            _("照片不能超过 %(mb)s MB。") % {"mb": settings.PHOTO_MAX_BYTES // (1024 * 1024)},
            field="image",
            code="image_too_large",
        )
    return photo_store(by=by, client_uuid=client_uuid, data=upload.read())


def photo_store(*, by: Person, client_uuid, data: bytes) -> tuple[Photo, bool]:
    """photo_upload for bytes already in hand (a public report's photo made evidence of its hazard)."""
    sha256 = hashlib.sha256(data).hexdigest()
    existing = Photo.objects.filter(client_uuid=client_uuid).first()
    if existing:
        return _photo_replay(existing, by=by, sha256=sha256), False
    prepared = photo_prepare(data)
    photo = Photo(
        client_uuid=client_uuid,
        uploaded_by=by,
        sha256=sha256,
        width=prepared.width,
        height=prepared.height,
        size_bytes=len(data),
        taken_at=prepared.taken_at,
        phash=prepared.fingerprint.phash,
        region_hashes=list(prepared.fingerprint.regions),
    )
    photo.image.save(f"{client_uuid}.jpg", ContentFile(prepared.image), save=False)
    photo.thumbnail.save(f"{client_uuid}.jpg", ContentFile(prepared.thumbnail), save=False)
    try:
        with transaction.atomic():
            photo.save()
    except IntegrityError:
        # Two copies of the same upload raced; the other one won. Answer as a replay.
        photo.image.delete(save=False)
        photo.thumbnail.delete(save=False)
        return _photo_replay(Photo.objects.get(client_uuid=client_uuid), by=by, sha256=sha256), False
    return photo, True


# ---------------------------------------------------------------------------------------------
# Inspections: the archive

# Apps above checklists in the dependency order act on each stored inspection inside its
# transaction (hazards opens a hazard per failed item); they register here when Django starts.
InspectionHook = Callable[[Inspection, list[InspectionResult]], None]
_on_store_hooks: list[InspectionHook] = []


def inspection_on_store(hook: InspectionHook) -> InspectionHook:
    if hook not in _on_store_hooks:
        _on_store_hooks.append(hook)
    return hook


# The longest period of the calendar (a quarter): a capture time further back than the late limit plus
# this is refused before its period is computed (year 1 is not even a period in a zone west of UTC).
LONGEST_PERIOD = timedelta(days=92)
CHECK_OUTCOMES = {CheckValue.OK: Outcome.OK, CheckValue.NOT_OK: Outcome.FAILED, CheckValue.NA: Outcome.NA}


def inspection_request_hash(*, by: Person, data: dict) -> str:
    """Hash of what the client sent (and who sent it): a replay must match it exactly."""
    results = sorted(
        (
            {
                "item": r["item"],
                "value": r.get("value"),
                "note": r.get("note", ""),
                "photos": sorted(r.get("photos", [])),
            }
            for r in data["results"]
        ),
        key=lambda r: r["item"],
    )
    content = {
        "by": by.id,
        "template": data["template"],
        "post": data["post"],
        "scan_token": data.get("scan_token") or "",
        "started_at": utc_iso(data["started_at"]),
        "corrects": data.get("corrects"),
        "results": results,
    }
    # Issue 12's fields only when sent: requests without them hash as they always did.
    if data.get("scan_event") is not None:
        content["scan_event"] = data["scan_event"]
    if data.get("finished_at") is not None:
        content["finished_at"] = utc_iso(data["finished_at"])
    if data.get("position"):  # only when sent: requests without one hash as they always did
        content["position"] = {k: data["position"][k] for k in ("latitude", "longitude", "accuracy")}
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def _unencodable(value: str) -> bool:
    """A lone surrogate ("\\ud800" in JSON) parses but cannot be stored as UTF-8 (it was a 500)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def number_text(number: Decimal) -> str:
    """A bound as people write it: 100, 0.5 (Decimal's normalize() alone says 1E+2)."""
    return format(number.normalize(), "f")


def _item_value_error(item: ChecklistItem, value) -> str | None:
    """Why `value` does not fit the item's kind and bounds, or None."""
    if item.kind == ItemKind.CHECK:
        if not isinstance(value, str) or value not in CHECK_OUTCOMES:  # a list or object is unhashable
            return _("应为 ok、not_ok 或 na。")
    elif item.kind == ItemKind.NUMBER:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return _("应为数值。")
        number = Decimal(str(value))
        if item.min_value is not None and number < item.min_value:
            return _("不能小于 %(min)s%(unit)s。") % {"min": number_text(item.min_value), "unit": item.unit}
        if item.max_value is not None and number > item.max_value:
            return _("不能大于 %(max)s%(unit)s。") % {"max": number_text(item.max_value), "unit": item.unit}
    elif item.kind == ItemKind.TEXT:
        if not isinstance(value, str) or len(value) > 1000:
            return _("应为不超过1000字的文字。")
        if "\x00" in value or _unencodable(value):
            return _("含有不允许的字符。")
    elif item.kind == ItemKind.PHOTO and value is not None:
        return _("照片项不填数值,照片放在 photos 中。")
    return None


def _outcome(item: ChecklistItem, value) -> str:
    if value is None:  # an optional item left blank, of any kind
        return Outcome.NA
    if item.kind == ItemKind.CHECK:
        return CHECK_OUTCOMES[value]
    if item.kind == ItemKind.NUMBER:
        reading = Decimal(str(value))
        if (item.normal_min is not None and reading < item.normal_min) or (
            item.normal_max is not None and reading > item.normal_max
        ):
            return Outcome.FAILED
    return Outcome.OK


def _template_and_items(post: Post, template_id) -> tuple[ChecklistTemplate, list[ChecklistItem]]:
    """The post's active template and its active items, in one query (two for a template without items)."""
    items = list(
        ChecklistItem.objects.filter(
            template_id=template_id, template__active=True, template__posts=post, active=True
        ).select_related("template")
    )
    if items:
        return items[0].template, items
    try:
        return post.checklist_templates.get(pk=template_id, active=True), []
    except ChecklistTemplate.DoesNotExist:
        raise ApplicationError(_("该检查表不适用于此岗位。"), field="template") from None


def _build_results(*, by: Person, items: list[ChecklistItem], submitted: list[dict]) -> list[InspectionResult]:
    """Validate every submitted result against the template's items; report all problems at once."""
    items = {item.id: item for item in items}
    photo_ids = {pid for r in submitted for pid in r.get("photos", [])}
    photos = {p.id: p for p in Photo.objects.filter(id__in=photo_ids, uploaded_by=by)} if photo_ids else {}
    errors: list[dict] = []

    def error(field, message, code="invalid"):
        errors.append({"field": field, "code": code, "message": message})

    results, seen = [], set()
    for index, entry in enumerate(submitted):
        where = f"results[{index}]"
        item = items.get(entry["item"])
        if item is None:  # unknown, inactive or another template's item: said the same way
            error(f"{where}.item", _("检查项 %(id)s 不属于此检查表。") % {"id": entry["item"]}, "unknown_item")
            continue
        if item.id in seen:
            error(f"{where}.item", _("检查项 %(id)s 重复提交。") % {"id": item.id}, "duplicate_item")
            continue
        seen.add(item.id)
        value = entry.get("value")
        entry_photos = entry.get("photos", [])
        if value is None and item.kind != ItemKind.PHOTO:
            if item.required:
                error(f"{where}.value", _("「%(label)s」为必填项。") % {"label": item.label}, "required")
                continue
        elif problem := _item_value_error(item, value):
            error(f"{where}.value", f"「{item.label}」{problem}", "invalid_value")
            continue
        missing = [pid for pid in entry_photos if pid not in photos]
        if missing:
            error(f"{where}.photos", _("照片 %(ids)s 不存在。") % {"ids": missing}, "unknown_photo")
            continue
        outcome = _outcome(item, value)
        if item.kind == ItemKind.PHOTO:
            if item.required and not entry_photos:
                error(f"{where}.photos", _("「%(label)s」须拍照。") % {"label": item.label}, "photo_required")
                continue
            outcome = Outcome.OK if entry_photos else Outcome.NA
        if outcome == Outcome.FAILED and item.photo_on_fail and not entry_photos:
            error(f"{where}.photos", _("「%(label)s」异常时须拍照。") % {"label": item.label}, "photo_required")
            continue
        result = InspectionResult(
            item=item, item_label=item.label, kind=item.kind, value=value, outcome=outcome, note=entry.get("note", "")
        )
        result.photo_objects = [photos[pid] for pid in entry_photos]
        results.append(result)

    for item in items.values():
        if item.required and item.id not in seen:
            message = _("缺少必填检查项 %(id)s「%(label)s」。") % {"id": item.id, "label": item.label}
            error("results", message, "required")
    if errors:
        first = errors[0]
        raise ApplicationError(f"{first['field']}: {first['message']}", field=first["field"], errors=errors)
    return results


def _may_inspect(by: Person, post: Post) -> None:
    """Holders of the post check it; safety managers may check any post of their enterprise.
    `post` comes from access_post(..., write=True)."""
    role = post.person_role
    if role in SAFETY_MANAGER_ROLES or by.is_superuser:
        return
    if not person_holds_post(by, post):
        raise Forbidden(_("您不在该岗位,不能提交此岗位的检查记录。"))


def _replay(existing: Inspection, *, by: Person, request_hash: str) -> Inspection:
    if existing.request_hash != request_hash or existing.submitted_by_id != by.id:
        raise Conflict(_("该 client_uuid 已用于另一份检查记录。"), field="client_uuid")
    return existing


def _lock_archive_head(enterprise_id: int) -> ArchiveHead:
    try:
        return ArchiveHead.objects.select_for_update().get(pk=enterprise_id)
    except ArchiveHead.DoesNotExist:
        ArchiveHead.objects.get_or_create(pk=enterprise_id)  # first record of this enterprise
        return ArchiveHead.objects.select_for_update().get(pk=enterprise_id)


def inspection_submit(*, by: Person, data: dict) -> tuple[Inspection, bool]:
    """Append one inspection to the enterprise's archive. Returns (inspection, created).

    `data` is the shape-checked request. Idempotent on client_uuid: the same content again returns
    the stored record (created=False), other content is a 409. Stored whole or not at all; the
    number of queries does not depend on the number of items.
    """
    request_hash = inspection_request_hash(by=by, data=data)
    try:
        inspection, results, period = _inspection_prepare(by=by, data=data, request_hash=request_hash)
    except (ApplicationError, Forbidden, NotFound):
        # A replay gets the stored record even when it no longer passes: the post's template or the
        # person's post may have changed since (an offline queue can resend days later). A replay
        # that passes is found by the lookup under the lock, so a new record costs no lookup here.
        existing = Inspection.objects.filter(client_uuid=data["client_uuid"]).first()
        if existing:
            return _replay(existing, by=by, request_hash=request_hash), False
        raise
    try:
        with transaction.atomic():
            head = _lock_archive_head(inspection.enterprise_id)
            # Under the lock, one query: is this request stored already (an earlier send, or a copy
            # that committed while we waited), and has the slot (post, template, period) its first
            # record (at most one, by constraint)? The new record is the slot's first when it has none.
            # Race-free under the lock; the unique constraints back it up.
            slot = Q(post=inspection.post_id, template=inspection.template_id, period=inspection.period)
            seen = dict(  # {pk: client_uuid}: at most two rows
                Inspection.objects.filter(
                    Q(client_uuid=inspection.client_uuid) | slot & Q(first_of_slot=True)
                ).values_list("pk", "client_uuid")
            )
            stored = next((pk for pk, client_uuid in seen.items() if client_uuid == inspection.client_uuid), None)
            if stored:
                return _replay(Inspection.objects.get(pk=stored), by=by, request_hash=request_hash), False
            inspection.first_of_slot = not seen
            # The server's clock is read again under the lock, so that within an enterprise (and so
            # within a slot) records are stored in the order of their received_at: a slot's first record
            # is then its earliest, late only when all its records are (the rule of checklists_due that
            # the statistics count with first_of_slot).
            inspection.received_at = max(inspection.received_at, timezone.now())
            inspection.late = inspection.received_at >= period.end
            inspection.in_plan = slot_in_plan(
                template_id=inspection.template_id,
                post_id=inspection.post_id,
                tier=inspection.tier,
                period=period,
                at=inspection.received_at,
            )
            inspection.sequence = head.last_sequence + 1
            inspection.prev_hash = head.last_hash
            photo_hashes = {id(r): [p.sha256 for p in r.photo_objects] for r in results}
            inspection.hash = archive_hash(head.last_hash, inspection_record(inspection, results, photo_hashes))
            inspection.save()
            for result in results:
                result.inspection = inspection
            InspectionResult.objects.bulk_create(results)
            links = [
                InspectionResult.photos.through(inspectionresult_id=r.id, photo_id=p.id)
                for r in results
                for p in r.photo_objects
            ]
            if links:
                InspectionResult.photos.through.objects.bulk_create(links)
                photo_reuse.photo_uses_store(inspection, results)  # where the next records look for reuse
            for hook in _on_store_hooks:
                hook(inspection, results)
            head.last_sequence, head.last_hash = inspection.sequence, inspection.hash
            # Counted for the statistics (checklists.tallies): the record, and a check done when it is the slot's first.
            tally_inspection(head.slot_tallies, inspection)
            head.save(update_fields=["last_sequence", "last_hash", "slot_tallies"])
    except IntegrityError:
        # The same client_uuid was stored concurrently under another enterprise's lock.
        existing = Inspection.objects.filter(client_uuid=data["client_uuid"]).first()
        if existing is None:
            raise
        return _replay(existing, by=by, request_hash=request_hash), False
    return inspection, True


def _clock_skew() -> timedelta:
    """How far a phone's clock may run ahead of the server's and still be believed."""
    return timedelta(seconds=settings.INSPECTION_CLOCK_SKEW_SECONDS)


def _capture_period(started_at: datetime, received_at: datetime, *, template: ChecklistTemplate, enterprise):
    """The period a record is for, derived from its capture time (the phone's claim), or a 400 naming
    started_at: later than the server's clock plus INSPECTION_CLOCK_SKEW_SECONDS, or in a period that
    closed more than INSPECTION_MAX_BACKDATE_DAYS before receipt (a late record, 补录, of a recently
    closed period is accepted and flagged late). No query: the enterprise is loaded with the post."""
    if started_at > received_at + _clock_skew():
        raise ApplicationError(_("开始时间不能晚于当前时间。"), field="started_at", code="started_at_in_future")
    max_days = settings.INSPECTION_MAX_BACKDATE_DAYS
    too_old = ApplicationError(
        _("开始时间过早:该记录所属周期已结束超过 %(days)s 天,不能补录。") % {"days": max_days},
        field="started_at",
        code="started_at_too_old",
    )
    oldest_end = received_at - timedelta(days=max_days)  # the earliest end of a period still open to late records
    if started_at < oldest_end - LONGEST_PERIOD:
        raise too_old
    period_kind = period_kind_for(template.tier, high_risk=enterprise.is_high_risk)
    period = period_of(period_kind, started_at, enterprise.timezone)
    if period.end < oldest_end:
        raise too_old
    return period


@dataclass(frozen=True)
class ScanEvidence:
    """What a new record's scan says: the token and scan event it keeps, and whether it is on site."""

    token: PostQrToken | None
    event_id: int | None
    on_site: bool
    flags: list[dict]


def _scan_window(started_at: datetime) -> tuple[datetime, datetime]:
    """Scans that make a record started at `started_at` on site: at most SCAN_EVENT_WINDOW_MINUTES
    before, or up to the clock skew allowed after (the phone's clock may run behind the server's)."""
    return (
        started_at - timedelta(minutes=settings.SCAN_EVENT_WINDOW_MINUTES),
        started_at + _clock_skew(),
    )


def _active_tokens(post: Post, token: str):
    # A revoked or foreign token is not an error: the record is kept, off site.
    return PostQrToken.objects.filter(token=token, post=post, revoked_at__isnull=True)


def _scan_evidence(*, by: Person, post: Post, data: dict, started_at: datetime) -> ScanEvidence:
    """On site means scanned: the record cites a scan event (`scan_event`) of the same person at the
    post within the window. A record with a token only (a phone page of before the scan events) is on
    site when the server has such a scan with that token. One query (two when the phone sends both
    and the token is not the scan's). Anything else is off site and flagged no_scan_event."""
    earliest, latest = _scan_window(started_at)
    token_text = data.get("scan_token") or ""
    cited = data.get("scan_event")
    if cited is not None:
        event = (
            ScanEvent.objects.select_related("token")
            .annotate(post_enterprise=F("post__enterprise_id"))
            .filter(pk=cited)
            .first()
        )
        reason = None
        if event is None or (event.person_id != by.id and event.post_enterprise != post.enterprise_id):
            reason = "not_found"  # another tenant's scan is not told apart from none
        elif event.person_id != by.id:
            reason = "other_person"
        elif event.post_id != post.id:
            reason = "other_post"
        elif not earliest <= event.scanned_at <= latest:
            reason = "outside_window"
        mine = reason in (None, "outside_window")  # the record keeps the scan it cites when it is its own
        token = None
        if token_text:
            scanned = event.token if mine else None
            if scanned and scanned.token == token_text and scanned.is_active:
                token = scanned
            else:
                token = _active_tokens(post, token_text).first()
        if reason is None:
            return ScanEvidence(token, event.id, True, [])
        detail = {"reason": reason, "scan_event": cited}
        if mine:
            detail |= {"scanned_at": event.scanned_at, "window_minutes": settings.SCAN_EVENT_WINDOW_MINUTES}
        return ScanEvidence(token, event.id if mine else None, False, [flag(NO_SCAN_EVENT, **detail)])
    if token_text:
        scans = ScanEvent.objects.filter(
            token=OuterRef("pk"), person=by, post=post, scanned_at__gte=earliest, scanned_at__lte=latest
        ).order_by("-scanned_at", "-id")
        token = _active_tokens(post, token_text).annotate(scan_id=Subquery(scans.values("pk")[:1])).first()
        if token is not None and token.scan_id is not None:
            return ScanEvidence(token, token.scan_id, True, [])
        reason = "token_only" if token is not None else "token_invalid"
        return ScanEvidence(token, None, False, [flag(NO_SCAN_EVENT, reason=reason)])
    return ScanEvidence(None, None, False, [flag(NO_SCAN_EVENT, reason="no_scan")])


def _time_flags(*, template: ChecklistTemplate, results: list[InspectionResult], started_at, end) -> list[dict]:
    """too_fast: completed (the phone's finished_at, else the server's receipt) in less than the
    template's minimum per item answered."""
    seconds = (end - started_at).total_seconds()
    minimum = len(results) * template.min_seconds_per_item
    if seconds >= minimum:
        return []
    return [flag(TOO_FAST, seconds=round(seconds, 1), minimum=minimum, items=len(results))]


def _photo_time_flags(*, results: list[InspectionResult], started_at: datetime) -> list[dict]:
    """photo_time_skew: a photo taken (EXIF) further than PHOTO_TIME_SKEW_MINUTES from started_at;
    photo_time_missing: a photo without an EXIF time where the template asks for a photo (a required
    photo item, or an item failed that needs a photo on failure). No query: the photos are loaded."""
    limit = timedelta(minutes=settings.PHOTO_TIME_SKEW_MINUTES)
    skewed, missing = [], []
    for result in results:
        item = result.item
        needed = (item.kind == ItemKind.PHOTO and item.required) or (
            item.photo_on_fail and result.outcome == Outcome.FAILED
        )
        for photo in result.photo_objects:
            if photo.taken_at is None:
                if needed:
                    missing.append({"photo": photo.id, "item": item.id})
            elif abs(photo.taken_at - started_at) > limit:
                skewed.append({"photo": photo.id, "item": item.id, "taken_at": photo.taken_at})
    flags = []
    if skewed:
        flags.append(
            flag(
                PHOTO_TIME_SKEW,
                photos=skewed,
                started_at=started_at,
                limit_minutes=settings.PHOTO_TIME_SKEW_MINUTES,
            )
        )
    if missing:
        flags.append(flag(PHOTO_TIME_MISSING, photos=missing))
    return flags


def _inspection_prepare(*, by: Person, data: dict, request_hash: str):
    """Everything about a new record that needs no lock: the checks of who may submit what, and the
    record and its results built (unsaved). Returns (inspection, results, period)."""
    try:
        post = access_post(by, data["post"], write=True)
    except Forbidden:  # a regulator in scope: told what they may not do
        raise Forbidden(_("监管人员只能查看,不能提交检查记录。")) from None
    _may_inspect(by, post)
    template, items = _template_and_items(post, data["template"])
    corrects = None
    if data.get("corrects") is not None:
        corrects = Inspection.objects.filter(post=post, pk=data["corrects"]).first()
        if corrects is None:
            raise ApplicationError(_("被更正的记录不存在或不属于此岗位。"), field="corrects")
    results = _build_results(by=by, items=items, submitted=data["results"])

    received_at = timezone.now()
    started_at = data["started_at"]
    enterprise = post.enterprise
    period = _capture_period(started_at, received_at, template=template, enterprise=enterprise)
    finished_at = data.get("finished_at")
    if finished_at is not None and finished_at > received_at + _clock_skew():
        raise ApplicationError(_("完成时间不能晚于当前时间。"), field="finished_at", code="finished_at_in_future")
    scan = _scan_evidence(by=by, post=post, data=data, started_at=started_at)
    # Suspicious records are stored and flagged, never refused (checklists.flags); in this order.
    flags = [
        *scan.flags,
        *_time_flags(template=template, results=results, started_at=started_at, end=finished_at or received_at),
        *_photo_time_flags(results=results, started_at=started_at),
    ]
    photos = list({p.id: p for r in results for p in r.photo_objects}.values())
    if photos:  # a record without photos reuses none: no call, no query
        flags += photo_reuse.photo_reuse_flags(enterprise=enterprise, post=post, started_at=started_at, photos=photos)
    flags += geofence.position_flags(post=post, position=data.get("position"))

    inspection = Inspection(
        enterprise=enterprise,
        post=post,
        template=template,
        tier=template.tier,
        period=period.key,
        client_uuid=data["client_uuid"],
        started_at=started_at,
        received_at=received_at,
        submitted_by=by,
        scan_token=scan.token,
        scan_event_id=scan.event_id,
        finished_at=finished_at,
        on_site=scan.on_site,
        flags=flags,
        flagged=bool(flags),
        late=received_at >= period.end,  # e.g. queued offline and sent after the day closed
        ok_count=sum(r.outcome == Outcome.OK for r in results),
        failed_count=sum(r.outcome == Outcome.FAILED for r in results),
        na_count=sum(r.outcome == Outcome.NA for r in results),
        corrects=corrects,
        request_hash=request_hash,
        **geofence.position_fields(post=post, position=data.get("position")),  # kept only for a fenced post
    )
    return inspection, results, period


# ---------------------------------------------------------------------------------------------
# A manager's look at a flagged record


def flag_review_add(*, by: Person, inspection: Inspection, note: str) -> FlagReview:
    """A safety manager of the record's enterprise marks a flagged record as looked at, with a note:
    an event beside the record, which never changes. Workers and regulators 403 (call it on a record
    the person can read: others have had their 404); a record without flags is a 400 `not_flagged`."""
    role_required(by, inspection.enterprise_id, SAFETY_MANAGER_ROLES)
    if not inspection.flagged:
        raise ApplicationError(_("该记录没有可疑标记,无需核查。"), field="inspection", code="not_flagged")
    note = (note or "").strip()
    if not note:
        raise ApplicationError(_("请填写核查意见。"), field="note", code="required")
    return FlagReview.objects.create(inspection=inspection, by=by, note=note, created_at=timezone.now())
