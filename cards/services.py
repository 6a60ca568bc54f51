from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cards.models import Card, CardAcknowledgement, CardVersion
from cards.selectors import card_current_version
from core.errors import ApplicationError, Conflict, Forbidden
from orgs.models import SAFETY_MANAGER_ROLES, Person, Post
from orgs.selectors import person_holds_post, role_in, role_required


@transaction.atomic
def card_create(*, by: Person, post: Post, data: dict | None = None) -> Card:
    role_required(by, post.enterprise_id, SAFETY_MANAGER_ROLES)
    card = Card(post=post, enterprise_id=post.enterprise_id, **(data or {}))
    try:
        with transaction.atomic():
            card.save()
    except IntegrityError:
        raise Conflict(_("该岗位已有明白卡。"), field="post") from None
    return card


@transaction.atomic
def card_update_draft(*, by: Person, card: Card, data: dict) -> Card:
    role_required(by, card.enterprise_id, SAFETY_MANAGER_ROLES)
    for field, value in data.items():
        setattr(card, field, value)
    card.save()
    return card


def _check_complete(card: Card) -> None:
    """A card goes on the wall only when a worker can act on it."""
    missing = [
        (field, message)
        for field, ok, message in [
            ("duties", card.duties, _("至少填写一条岗位职责。")),
            ("hazards", card.hazards, _("至少填写一项主要风险。")),
            ("emergency_steps", card.emergency_steps, _("应急处置步骤不能为空。")),
            (
                "emergency_contacts",
                any(c.get("phone") for c in card.emergency_contacts),
                _("至少填写一个应急电话。"),
            ),
        ]
        if not ok
    ]
    if missing:
        errors = [{"field": f, "code": "incomplete", "message": m} for f, m in missing]
        raise ApplicationError(f"{missing[0][0]}: {missing[0][1]}", field=missing[0][0], errors=errors)


@transaction.atomic
def card_publish(*, card: Card, by: Person | None) -> CardVersion:
    """Freeze the draft as the next version. `by=None` is the system (the demo seeder)."""
    if by is not None:
        role_required(by, card.enterprise_id, SAFETY_MANAGER_ROLES)
    card = Card.objects.select_for_update().get(pk=card.pk)  # two publishes cannot both be v2
    _check_complete(card)
    latest = card_current_version(card.post)
    if latest is not None and latest.content == card.content():
        raise Conflict(_("草稿与当前版本相同,无需发布。"), code="nothing_to_publish")
    return CardVersion.objects.create(
        card=card,
        version=(latest.version if latest else 0) + 1,
        content=card.content(),
        published_at=timezone.now(),
        published_by=by,
    )


@transaction.atomic
def card_acknowledge(*, card: Card, by: Person) -> CardAcknowledgement:
    """The calling worker confirms they have read the current version; again is a no-op."""
    if role_in(by, card.enterprise_id) is None:
        raise Forbidden(_("只有本企业人员可以确认明白卡。"))
    if not person_holds_post(by, card.post) and role_in(by, card.enterprise_id) not in SAFETY_MANAGER_ROLES:
        raise Forbidden(_("您不在该岗位,无需确认此明白卡。"))
    version = card_current_version(card.post)
    if version is None:
        raise Conflict(_("该岗位尚未发布明白卡。"), code="not_published")
    acknowledgement, _created = CardAcknowledgement.objects.get_or_create(
        version=version, person=by, defaults={"acknowledged_at": timezone.now()}
    )
    return acknowledgement
