"""The hazard register and its rectification workflow (清单制管理、逐条整改销号).

open -> rectifying -> pending_acceptance -> closed, and pending_acceptance -> rectifying on reject.
Every move locks the hazard row, checks the role and the current status, and writes an event.
"""

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from checklists import photo_reuse
from checklists.models import HazardGrade, Inspection, InspectionResult, ItemKind, Photo
from checklists.services import number_text, photo_prepare, photo_store
from core.errors import ApplicationError, Conflict, Forbidden, NotFound
from hazards import notifications
from hazards.models import (
    Hazard,
    HazardAction,
    HazardEvent,
    HazardSource,
    HazardStatus,
    JudgmentClause,
    Notification,
    PublicReport,
    PublicReportStatus,
    RectificationPlan,
    Supervision,
)
from orgs.models import SAFETY_MANAGER_ROLES, Enterprise, Membership, Person, Post, Role
from orgs.selectors import (
    enterprise_readable_by,
    regulates,
    role_in,
    role_required,
)

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
# The judgment standards


def local_day(enterprise: Enterprise, instant: datetime) -> date:
    return instant.astimezone(ZoneInfo(enterprise.timezone)).date()


def hazard_basis_check(
    *, enterprise: Enterprise, grade: str, clause: JudgmentClause | None, found_on: date, field: str = "basis"
) -> None:
    """A major hazard cites a clause of a judgment standard in force on the day it was found that applies
    to the enterprise's industry; a general hazard may cite one, under the same conditions. `field` names
    the request's field in the 400."""
    if clause is None:
        if grade == HazardGrade.MAJOR:
            raise ApplicationError(_("重大隐患须引用判定标准的条款(判定依据)。"), field=field)
        return
    if not clause.standard.in_force_on(found_on):
        raise ApplicationError(
            _("%(citation)s 在发现之日(%(day)s)不在有效期内。") % {"citation": clause.citation, "day": found_on},
            field=field,
            code="clause_not_in_force",
        )
    if not clause.applies_to(enterprise.industry.code):
        raise ApplicationError(
            _("%(citation)s 不适用于该企业所属行业。") % {"citation": clause.citation},
            field=field,
            code="clause_not_applicable",
        )


@transaction.atomic
def hazard_classify(
    *, hazard: Hazard, by: Person, grade: str, basis_clause: JudgmentClause | None = None, note: str = ""
) -> Hazard:
    """Set a hazard's grade and the clause it meets (判定等级和判定依据), e.g. for a hazard opened from a
    failed check item, which has a grade but no clause. Safety managers; any status but closed. The clause
    is checked as on a report: in force on the day the hazard was found, offered to the enterprise's
    industry (400 naming `basis_clause`)."""
    hazard = _locked(hazard)
    _require_role(by, hazard, SAFETY_MANAGER_ROLES, _("只有安全管理人员可以判定隐患等级和判定依据。"))
    _require_status(hazard, set(HazardStatus.values) - {HazardStatus.CLOSED}, HazardAction.CLASSIFY)
    if grade != hazard.grade and Supervision.objects.filter(hazard=hazard).exists():
        # 挂牌督办 makes the grade the regulator's: downgraded, the hazard would need neither the 五落实
        # plan nor the regulator's check.
        raise Conflict(_("该隐患已被挂牌督办,不能更改等级;可以更换判定依据。"), field="grade", code="supervised_grade")
    hazard_basis_check(
        enterprise=hazard.enterprise,
        grade=grade,
        clause=basis_clause,
        found_on=local_day(hazard.enterprise, hazard.found_at),
        field="basis_clause",
    )
    old_grade, old_clause = hazard.get_grade_display(), hazard.basis_clause
    if basis_clause is not None:
        hazard.basis = basis_clause.citation
    elif old_clause is not None and hazard.basis == old_clause.citation:
        hazard.basis = ""  # the citation of the clause taken away; an old free-text basis stays
    hazard.grade, hazard.basis_clause = grade, basis_clause
    hazard.save(update_fields=["grade", "basis", "basis_clause"])
    summary = _("%(old)s → %(new)s;判定依据:%(basis)s") % {
        "old": old_grade,
        "new": hazard.get_grade_display(),
        "basis": basis_clause.citation if basis_clause else _("无"),
    }
    _record(
        hazard,
        action=HazardAction.CLASSIFY,
        actor=by,
        before=hazard.status,
        note=f"{summary}\n{note}" if note else summary,
    )
    return hazard


