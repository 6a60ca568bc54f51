"""Scheduled work that chases people: overdue hazards climb a ladder, checks still due near the end of
their window are reminded, certificates about to expire are reminded. (The week's and the month's
figures are stored snapshots of the reports app, prepared by reports.tasks.)

Every service scans for due work, claims it, and sends with keys, so running it twice (two beat
ticks, two workers, a rerun after a crash) notifies nobody twice. Queries do not grow with the work
(but for one claiming UPDATE per escalated hazard).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from checklists.models import ChecklistTemplate, HazardGrade, Inspection, Tier
from checklists.periods import DAILY, Period, period_kind_for, period_of
from hazards.models import Hazard, HazardAction, HazardEvent, HazardStatus
from hazards.notifications import (
    OFFICER_ROLES,
    Message,
    enterprises_for_messages,
    local_time,
    members_by_role,
    people,
    send,
)
from hazards.webhooks import RobotMessage, webhooks_enqueue
from orgs.models import Certificate, Post, Role

# ---------------------------------------------------------------------------------------------
# Overdue hazards


@dataclass(frozen=True)
class Rung:
    level: int
    after: timedelta  # how long past the deadline
    roles: tuple[str, ...]  # who hears; () means the responsible person


LADDER = (
    Rung(1, timedelta(0), ()),
    Rung(2, timedelta(days=1), OFFICER_ROLES),
    Rung(3, timedelta(days=3), (Role.PRINCIPAL,)),
)
RUNG_AUDIENCE = {1: gettext_lazy("整改责任人"), 2: gettext_lazy("安全员、安全总监"), 3: gettext_lazy("主要负责人")}


def _target_level(deadline: datetime, now: datetime) -> int:
    return max((r.level for r in LADDER if now >= deadline + r.after), default=0)


@transaction.atomic
def hazards_escalate_overdue(*, now: datetime | None = None, limit: int = 500) -> int:
    """Move every overdue hazard (not closed, deadline passed) up the ladder as far as its lateness
    reaches: responsible at the deadline, safety officers and director a day later, the principal three
    days later. A hazard that skipped rungs (beat was down) notifies every rung it passes. Returns how
    many hazards moved."""
    now = now or timezone.now()
    due = Q()
    for rung in LADDER:
        due |= Q(escalation_level=rung.level - 1, deadline__lte=now - rung.after)
    candidates = list(
        Hazard.objects.exclude(status=HazardStatus.CLOSED).filter(due, deadline__isnull=False).order_by("id")[:limit]
    )
    moved: list[tuple[Hazard, int, int]] = []
    for hazard in candidates:
        target = _target_level(hazard.deadline, now)
        # Optimistic claim: of two workers only one moves the level from what both read. The deadline
        # is part of the match: a re-assignment in between restarts the ladder and wins.
        claimed = (
            Hazard.objects.filter(pk=hazard.pk, escalation_level=hazard.escalation_level, deadline=hazard.deadline)
            .exclude(status=HazardStatus.CLOSED)
            .update(escalation_level=target)
        )
        if claimed:
            moved.append((hazard, hazard.escalation_level, target))
    if not moved:
        return 0
    HazardEvent.objects.bulk_create(
        [
            HazardEvent(
                hazard=hazard,
                action=HazardAction.ESCALATE,
                from_status=hazard.status,
                to_status=hazard.status,
                actor=None,
                at=now,
                note=_("逾期升级至第%(level)d级,通知%(who)s。") % {"level": level, "who": RUNG_AUDIENCE[level]},
            )
            for hazard, before, target in moved
            for level in range(before + 1, target + 1)
        ]
    )
    _notify_overdue(moved, now)
    return len(moved)


def _rung_recipients(hazard: Hazard, level: int, roles: dict[str, set[int]]) -> set[int]:
    rung = LADDER[level - 1]
    if not rung.roles:
        return {hazard.responsible_id} if hazard.responsible_id else set()
    return set().union(*(roles[r] for r in rung.roles))


def _notify_overdue(moved: list[tuple[Hazard, int, int]], now: datetime) -> None:
    members = members_by_role(h.enterprise_id for h, _b, _t in moved)
    enterprises = enterprises_for_messages(h.enterprise_id for h, _b, _t in moved)
    messages, robot_moves = [], []
    for hazard, before, target in moved:
        days = (now - hazard.deadline).days
        deadline = local_time(hazard.deadline, enterprises[hazard.enterprise_id]["timezone"])
        title = _("隐患逾期未整改:%(text)s") % {"text": hazard.description[:60]}
        if days:
            body = _("整改期限 %(deadline)s,已逾期 %(days)d 天。") % {"deadline": deadline, "days": days}
        else:
            body = _("整改期限 %(deadline)s 已到,尚未整改完成。") % {"deadline": deadline}
        for level in range(before + 1, target + 1):
            # The deadline is in the key: a re-assigned hazard climbs a fresh ladder.
            key = f"hazard:{hazard.id}:overdue:{level}:{hazard.deadline.isoformat()}"
            recipients = _rung_recipients(hazard, level, members[hazard.enterprise_id])
            messages.append(Message(recipients, "hazard_overdue", key, title, body, hazard))
        if enterprises[hazard.enterprise_id]["has_robots"]:
            robot_moves.append((hazard, target, title, deadline, days))
    send(messages)
    if not robot_moves:
        return
    wanted = {h.responsible_id for h, *_rest in robot_moves}
    for hazard, target, *_rest in robot_moves:
        wanted |= _rung_recipients(hazard, target, members[hazard.enterprise_id])
    known = people(wanted)
    robot_messages = []
    for hazard, target, title, deadline, days in robot_moves:
        lines = [
            _("企业:%(name)s") % {"name": enterprises[hazard.enterprise_id]["name"]},
            _("等级:%(grade)s") % {"grade": HazardGrade(hazard.grade).label},
            _("责任人:%(name)s") % {"name": known.get(hazard.responsible_id, ("", ""))[0]},
            _("整改期限:%(deadline)s(已逾期 %(days)d 天)") % {"deadline": deadline, "days": days},
            _("升级:第%(level)d级,通知%(who)s") % {"level": target, "who": RUNG_AUDIENCE[target]},
        ]
        recipients = sorted(_rung_recipients(hazard, target, members[hazard.enterprise_id]))
        mobiles = [known.get(pk, ("", ""))[1] for pk in recipients]
        key = f"hazard:{hazard.id}:overdue:{target}:{hazard.deadline.isoformat()}"
        robot_messages.append(RobotMessage(hazard.enterprise_id, key, title, lines, mobiles))
    webhooks_enqueue(robot_messages)


# ---------------------------------------------------------------------------------------------
# Checks still due near the end of their window


# How long before its period ends a check that is still due is reminded.
REMIND_BEFORE = {DAILY: timedelta(hours=2)}
REMIND_BEFORE_DEFAULT = timedelta(days=1)  # weekly, monthly, quarterly


@transaction.atomic
def checks_remind_due(*, now: datetime | None = None) -> int:
    """Remind the holders of each post of every active checklist whose current period ends within the
    reminder window and has no record yet, once per (post, template, period). The same rule as
    checklists.selectors.checklists_due (due = nothing recorded for the period and it has not ended),
    computed for all posts at once: five queries whatever their number. Returns the notifications made."""
    now = now or timezone.now()
    links = ChecklistTemplate.posts.through.objects.filter(checklisttemplate__active=True).values_list(
        "checklisttemplate_id",
        "post_id",
        "checklisttemplate__tier",
        "checklisttemplate__name",
        "post__name",
        "post__enterprise_id",
        "post__enterprise__timezone",
        "post__enterprise__industry__high_risk",
    )
    periods: dict[tuple[str, str], Period] = {}
    closing = []
    for template_id, post_id, tier, template_name, post_name, enterprise_id, tz, high_risk in links:
        kind = period_kind_for(tier, high_risk=high_risk)
        if (kind, tz) not in periods:
            periods[(kind, tz)] = period_of(kind, now, tz)
        period = periods[(kind, tz)]
        if period.end - REMIND_BEFORE.get(kind, REMIND_BEFORE_DEFAULT) <= now < period.end:
            closing.append((template_id, post_id, tier, template_name, post_name, enterprise_id, tz, period))
    if not closing:
        return 0
    recorded = set(
        Inspection.objects.filter(
            post_id__in={c[1] for c in closing},
            template_id__in={c[0] for c in closing},
            period__in={c[7].key for c in closing},
        ).values_list("template_id", "post_id", "period")
    )
    holders = defaultdict(set)
    for post_id, person_id in Post.holders.through.objects.filter(post_id__in={c[1] for c in closing}).values_list(
        "post_id", "person_id"
    ):
        holders[post_id].add(person_id)
    messages = []
    for template_id, post_id, tier, template_name, post_name, enterprise_id, tz, period in closing:
        if (template_id, post_id, period.key) in recorded:
            continue
        title = _("请完成%(tier)s:%(template)s(%(post)s)") % {
            "tier": Tier(tier).label,
            "template": template_name,
            "post": post_name,
        }
        body = _("本期(%(period)s)尚无检查记录,截止 %(end)s。") % {
            "period": period.key,
            "end": local_time(period.end, tz),
        }
        key = f"due:{post_id}:{template_id}:{period.key}"
        messages.append(Message(holders[post_id], "check_due", key, title, body, enterprise_id=enterprise_id))
    return len(send(messages))


# ---------------------------------------------------------------------------------------------
# Certificates about to expire (持证上岗, seed item 16)

CERTIFICATE_REMIND_DAYS = 30


@transaction.atomic
def certificates_remind_expiring(*, today: date | None = None) -> int:
    """Tell the holder of each certificate that expires within CERTIFICATE_REMIND_DAYS, and the safety
    officers and director of the enterprise that keeps it, once per (certificate, expiry date): a
    renewal (a new expires_on) starts a new reminder. Three queries whatever the number. Returns the
    notifications made."""
    today = today or timezone.localdate()
    window = Certificate.objects.filter(
        expires_on__gte=today, expires_on__lte=today + timedelta(days=CERTIFICATE_REMIND_DAYS)
    )
    expiring = list(
        window.values_list(
            "pk", "enterprise_id", "person_id", "person__name", "person__username", "kind__name", "number", "expires_on"
        )
    )
    if not expiring:
        return 0
    members = members_by_role(row[1] for row in expiring)
    messages = []
    for pk, enterprise_id, person_id, name, username, kind, number, expires_on in expiring:
        officers = set().union(*(members[enterprise_id][r] for r in OFFICER_ROLES))
        title = _("证书即将到期:%(person)s %(kind)s") % {"person": name or username, "kind": kind}
        body = _("证书编号 %(number)s,有效期至 %(date)s(还有 %(days)d 天),请及时复审或换证。") % {
            "number": number,
            "date": expires_on.isoformat(),
            "days": (expires_on - today).days,
        }
        key = f"certificate:{pk}:expiring:{expires_on.isoformat()}"
        messages.append(
            Message({person_id} | officers, "certificate_expiring", key, title, body, enterprise_id=enterprise_id)
        )
    return len(send(messages))
