"""Who hears about what. In-app notifications are written in the caller's transaction, once per
(recipient, key), so a task or a request that runs twice never notifies twice. Work is batched:
opening fifty hazards costs the same few queries as opening one. New hazards (and overdue ones, in
hazards.escalation) also go to the enterprise's group robots through hazards.webhooks."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.models import HazardGrade
from hazards.models import Hazard, Notification, WebhookEndpoint
from hazards.webhooks import RobotMessage, webhooks_enqueue
from orgs.models import Enterprise, Membership, Person, Role

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


def enterprises_for_messages(enterprise_ids) -> dict[int, dict]:
    """{id: {name, timezone, actual_controller_id, actual_controller_phone, has_robots}} in one query."""
    robots = WebhookEndpoint.objects.filter(enterprise=OuterRef("pk"), active=True)
    rows = (
        Enterprise.objects.filter(pk__in=set(enterprise_ids))
        .annotate(has_robots=Exists(robots))
        .values("pk", "name", "timezone", "actual_controller_id", "actual_controller_phone", "has_robots")
    )
    return {row["pk"]: row for row in rows}


def people(person_ids) -> dict[int, tuple[str, str]]:
    """{person_id: (name, phone)} in one query."""
    rows = Person.objects.filter(pk__in={pk for pk in person_ids if pk}).values_list("pk", "name", "username", "phone")
    return {pk: (name or username, phone) for pk, name, username, phone in rows}


def local_time(instant: datetime, tz: str) -> str:
    return timezone.localtime(instant, ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def hazards_reported(hazards: list[Hazard]) -> list[Notification]:
    """Tell the safety officers about new hazards, and for a major one the principal and the actual
    controller too; the enterprise's group robots get each hazard as well."""
    if not hazards:
        return []
    members = members_by_role(h.enterprise_id for h in hazards)
    enterprises = enterprises_for_messages(h.enterprise_id for h in hazards)
    messages = []
    for hazard in hazards:
        roles = members[hazard.enterprise_id]
        recipients = set().union(*(roles[r] for r in OFFICER_ROLES))
        if hazard.grade == HazardGrade.MAJOR:
            # Seed item 34: a major hazard reaches the principal and the actual controller at once.
            recipients |= roles[Role.PRINCIPAL] | {enterprises[hazard.enterprise_id]["actual_controller_id"]}
            title = _("重大隐患:%(text)s") % {"text": _short(hazard)}
        else:
            title = _("新隐患:%(text)s") % {"text": _short(hazard)}
        messages.append(
            Message(recipients, "hazard_reported", f"hazard:{hazard.id}:reported", title, hazard.location, hazard)
        )
    sent = send(messages)
    with_robots = [(h, m) for h, m in zip(hazards, messages, strict=True) if enterprises[h.enterprise_id]["has_robots"]]
    if with_robots:
        webhooks_enqueue(_reported_robot_messages(with_robots, members, enterprises))
    return sent


def _reported_robot_messages(pairs, members, enterprises) -> list[RobotMessage]:
    wanted = set()
    for hazard, _message in pairs:
        wanted |= {hazard.found_by_id, enterprises[hazard.enterprise_id]["actual_controller_id"]}
        if hazard.grade == HazardGrade.MAJOR:
            wanted |= members[hazard.enterprise_id][Role.PRINCIPAL]
    known = people(wanted)
    robot_messages = []
    for hazard, message in pairs:
        enterprise = enterprises[hazard.enterprise_id]
        lines = [
            _("企业:%(name)s") % {"name": enterprise["name"]},
            _("等级:%(grade)s") % {"grade": HazardGrade(hazard.grade).label},
            _("描述:%(text)s") % {"text": hazard.description[:500]},
        ]
        if hazard.location:
            lines.append(_("位置:%(location)s") % {"location": hazard.location})
        if hazard.basis:
            lines.append(_("判定依据:%(basis)s") % {"basis": hazard.basis})
        found_by = known.get(hazard.found_by_id, ("", ""))[0]
        when = local_time(hazard.found_at, enterprise["timezone"])
        lines.append(_("发现:%(who)s %(when)s") % {"who": found_by, "when": when})
        mobiles = []
        if hazard.grade == HazardGrade.MAJOR:
            # Seed item 34 again: the group message @-mentions the principal and the actual controller.
            principals = sorted(members[hazard.enterprise_id][Role.PRINCIPAL])
            mobiles = [known.get(pk, ("", ""))[1] for pk in principals]
            mobiles.append(enterprise["actual_controller_phone"])
            mobiles.append(known.get(enterprise["actual_controller_id"], ("", ""))[1])
        robot_messages.append(RobotMessage(hazard.enterprise_id, message.key, message.title, lines, mobiles))
    return robot_messages


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


def supervised_hazard_accepted(hazard: Hazard, regulator_id: int) -> list[Notification]:
    """The enterprise accepted a hazard under supervision (挂牌督办): the regulator is to check it (核查销号)."""
    title = _("督办隐患已由企业验收,请核查销号:%(text)s") % {"text": _short(hazard)}
    round_ = hazard.events.filter(action="accept").count()
    key = f"hazard:{hazard.id}:supervised-accepted:{round_}"
    return send([Message({regulator_id}, "supervised_hazard_accepted", key, title, "", hazard)])


def hazard_plan_written(hazard: Hazard, version: int) -> list[Notification]:
    """A plan (五落实) waits for the principal's approval."""
    principals = members_by_role([hazard.enterprise_id])[hazard.enterprise_id][Role.PRINCIPAL]
    title = _("重大隐患治理方案待批准:%(text)s") % {"text": _short(hazard)}
    key = f"hazard:{hazard.id}:plan:{version}"
    return send([Message(principals, "hazard_plan_written", key, title, "", hazard)])


def hazard_verification_failed(hazard: Hazard) -> list[Notification]:
    round_ = hazard.events.filter(action="verify_fail").count()
    title = _("督办隐患未通过监管部门核查:%(text)s") % {"text": _short(hazard)}
    key = f"hazard:{hazard.id}:verify-failed:{round_}"
    return send([Message({hazard.responsible_id}, "hazard_verification_failed", key, title, "", hazard)])


def public_report_received(report) -> list[Notification]:
    """A report from the card waits in the safety managers' triage queue."""
    roles = members_by_role([report.enterprise_id])[report.enterprise_id]
    managers = set().union(*(roles[r] for r in (*OFFICER_ROLES, Role.PRINCIPAL)))
    title = _("收到群众举报:%(text)s") % {"text": report.description[:60]}
    key = f"public-report:{report.id}"
    return send([Message(managers, "public_report", key, title, "", None, report.enterprise_id)])
