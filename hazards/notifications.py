"""Who hears about what. In-app notifications are written in the caller's transaction, once per
(recipient, key), so a task or a request that runs twice never notifies twice. Work is batched:
opening fifty hazards costs the same few queries as opening one."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.models import HazardGrade
from hazards.models import Hazard, Notification
from orgs.models import Enterprise, Membership, Role

OFFICER_ROLES = (Role.SAFETY_OFFICER, Role.SAFETY_DIRECTOR)


@dataclass
class Message:
    recipients: set[int]
    kind: str
    key: str  # what makes this message unique for a recipient
    title: str
    body: str = ""
    hazard: Hazard | None = None
    enterprise_id: int | None = None
    extra: dict = field(default_factory=dict)


def send(messages: list[Message]) -> list[Notification]:
    """Put each message in its recipients' inboxes unless it is there already; returns the new rows."""
    wanted = {(rid, m.key): m for m in messages for rid in m.recipients if rid}
    if not wanted:
        return []
    existing = set(
        Notification.objects.filter(
            key__in={key for _rid, key in wanted}, recipient_id__in={rid for rid, _key in wanted}
        ).values_list("recipient_id", "key")
    )
    now = timezone.now()
    new = [
        Notification(
            recipient_id=rid,
            kind=m.kind,
            key=key,
            title=m.title,
            body=m.body,
            hazard=m.hazard,
            enterprise_id=m.enterprise_id or (m.hazard.enterprise_id if m.hazard else None),
            created_at=now,
        )
        for (rid, key), m in sorted(wanted.items(), key=lambda kv: kv[0])
        if (rid, key) not in existing
    ]
    return Notification.objects.bulk_create(new, ignore_conflicts=True)  # a concurrent twin loses quietly


def members_by_role(enterprise_ids) -> dict[int, dict[str, set[int]]]:
    """{enterprise_id: {role: {person_id}}} in one query."""
    found: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    rows = Membership.objects.filter(enterprise_id__in=set(enterprise_ids)).values_list(
        "enterprise_id", "role", "person_id"
    )
    for enterprise_id, role, person_id in rows:
        found[enterprise_id][role].add(person_id)
    return found


def _short(hazard: Hazard) -> str:
    return hazard.description[:60]


def hazards_reported(hazards: list[Hazard]) -> list[Notification]:
    if not hazards:
        return []
    members = members_by_role(h.enterprise_id for h in hazards)
    controllers = dict(
        Enterprise.objects.filter(pk__in={h.enterprise_id for h in hazards}).values_list("pk", "actual_controller_id")
    )
    messages = []
    for hazard in hazards:
        roles = members[hazard.enterprise_id]
        recipients = set().union(*(roles[r] for r in OFFICER_ROLES))
        if hazard.grade == HazardGrade.MAJOR:
            # Seed item 34: a major hazard reaches the principal and the actual controller at once.
            recipients |= roles[Role.PRINCIPAL] | {controllers.get(hazard.enterprise_id)}
            title = _("重大隐患:%(text)s") % {"text": _short(hazard)}
        else:
            title = _("新隐患:%(text)s") % {"text": _short(hazard)}
        messages.append(
            Message(recipients, "hazard_reported", f"hazard:{hazard.id}:reported", title, hazard.location, hazard)
        )
    return send(messages)


def hazard_assigned(hazard: Hazard) -> list[Notification]:
    deadline = timezone.localtime(hazard.deadline).strftime("%Y-%m-%d %H:%M")
    key = f"hazard:{hazard.id}:assigned:{hazard.responsible_id}:{hazard.deadline.isoformat()}"
    title = _("请整改隐患:%(text)s") % {"text": _short(hazard)}
    body = _("整改期限:%(deadline)s") % {"deadline": deadline}
    return send([Message({hazard.responsible_id}, "hazard_assigned", key, title, body, hazard)])


def hazard_submitted(hazard: Hazard) -> list[Notification]:
    roles = members_by_role([hazard.enterprise_id])[hazard.enterprise_id]
    acceptors = set().union(*(roles[r] for r in (*OFFICER_ROLES, Role.PRINCIPAL)))
    round_ = hazard.events.filter(action="submit").count()
    title = _("隐患待验收:%(text)s") % {"text": _short(hazard)}
    return send([Message(acceptors, "hazard_submitted", f"hazard:{hazard.id}:submitted:{round_}", title, "", hazard)])


def hazard_rejected(hazard: Hazard) -> list[Notification]:
    round_ = hazard.events.filter(action="reject").count()
    title = _("整改未通过验收:%(text)s") % {"text": _short(hazard)}
    key = f"hazard:{hazard.id}:rejected:{round_}"
    return send([Message({hazard.responsible_id}, "hazard_rejected", key, title, "", hazard)])


def hazard_closed(hazard: Hazard) -> list[Notification]:
    title = _("隐患已销号:%(text)s") % {"text": _short(hazard)}
    recipients = {hazard.responsible_id, hazard.found_by_id}
    return send([Message(recipients, "hazard_closed", f"hazard:{hazard.id}:closed", title, "", hazard)])