# ---------------------------------------------------------------------------------------------
# Opening hazards


def _finding(result: InspectionResult) -> str:
    """How a failed item reads in the register: its label, for a reading the value and the normal range
    it left ("可燃气体浓度 38%LEL(正常范围 ≤ 25%LEL)"), then the worker's note."""
    text = result.item_label
    item = result.item
    if result.kind == ItemKind.NUMBER and result.value is not None:
        low, high = item.normal_min, item.normal_max
        unit = item.unit
        if low is not None and high is not None:
            normal = f"{number_text(low)}–{number_text(high)}{unit}"
        elif high is not None:
            normal = f"≤ {number_text(high)}{unit}"
        else:
            normal = f"≥ {number_text(low)}{unit}"
        text = f"{text} {number_text(Decimal(str(result.value)))}{unit}(正常范围 {normal})"
    return f"{text}:{result.note}" if result.note else text


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
                description=_finding(r),
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
    found_at = timezone.now()
    clause = data.get("basis_clause")
    hazard_basis_check(
        enterprise=enterprise, grade=data["grade"], clause=clause, found_on=local_day(enterprise, found_at)
    )
    photos = _own_photos(by, data.get("photos", []), "photos")
    hazard = Hazard.objects.create(
        enterprise=enterprise,
        post=post,
        location=data.get("location") or (post.location if post else ""),
        grade=data["grade"],
        description=data["description"],
        basis=data.get("basis") or (clause.citation if clause else ""),
        basis_clause=clause,
        source=source,
        found_by=by,
        found_at=found_at,
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
    if hazard.grade == HazardGrade.MAJOR:
        _require_approved_plan(hazard)
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
    if hazard.grade == HazardGrade.MAJOR:
        # Checked at submission too; here for a hazard graded major after it was submitted (classify).
        _require_approved_plan(hazard)
    before = hazard.status
    supervision = Supervision.objects.filter(hazard=hazard).first()
    if supervision is not None:
        # 挂牌督办: the enterprise's acceptance is checked by the regulator before the hazard is closed.
        hazard.status = HazardStatus.PENDING_VERIFICATION
        hazard.save(update_fields=["status"])
        _record(hazard, action=HazardAction.ACCEPT, actor=by, before=before, note=note)
        notifications.supervised_hazard_accepted(hazard, supervision.regulator_id)
        return hazard
    hazard.status, hazard.closed_at = HazardStatus.CLOSED, timezone.now()
    hazard.save(update_fields=["status", "closed_at"])
    _record(hazard, action=HazardAction.ACCEPT, actor=by, before=before, note=note)
    notifications.hazard_closed(hazard)
    return hazard


@transaction.atomic
def hazard_reject(*, hazard: Hazard, by: Person, note: str, photos: list[int] = ()) -> Hazard:
    """Send the rectification back (pending -> rectifying); the reason is required, photos of what is
    still wrong (the acceptor's own) may go with it."""
    hazard = _locked(hazard)
    _require_acceptor(hazard, by)
    _require_status(hazard, {HazardStatus.PENDING_ACCEPTANCE}, HazardAction.REJECT)
    if not note.strip():
        raise ApplicationError(_("请填写验收不通过的原因。"), field="note")
    evidence = _own_photos(by, list(photos), "photos")
    before = hazard.status
    hazard.status = HazardStatus.RECTIFYING
    hazard.save(update_fields=["status"])
    _record(hazard, action=HazardAction.REJECT, actor=by, before=before, note=note, photos=evidence)
    notifications.hazard_rejected(hazard)
    return hazard


# ---------------------------------------------------------------------------------------------
# The plan of a major hazard (五落实: 措施、责任、资金、时限、预案落实)

PLAN_PART_LABELS = {
    "measures": _lazy("治理措施"),
    "responsible": _lazy("责任人"),
    "funds_amount": _lazy("治理资金金额"),
    "funds_source": _lazy("资金来源"),
    "deadline": _lazy("治理时限"),
    "interim_measures": _lazy("治理期间的安全防范措施"),
    "emergency_plan": _lazy("应急预案"),
}


def _missing_part(plan: RectificationPlan) -> None:
    missing = plan.missing_parts()
    if missing:
        raise Conflict(
            _("整改方案缺少「%(part)s」。") % {"part": PLAN_PART_LABELS[missing[0]]},
            field=f"plan.{missing[0]}",
            code="plan_incomplete",
            errors=[
                {"field": f"plan.{part}", "code": "plan_incomplete", "message": str(PLAN_PART_LABELS[part])}
                for part in missing
            ],
        )


def _require_approved_plan(hazard: Hazard) -> None:
    if hazard.basis_clause_id is None:
        # A major hazard opened from a failed check item has no clause until a safety manager classifies it.
        raise Conflict(_("重大隐患须先确定判定依据(判定标准的条款),再提交整改。"), field="basis", code="basis_missing")
    plan = hazard.plans.order_by("-version").first()
    if plan is None:
        raise Conflict(_("重大隐患须先制定整改方案并经主要负责人批准。"), field="plan", code="plan_missing")
    _missing_part(plan)
    if plan.approved_at is None:
        raise Conflict(_("整改方案尚未经主要负责人批准。"), field="plan.approved", code="plan_not_approved")


@transaction.atomic
def hazard_plan_write(*, hazard: Hazard, by: Person, data: dict) -> RectificationPlan:
    """Write the next version of a major hazard's plan (safety managers). Parts left out are taken from
    the current version; the new version waits for the principal's approval, also when it changes an
    approved one."""
    hazard = _locked(hazard)
    _require_role(by, hazard, SAFETY_MANAGER_ROLES, _("只有安全管理人员可以制定整改方案。"))
    if hazard.grade != HazardGrade.MAJOR:
        raise Conflict(_("只有重大隐患需要整改方案。"), field="grade", code="not_major")
    _require_status(hazard, {HazardStatus.OPEN, HazardStatus.RECTIFYING}, HazardAction.PLAN)
    responsible = data.get("responsible")
    if (
        responsible is not None
        and not Membership.objects.filter(person=responsible, enterprise_id=hazard.enterprise_id).exists()
    ):
        raise ApplicationError(_("整改责任人须为本企业人员。"), field="responsible")
    current = hazard.plans.order_by("-version").first()
    values = {part: getattr(current, part) if current else None for part in RectificationPlan.PARTS}
    values.update({k: v for k, v in data.items() if k in RectificationPlan.PARTS})
    for text in ("measures", "funds_source", "interim_measures", "emergency_plan"):
        values[text] = values[text] or ""
    plan = RectificationPlan.objects.create(
        hazard=hazard,
        version=(current.version + 1) if current else 1,
        written_by=by,
        written_at=timezone.now(),
        **values,
    )
    _record(
        hazard, action=HazardAction.PLAN, actor=by, before=hazard.status, note=_("第 %(v)s 版") % {"v": plan.version}
    )
    notifications.hazard_plan_written(hazard, plan.version)
    return plan


@transaction.atomic
def hazard_plan_approve(*, hazard: Hazard, by: Person, note: str = "") -> RectificationPlan:
    """The principal approves the current version; every part must be there (409 naming the first missing)."""
    hazard = _locked(hazard)
    _require_role(by, hazard, {Role.PRINCIPAL}, _("只有主要负责人可以批准整改方案。"))
    plan = hazard.plans.order_by("-version").first()
    if plan is None:
        raise Conflict(_("该隐患还没有整改方案。"), field="plan", code="plan_missing")
    if plan.approved_at is not None:
        raise Conflict(_("该版整改方案已批准。"), field="plan.approved", code="plan_already_approved")
    _missing_part(plan)
    plan.approved_by, plan.approved_at = by, timezone.now()
    plan.save(update_fields=["approved_by", "approved_at"])
    _record(
        hazard,
        action=HazardAction.PLAN_APPROVE,
        actor=by,
        before=hazard.status,
        note=note or _("第 %(v)s 版") % {"v": plan.version},
    )
    return plan


# ---------------------------------------------------------------------------------------------
# The regulator's part: 挂牌督办, progress, 核查销号


def _require_regulator(by: Person, hazard: Hazard) -> None:
    """A regulator whose scope covers the hazard's enterprise; a member of it is refused (403). Callers
    out of scope never got here: the hazard was a 404 for them."""
    if by.is_superuser:
        return
    if not regulates(by, hazard.enterprise_id):
        if role_in(by, hazard.enterprise_id) is not None:
            raise Forbidden(_("只有监管部门可以挂牌督办和核查销号。"))
        raise NotFound(_("未找到。"))


@transaction.atomic
def hazard_supervise(*, hazard: Hazard, by: Person, deadline: date, note: str = "") -> Supervision:
    """A regulator in scope puts an open major hazard under supervision (挂牌督办)."""
    hazard = _locked(hazard)
    _require_regulator(by, hazard)
    if hazard.grade != HazardGrade.MAJOR:
        raise Conflict(_("只有重大隐患可以挂牌督办。"), field="grade", code="not_major")
    _require_status(
        hazard,
        {HazardStatus.OPEN, HazardStatus.RECTIFYING, HazardStatus.PENDING_ACCEPTANCE},
        HazardAction.SUPERVISE,
    )
    if Supervision.objects.filter(hazard=hazard).exists():
        raise Conflict(_("该隐患已挂牌督办。"), field="hazard", code="already_supervised")
    if deadline <= timezone.localdate():
        raise ApplicationError(_("督办期限须晚于今天。"), field="deadline")
    supervision = Supervision.objects.create(
        hazard=hazard, regulator=by, deadline=deadline, note=note, created_at=timezone.now()
    )
    _record(hazard, action=HazardAction.SUPERVISE, actor=by, before=hazard.status, note=f"{deadline}:{note}")
    return supervision


@transaction.atomic
def hazard_progress_report(*, hazard: Hazard, by: Person, note: str, photos: list[int]) -> HazardEvent:
    """The enterprise reports progress on a supervised hazard (safety managers or the responsible person)."""
    hazard = _locked(hazard)
    role = role_in(by, hazard.enterprise_id)
    if role is None and not by.is_superuser:
        raise Forbidden(_("监管人员只能查看,不能处理隐患。"))
    if role not in SAFETY_MANAGER_ROLES and hazard.responsible_id != by.id and not by.is_superuser:
        raise Forbidden(_("只有安全管理人员或整改责任人可以报告督办进展。"))
    if not Supervision.objects.filter(hazard=hazard).exists():
        raise Conflict(_("该隐患未挂牌督办。"), field="hazard", code="not_supervised")
    _require_status(
        hazard, {HazardStatus.OPEN, HazardStatus.RECTIFYING, HazardStatus.PENDING_ACCEPTANCE}, HazardAction.PROGRESS
    )
    evidence = _own_photos(by, photos, "photos")
    return _record(hazard, action=HazardAction.PROGRESS, actor=by, before=hazard.status, note=note, photos=evidence)


@transaction.atomic
def hazard_verify(*, hazard: Hazard, by: Person, passed: bool, note: str = "") -> Hazard:
    """The supervising regulator checks the enterprise's acceptance: closes the hazard (核查销号) or sends
    it back to rectification with the reason."""
    hazard = _locked(hazard)
    _require_regulator(by, hazard)
    _require_status(hazard, {HazardStatus.PENDING_VERIFICATION}, HazardAction.VERIFY)
    before = hazard.status
    if not passed:
        if not note.strip():
            raise ApplicationError(_("请填写核查不通过的原因。"), field="note")
        hazard.status = HazardStatus.RECTIFYING
        hazard.save(update_fields=["status"])
        _record(hazard, action=HazardAction.VERIFY_FAIL, actor=by, before=before, note=note)
        notifications.hazard_verification_failed(hazard)
        return hazard
    now = timezone.now()
    hazard.status, hazard.closed_at = HazardStatus.CLOSED, now
    hazard.save(update_fields=["status", "closed_at"])
    Supervision.objects.filter(hazard=hazard).update(verified_by=by, verified_at=now)
    _record(hazard, action=HazardAction.VERIFY, actor=by, before=before, note=note)
    notifications.hazard_closed(hazard)
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


# ---------------------------------------------------------------------------------------------
# 有奖举报 (seed item 62): a report from the card, and its triage

PUBLIC_PHONE = re.compile(r"^[0-9+\-\s]{5,20}$")
PUBLIC_TEXT_MAX = 2000
# Namespace of the uuid under which a public report's photo is stored as a hazard photo (one per report).
PUBLIC_REPORT_PHOTOS = uuid.UUID("6f1c2b64-5d0e-4f3a-9a57-0b7e1d6c9e21")


@transaction.atomic
def public_report_submit(*, post: Post, description: str, phone: str = "", photo=None) -> PublicReport:
    """Anyone who scanned the post's code reports a hazard; the photo is re-encoded (no EXIF, no
    payload) before it is stored. The caller throttles per client."""
    description, phone = (description or "").strip(), (phone or "").strip()
    if not description:
        raise ApplicationError(_("请描述发现的隐患。"), field="description")
    if len(description) > PUBLIC_TEXT_MAX:
        raise ApplicationError(_("内容不能超过 %(n)d 个字。") % {"n": PUBLIC_TEXT_MAX}, field="description")
    if phone and not PUBLIC_PHONE.match(phone):
        raise ApplicationError(_("请填写正确的电话号码,或留空。"), field="phone")
    report = PublicReport(enterprise_id=post.enterprise_id, post=post, description=description, phone=phone)
    report.created_at = timezone.now()
    if photo is not None:
        if photo.size > settings.PHOTO_MAX_BYTES:
            raise ApplicationError(_("照片过大。"), field="photo", code="image_too_large")
        prepared = photo_prepare(photo.read())  # a 400 naming `image` when it is not a picture
        report.photo.save(f"{uuid.uuid4()}.jpg", ContentFile(prepared.image), save=False)
    report.save()
    notifications.public_report_received(report)
    return report


def _pending(report: PublicReport) -> PublicReport:
    report = PublicReport.objects.select_for_update().select_related("enterprise__industry", "post").get(pk=report.pk)
    if report.status != PublicReportStatus.PENDING:
        raise Conflict(_("该举报已处理。"), field="status", code="already_handled")
    return report


@transaction.atomic
def public_report_convert(*, report: PublicReport, by: Person, data: dict) -> Hazard:
    """A safety manager turns the report into a hazard of the register (source `public`), found when it
    was reported."""
    report = _pending(report)
    role_required(by, report.enterprise_id, SAFETY_MANAGER_ROLES)
    grade, clause = data["grade"], data.get("basis_clause")
    hazard_basis_check(
        enterprise=report.enterprise,
        grade=grade,
        clause=clause,
        found_on=local_day(report.enterprise, report.created_at),
    )
    description = data.get("description") or report.description
    hazard = Hazard.objects.create(
        enterprise=report.enterprise,
        post=report.post,
        location=data.get("location") or report.post.location,
        grade=grade,
        description=description,
        basis=clause.citation if clause else "",
        basis_clause=clause,
        source=HazardSource.PUBLIC,
        found_by=by,
        found_at=report.created_at,
    )
    _record(
        hazard, action=HazardAction.REPORT, actor=by, before="", note=_("群众举报:%(text)s") % {"text": description}
    )
    if report.photo:
        # The reporter's photo becomes the hazard's evidence, stored as every photo is (uploaded by the
        # manager who took the report in: the reporter has no login); once per report.
        with report.photo.open("rb") as stored:
            photo, _created = photo_store(
                by=by, client_uuid=uuid.uuid5(PUBLIC_REPORT_PHOTOS, str(report.pk)), data=stored.read()
            )
        hazard.photos.add(photo)
    report.status, report.hazard, report.handled_by, report.handled_at = (
        PublicReportStatus.CONVERTED,
        hazard,
        by,
        timezone.now(),
    )
    report.save(update_fields=["status", "hazard", "handled_by", "handled_at"])
    notifications.hazards_reported([hazard])
    return hazard


@transaction.atomic
def public_report_dismiss(*, report: PublicReport, by: Person, reason: str) -> PublicReport:
    report = _pending(report)
    role_required(by, report.enterprise_id, SAFETY_MANAGER_ROLES)
    if not reason.strip():
        raise ApplicationError(_("请填写不予受理的理由。"), field="reason")
    report.status, report.reason, report.handled_by, report.handled_at = (
        PublicReportStatus.DISMISSED,
        reason,
        by,
        timezone.now(),
    )
    report.save(update_fields=["status", "reason", "handled_by", "handled_at"])
    return report
