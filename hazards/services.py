"""The hazard register and its rectification workflow (清单制管理、逐条整改销号).

open -> rectifying -> pending_acceptance -> closed, and pending_acceptance -> rectifying on reject.
Every move locks the hazard row, checks the role and the current status, and writes an event.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists import photo_reuse
from checklists.models import HazardGrade, Inspection, InspectionResult, Photo
from core.errors import ApplicationError, Conflict, Forbidden, NotFound
from hazards import notifications
from hazards.models import Hazard, HazardAction, HazardEvent, HazardSource, HazardStatus, Notification
from orgs.models import SAFETY_MANAGER_ROLES, Membership, Person, Post, Role
from orgs.selectors import enterprise_readable_by, role_in

# Who accepts (销号) or rejects a rectification, and who assigns it.
ACCEPTING_ROLES = frozenset({Role.SAFETY_OFFICER, Role.SAFETY_DIRECTOR, Role.PRINCIPAL})
ASSIGNING_ROLES = SAFETY_MANAGER_ROLES

STATUS_LABELS = dict(HazardStatus.choices)


def _record(
    hazard: Hazard, *, action: str, actor: Person | None, before: str, note: str = "", photos=()
) -> HazardEvent:
    event = HazardEvent.objects.create(
        hazard=hazard,
        action=action,
        from_status=before,
        to_status=hazard.status,
        actor=actor,
        at=timezone.now(),
        note=note,
    )
    if photos:
        event.photos.set(photos)
    return event


def _locked(hazard: Hazard) -> Hazard:
    return Hazard.objects.select_for_update().select_related("enterprise").get(pk=hazard.pk)


def _require_status(hazard: Hazard, allowed: set[str], action: str) -> None:
    if hazard.status not in allowed:
        raise Conflict(
            _("隐患当前状态为「%(status)s」,不能%(action)s。")
            % {"status": STATUS_LABELS[hazard.status], "action": HazardAction(action).label},
            field="status",
            code="illegal_transition",
        )


def _require_role(by: Person, hazard: Hazard, roles, message: str) -> None:
    if by.is_superuser:
        return
    role = role_in(by, hazard.enterprise_id)
    if role is None:
        raise Forbidden(_("监管人员只能查看,不能处理隐患。"))
    if role not in roles:
        raise Forbidden(message)


def _own_photos(by: Person, photo_ids: list[int], field: str) -> list[Photo]:
    photos = list(Photo.objects.filter(id__in=photo_ids, uploaded_by=by))
    missing = sorted(set(photo_ids) - {p.id for p in photos})
    if missing:
        raise ApplicationError(_("照片 %(ids)s 不存在。") % {"ids": missing}, field=field)
    return photos


# ---------------------------------------------------------------------------------------------
# Opening hazards


def hazards_open_from_inspection(inspection: Inspection, results: list[InspectionResult]) -> list[Hazard]:
    """Open one hazard per failed item that carries a grade; runs inside the submission's transaction
    (registered with checklists in HazardsConfig.ready). Queries do not grow with the item count."""
    failed = [r for r in results if r.outcome == "failed"]  # every failed item ends as a hazard
    if not failed:
        return []
    post = inspection.post
    hazards = Hazard.objects.bulk_create(
        [
            Hazard(
                enterprise_id=inspection.enterprise_id,
                post=post,
                location=post.location,
                grade=r.item.hazard_grade_on_fail or HazardGrade.GENERAL,
                description=f"{r.item_label}:{r.note}" if r.note else r.item_label,
                source=HazardSource.INSPECTION,
                inspection=inspection,
                inspection_result=r,
                found_by_id=inspection.submitted_by_id,
                found_at=inspection.received_at,
            )
            for r in failed
        ]
    )
    events = HazardEvent.objects.bulk_create(
        [
            HazardEvent(
                hazard=h,
                action=HazardAction.REPORT,
                to_status=h.status,
                actor_id=h.found_by_id,
                at=h.found_at,
                note=_("检查发现"),
            )
            for h in hazards
        ]
    )
    photo_links, event_links = [], []
    for hazard, event, result in zip(hazards, events, failed, strict=True):
        for photo in getattr(result, "photo_objects", []):
            photo_links.append(Hazard.photos.through(hazard_id=hazard.id, photo_id=photo.id))
            event_links.append(HazardEvent.photos.through(hazardevent_id=event.id, photo_id=photo.id))
    if photo_links:
        Hazard.photos.through.objects.bulk_create(photo_links)
        HazardEvent.photos.through.objects.bulk_create(event_links)
    notifications.hazards_reported(hazards)
    return hazards


@transaction.atomic
def hazard_report(*, by: Person, data: dict) -> Hazard:
    """An ad hoc report (随手拍) by a member, or a finding of a regulator in scope."""
    enterprise = data["enterprise"]
    post: Post | None = data.get("post")
    if post is not None and post.enterprise_id != enterprise.id:
        raise ApplicationError(_("岗位不属于该企业。"), field="post")
    role = role_in(by, enterprise.id)
    if role is None and not by.is_superuser:
        if not enterprise_readable_by(by, enterprise.id):
            raise ApplicationError(_("企业不存在。"), field="enterprise")
        source = HazardSource.REGULATOR  # read-only otherwise, a regulator may record what they found
    else:
        source = HazardSource.AD_HOC
    if data["grade"] == HazardGrade.MAJOR and not data.get("basis"):
        raise ApplicationError(_("重大隐患须注明判定依据。"), field="basis")
    photos = _own_photos(by, data.get("photos", []), "photos")
    hazard = Hazard.objects.create(
        enterprise=enterprise,
        post=post,
        location=data.get("location") or (post.location if post else ""),
        grade=data["grade"],
        description=data["description"],
        basis=data.get("basis", ""),
        source=source,
        found_by=by,
        found_at=timezone.now(),
    )
    hazard.photos.set(photos)
    _record(hazard, action=HazardAction.REPORT, actor=by, before="", note=data["description"], photos=photos)
    notifications.hazards_reported([hazard])
    return hazard


# ---------------------------------------------------------------------------------------------
# The workflow


@transaction.atomic
def hazard_assign(
    *,
    hazard: Hazard,
    by: Person,
    responsible: Person,
    deadline: datetime,
    measures: str = "",
    rectification_mode: str = "",
    note: str = "",
) -> Hazard:
    """Name who rectifies and by when (open -> rectifying); again while rectifying re-assigns."""
    hazard = _locked(hazard)
    _require_role(by, hazard, ASSIGNING_ROLES, _("只有安全管理人员可以指派整改。"))
    _require_status(hazard, {HazardStatus.OPEN, HazardStatus.RECTIFYING}, HazardAction.ASSIGN)
    if not Membership.objects.filter(person=responsible, enterprise_id=hazard.enterprise_id).exists():
        raise ApplicationError(_("整改责任人须为本企业人员。"), field="responsible")
    if deadline <= timezone.now():
        raise ApplicationError(_("整改期限须晚于当前时间。"), field="deadline")
    before = hazard.status
    hazard.responsible, hazard.deadline = responsible, deadline
    hazard.measures = measures or hazard.measures
    hazard.rectification_mode = rectification_mode or hazard.rectification_mode
    hazard.status = HazardStatus.RECTIFYING
    hazard.escalation_level = 0  # a new deadline starts the escalation ladder again
    hazard.save()
    _record(hazard, action=HazardAction.ASSIGN, actor=by, before=before, note=note)
    notifications.hazard_assigned(hazard)
    return hazard


@transaction.atomic
def hazard_submit(*, hazard: Hazard, by: Person, note: str, photos: list[int]) -> Hazard:
    """The responsible person submits the rectification with evidence (rectifying -> pending)."""
    hazard = _locked(hazard)
    if role_in(by, hazard.enterprise_id) is None and not by.is_superuser:
        raise Forbidden(_("监管人员只能查看,不能处理隐患。"))
    if hazard.responsible_id != by.id:
        raise Forbidden(_("只有整改责任人可以提交整改。"))
    _require_status(hazard, {HazardStatus.RECTIFYING}, HazardAction.SUBMIT)
    evidence = _own_photos(by, photos, "photos")
    if not evidence:
        raise ApplicationError(_("提交整改须附整改后照片。"), field="photos")
    found = list(hazard.photos.only("sha256", "phash"))
    if any(photo_reuse.same_picture(p, before) for p in evidence for before in found):
        # The "after" picture is the "before" picture, or a copy of it re-encoded, resized or made
        # brighter (its whole-picture hash): refuse it rather than let it close the hazard.
        raise ApplicationError(_("整改照片与发现隐患时的照片相同。"), field="photos", code="photo_reused")
    before = hazard.status
    hazard.status = HazardStatus.PENDING_ACCEPTANCE
    hazard.save(update_fields=["status"])
    _record(hazard, action=HazardAction.SUBMIT, actor=by, before=before, note=note, photos=evidence)
    notifications.hazard_submitted(hazard)
    return hazard


def _require_acceptor(hazard: Hazard, by: Person) -> None:
    """Four eyes (DESIGN, trust rules): whoever rectified a hazard never accepts or rejects it, for every
    grade and for superusers too. The rectifier is whoever submitted a rectification of it (the
    responsible person at the time; earlier rounds count, their work is part of what is accepted)."""
    _require_role(by, hazard, ACCEPTING_ROLES, _("只有安全员、安全总监或主要负责人可以验收。"))
    rectified = HazardEvent.objects.filter(hazard=hazard, action=HazardAction.SUBMIT, actor=by).exists()
    if rectified or hazard.responsible_id == by.id:
        raise Forbidden(_("整改人不能验收自己整改的隐患,请由其他安全管理人员验收。"), code="four_eyes")


@transaction.atomic
def hazard_accept(*, hazard: Hazard, by: Person, note: str = "") -> Hazard:
    """Accept the rectification and close the hazard (销号)."""
    hazard = _locked(hazard)
    _require_acceptor(hazard, by)
    _require_status(hazard, {HazardStatus.PENDING_ACCEPTANCE}, HazardAction.ACCEPT)
    before = hazard.status
    hazard.status, hazard.closed_at = HazardStatus.CLOSED, timezone.now()
    hazard.save(update_fields=["status", "closed_at"])
    _record(hazard, action=HazardAction.ACCEPT, actor=by, before=before, note=note)
    notifications.hazard_closed(hazard)
    return hazard


@transaction.atomic
def hazard_reject(*, hazard: Hazard, by: Person, note: str) -> Hazard:
    """Send the rectification back (pending -> rectifying); the reason is required."""
    hazard = _locked(hazard)
    _require_acceptor(hazard, by)
    _require_status(hazard, {HazardStatus.PENDING_ACCEPTANCE}, HazardAction.REJECT)
    if not note.strip():
        raise ApplicationError(_("请填写验收不通过的原因。"), field="note")
    before = hazard.status
    hazard.status = HazardStatus.RECTIFYING
    hazard.save(update_fields=["status"])
    _record(hazard, action=HazardAction.REJECT, actor=by, before=before, note=note)
    notifications.hazard_rejected(hazard)
    return hazard


# ---------------------------------------------------------------------------------------------
# The inbox


def notification_mark_read(*, notification: Notification, by: Person) -> Notification:
    """Mark one of the person's notifications read; again is harmless and keeps the first read time."""
    if notification.recipient_id != by.id:
        raise NotFound(_("未找到。"))
    if notification.read_at is None:
        now = timezone.now()
        # Conditional update: a concurrent twin does not move the read time either.
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, by: Person) -> int:
    """Mark every unread notification of the person read; returns how many were unread."""
    return Notification.objects.filter(recipient=by, read_at__isnull=True).update(read_at=timezone.now())
