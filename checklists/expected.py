"""Expected checks, as they were: which templates applied to which posts with which tier, and when
(`TemplateAssignment`, effective-dated), and the time zone of the enterprise then
(`orgs.EnterpriseTimezoneChange`).

One rule: a slot (template, post, check period) is expected when an assignment of the template to the
post with that tier was in force at some instant of the check period within the month it counts in
([valid_from, valid_to) overlaps [start, Period.counted_end)) and the period has begun. The check
periods of a week or a month are those that begin inside it (checklists.periods.periods_starting_in).
Retiring a template, re-tiering it or changing its posts closes the rows in force and opens new ones
from that instant: a closed period keeps its figures.

A record counts for its slot only when the slot was expected (`Inspection.in_plan`, set when the record
is stored): a record for a period before the template applied to the post (an offline record sent after
the change) is kept in the archive and counted among the records, not among the checks.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from checklists.models import ChecklistTemplate, TemplateAssignment
from checklists.periods import Period, period_kind_for
from orgs.models import Enterprise, EnterpriseTimezoneChange

LONGEST_PERIOD = timedelta(days=93)  # a quarter, and then some


# ---------------------------------------------------------------------------------------------
# Keeping the history


def template_history_sync(template: ChecklistTemplate, *, at: datetime | None = None) -> None:
    """Make the rows in force match the template as it is now: close those that no longer hold (a post
    removed, the tier changed, the template retired) and open rows for what is new, from `at`."""
    at = at or timezone.now()
    wanted = {}
    if template.active:
        wanted = {post_id: template.tier for post_id in template.posts.values_list("id", flat=True)}
    with transaction.atomic():
        current = list(TemplateAssignment.objects.select_for_update().filter(template=template, valid_to__isnull=True))
        for row in current:
            if wanted.get(row.post_id) == row.tier:
                wanted.pop(row.post_id)
            elif row.valid_from >= at:  # opened in the same instant: it never was in force
                row.delete()
            else:
                row.valid_to = at
                row.save(update_fields=["valid_to"])
        TemplateAssignment.objects.bulk_create(
            TemplateAssignment(
                enterprise_id=template.enterprise_id, template=template, post_id=post_id, tier=tier, valid_from=at
            )
            for post_id, tier in wanted.items()
        )


# ---------------------------------------------------------------------------------------------
# The time zone in force


def timezones_in_force(enterprises: Iterable[Enterprise], at: datetime) -> dict[int, str]:
    """{enterprise id: time zone at `at`} (one query): the zone before the first change made after
    `at`, else the zone it has now."""
    enterprises = list(enterprises)
    zones = {e.id: e.timezone for e in enterprises}
    later = (
        EnterpriseTimezoneChange.objects.filter(enterprise__in=list(zones), changed_at__gt=at)
        .order_by("enterprise_id", "changed_at", "id")
        .values_list("enterprise_id", "old")
    )
    seen = set()
    for enterprise_id, old in later:
        if enterprise_id not in seen and old:
            zones[enterprise_id] = old
        seen.add(enterprise_id)
    return zones


def timezone_in_force(enterprise: Enterprise, at: datetime) -> str:
    return timezones_in_force([enterprise], at)[enterprise.id]


# ---------------------------------------------------------------------------------------------
# The expected slots


@dataclass(frozen=True)
class Slot:
    template: int
    post: int
    tier: str
    period: Period
    template_name: str
    post_name: str

    @property
    def key(self) -> tuple[int, int, str, str]:
        """A slot is a template's check of a post with a tier in a period: in a high-risk enterprise a
        template re-tiered between monthly and quarterly (both monthly there) has two slots that month."""
        return (self.template, self.post, self.tier, self.period.key)


def in_force(valid_from: datetime, valid_to: datetime | None, period: Period) -> bool:
    """The one rule: the assignment [valid_from, valid_to) overlaps the check period, within the month
    the period counts in (Period.counted_end): once a month has closed, nothing done later (a post
    added to a quarterly template in August) adds a check to it."""
    return valid_from < period.counted_end and (valid_to is None or valid_to > period.start)


def assignments_overlapping(start: datetime, end: datetime) -> Q:
    """Rows that may be in force in a check period beginning in [start, end) (the day log's week or
    quarter may begin before the day)."""
    return Q(valid_from__lt=end) & (Q(valid_to__isnull=True) | Q(valid_to__gt=start - LONGEST_PERIOD))


def expected_slots(
    enterprise: Enterprise,
    *,
    window: Period,
    periods_for: Callable[[str], list[Period]],
    now: datetime,
    posts: Iterable[int] | None = None,
) -> list[Slot]:
    """Every expected slot of the enterprise among the check periods `periods_for(kind)` gives (those
    beginning in a week or month, or those containing a day), begun by `now`, in a stable order. One
    query. `enterprise.industry` should be loaded."""
    rows = TemplateAssignment.objects.filter(
        assignments_overlapping(window.start, window.end), enterprise_id=enterprise.id
    )
    if posts is not None:
        rows = rows.filter(post__in=list(posts))
    rows = rows.order_by("post_id", "tier", "template_id", "valid_from").values_list(
        "template_id", "post_id", "tier", "valid_from", "valid_to", "template__name", "post__name"
    )
    cached: dict[str, list[Period]] = {}
    slots: dict[tuple[int, int, str], Slot] = {}
    for template_id, post_id, tier, valid_from, valid_to, template_name, post_name in rows:
        kind = period_kind_for(tier, high_risk=enterprise.is_high_risk)
        if kind not in cached:
            cached[kind] = periods_for(kind)
        for period in cached[kind]:
            if period.start <= now and in_force(valid_from, valid_to, period):
                slot = Slot(template_id, post_id, tier, period, template_name, post_name)
                slots.setdefault(slot.key, slot)
    order = {"daily": 0, "weekly": 1, "monthly": 2, "quarterly": 3}
    return sorted(slots.values(), key=lambda s: (s.post, order.get(s.tier, 9), s.template, s.period.start))


def slot_in_plan(*, template_id: int, post_id: int, tier: str, period: Period, at: datetime) -> bool:
    """Whether the slot of a record stored at `at` was expected. The template applies to the post now
    (inspection_submit checked it): a row is in force since at most `at`, so a record of a period whose
    counted part has not ended is expected without a query; a late one (补录) asks the history."""
    if at < period.counted_end:
        return True
    rows = TemplateAssignment.objects.filter(template_id=template_id, post_id=post_id, tier=tier)
    return rows.filter(
        Q(valid_from__lt=period.end) & (Q(valid_to__isnull=True) | Q(valid_to__gt=period.start))
    ).exists()


# ---------------------------------------------------------------------------------------------
# Every change of a template or of its posts goes into the history, whoever makes it (the API's
# template_save, the admin, onboarding, the demo seed): connected in ChecklistsConfig.ready.


def _template_saved(sender, instance: ChecklistTemplate, raw=False, **kwargs) -> None:
    if not raw:
        template_history_sync(instance)


def _template_posts_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action == "pre_clear" and reverse:  # post.checklist_templates.clear(): remember whose
        instance._history_templates = list(instance.checklist_templates.values_list("id", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        template_history_sync(instance)
        return
    ids = pk_set if action != "post_clear" else getattr(instance, "_history_templates", [])
    for template in ChecklistTemplate.objects.filter(pk__in=list(ids or [])):
        template_history_sync(template)


def connect_history_signals() -> None:
    from django.db.models.signals import m2m_changed, post_save

    post_save.connect(_template_saved, sender=ChecklistTemplate, dispatch_uid="template_history_saved")
    m2m_changed.connect(
        _template_posts_changed, sender=ChecklistTemplate.posts.through, dispatch_uid="template_history_posts"
    )
