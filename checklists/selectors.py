"""Reads of checklists and the archive: due status per post, scoped inspection lists."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from checklists.models import ChecklistTemplate, Inspection
from checklists.periods import Period, period_kind_for, period_of
from orgs.models import Person, Post
from orgs.selectors import scope_to


class DueStatus:
    DUE = "due"  # the period is open and nothing is recorded yet
    DONE = "done"  # recorded within the period
    LATE = "late"  # recorded, but only after the period had closed
    MISSED = "missed"  # the period has closed with nothing recorded


@dataclass(frozen=True)
class DueChecklist:
    template: ChecklistTemplate
    tier: str
    period: Period
    status: str
    inspection_id: int | None


def checklists_due(*, post: Post, at: datetime | None = None) -> list[DueChecklist]:
    """Each active template of the post with the period containing `at` and its status.

    Two queries whatever the number of templates. `post.enterprise` must be loaded.
    """
    now = timezone.now()
    at = at or now
    enterprise = post.enterprise
    templates = list(post.checklist_templates.filter(active=True).order_by("tier", "id"))
    periods = {
        t.id: period_of(period_kind_for(t.tier, high_risk=enterprise.is_high_risk), at, enterprise.timezone)
        for t in templates
    }
    recorded: dict[tuple[int, str], tuple[int, bool]] = {}
    rows = Inspection.objects.filter(
        post=post, template__in=[t.id for t in templates], period__in={p.key for p in periods.values()}
    ).values_list("template_id", "period", "id", "late")
    for template_id, key, inspection_id, late in rows.order_by("received_at", "id"):
        previous = recorded.get((template_id, key))
        if previous is None or (previous[1] and not late):  # an on-time record wins over a late one
            recorded[(template_id, key)] = (inspection_id, late)
    due = []
    for template in templates:
        period = periods[template.id]
        found = recorded.get((template.id, period.key))
        if found:
            status = DueStatus.LATE if found[1] else DueStatus.DONE
        else:
            status = DueStatus.DUE if now < period.end else DueStatus.MISSED
        due.append(DueChecklist(template, template.tier, period, status, found[0] if found else None))
    return due


def inspections_visible_to(person: Person) -> QuerySet[Inspection]:
    return scope_to(person, Inspection.objects.select_related("post", "template", "submitted_by"))
