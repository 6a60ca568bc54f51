"""Checklists from the risk register (双重预防): each control a post owns becomes an item of that
post's generated checklist of the control's tier, an item that verifies the control. So every check
of the list proves a control is in place, and a failed check opens a hazard (隐患) on that control."""

from django.db import transaction
from django.utils.translation import gettext as _

from checklists.models import ChecklistTemplate, HazardGrade, ItemKind, Tier
from checklists.services import template_save
from core.errors import ApplicationError
from orgs.models import SAFETY_MANAGER_ROLES, Person, Post, RiskLevel
from orgs.selectors import role_required
from risks.models import Control


def generated_template_name(post: Post, tier: str) -> str:
    # Stored, so not translated: the same name whatever language the request was in.
    labels = {"daily": "日管控", "weekly": "周排查", "monthly": "月调度", "quarterly": "季度检查"}
    return f"{post.name}风险管控{labels[tier]}清单"


@transaction.atomic
def checklist_generate_from_controls(*, post: Post, by: Person) -> list[ChecklistTemplate]:
    """Build or update the post's checklists (one per tier) from the active controls it owns.

    An item per control, labelled with the point and the measure; a failed check of a red point's
    control opens a major hazard. Items of controls no longer owned are deactivated (never deleted:
    the archive cites them); a tier left without controls has its checklist switched off. Items added
    by hand to a generated checklist are kept."""
    role_required(by, post.enterprise_id, SAFETY_MANAGER_ROLES)
    controls = list(
        Control.objects.filter(owner_post=post, active=True, source__risk_point__active=True)
        .select_related("source__risk_point")
        .order_by("source__risk_point__name", "source__order", "source_id", "id")
    )
    existing = {
        t.tier: t
        for t in ChecklistTemplate.objects.filter(
            register_post=post, enterprise_id=post.enterprise_id
        ).prefetch_related("items")
    }
    tiers = [tier for tier in Tier.values if tier in existing or any(c.tier == tier for c in controls)]
    if not tiers:
        raise ApplicationError(_("该岗位没有负责的管控措施。"), field="post", code="no_controls")
    templates = []
    for tier in tiers:
        template = existing.get(tier)
        items = [item for item in (template.items.all() if template else []) if item.active]
        by_control = {item.control_id: item for item in items if item.control_id}
        wanted = [c for c in controls if c.tier == tier]
        data_items = [  # hand-made items (no control) first, as they were
            {"id": item.id} for item in items if item.control_id is None
        ]
        for control in wanted:
            point = control.source.risk_point
            row = {
                "label": f"{point.name}:{control.measure}"[:300],
                "kind": ItemKind.CHECK,
                "control": control,
                "hazard_grade_on_fail": HazardGrade.MAJOR if point.level == RiskLevel.RED else HazardGrade.GENERAL,
            }
            if control.id in by_control:
                row["id"] = by_control[control.id].id
            data_items.append(row)
        data = {
            "enterprise": post.enterprise,
            "name": generated_template_name(post, tier),
            "tier": tier,
            "active": bool(data_items),
            "posts": [post],
            "items": data_items,
        }
        template = template_save(by=by, template=template, data=data)
        if template.register_post_id != post.pk:
            template.register_post = post
            template.save(update_fields=["register_post"])
        templates.append(template)
    return templates
