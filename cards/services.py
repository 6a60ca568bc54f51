"""Writes to cards: drafts, published versions and acknowledgements.

`data` is content already shaped by cards.serializers (the API and the admin form check it there);
the rules here are who may write, when a draft is complete, and that a version never changes.
"""

import copy

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cards.models import CARD_CONTENT_FIELDS, Card, CardAcknowledgement, CardVersion
from core.errors import ApplicationError, Conflict, Forbidden, NotFound
from orgs.models import SAFETY_MANAGER_ROLES, Person, Post
from orgs.selectors import person_holds_post, role_in, role_required, visible_enterprises


def _content(data: dict | None) -> dict:
    """The content fields of `data`, copied so that later changes to the caller's lists do not leak in."""
    return {field: copy.deepcopy(value) for field, value in (data or {}).items() if field in CARD_CONTENT_FIELDS}


@transaction.atomic
def card_create(*, by: Person, post: Post, data: dict | None = None) -> Card:
    """The card of a post (one per post: 409 when it has one). Fields left out get the defaults."""
    role_required(by, post.enterprise_id, SAFETY_MANAGER_ROLES)
    if Card.objects.filter(post=post).exists():
        raise Conflict(_("该岗位已有明白卡。"), field="post", code="card_exists")
    card = Card(post=post, enterprise_id=post.enterprise_id, **_content(data))
    try:
        with transaction.atomic():
            card.save()
    except IntegrityError:  # created concurrently for the same post
        raise Conflict(_("该岗位已有明白卡。"), field="post", code="card_exists") from None
    return card


@transaction.atomic
def card_update_draft(*, by: Person, card: Card, data: dict) -> Card:
    """Replace the given content fields of the draft; published versions are not touched."""
    role_required(by, card.enterprise_id, SAFETY_MANAGER_ROLES)
    content = _content(data)
    for field, value in content.items():
        setattr(card, field, value)
    card.save(update_fields=[*content, "updated_at"])
    return card


def _check_complete(card: Card) -> None:
    """A card goes on the wall only when a worker can act on it: 400 naming each missing field."""
    rules = [
        ("duties", bool(card.duties), _("至少填写一条岗位职责。")),
        ("hazards", bool(card.hazards), _("至少填写一项主要风险。")),
        ("emergency_steps", bool(card.emergency_steps), _("应急处置步骤不能为空。")),
        (
            "emergency_contacts",
            any(isinstance(c, dict) and c.get("phone") for c in card.emergency_contacts or []),
            _("至少填写一个有电话号码的应急联系人。"),
        ),
    ]
    errors = [{"field": field, "code": "incomplete", "message": message} for field, ok, message in rules if not ok]
    if errors:
        raise ApplicationError(errors[0]["message"], field=errors[0]["field"], code="incomplete", errors=errors)


@transaction.atomic
def card_publish(*, card: Card, by: Person | None) -> CardVersion:
    """Freeze the stored draft as the next version. `by=None` is the system (the demo seeder): no role check."""
    if by is not None:
        role_required(by, card.enterprise_id, SAFETY_MANAGER_ROLES)
    # The row lock makes concurrent publishes take turns, so two of them cannot both write v2.
    card = Card.objects.select_for_update().get(pk=card.pk)
    _check_complete(card)
    latest = CardVersion.objects.filter(card=card).order_by("-version").first()
    content = copy.deepcopy(card.content())
    if latest is not None and latest.content == content:
        raise Conflict(_("草稿与当前版本相同,没有可发布的新内容。"), code="nothing_to_publish")
    try:
        with transaction.atomic():
            return CardVersion.objects.create(
                card=card,
                version=(latest.version if latest else 0) + 1,
                content=content,
                published_at=timezone.now(),
                published_by=by,
            )
    except IntegrityError:  # SQLite has no row locks: a concurrent publish took this number
        raise Conflict(_("该明白卡正在被其他人发布,请刷新后重试。"), code="publish_conflict") from None


def _require_may_acknowledge(by: Person, card: Card) -> None:
    if role_in(by, card.enterprise_id) is not None or person_holds_post(by, card.post):
        return
    if visible_enterprises(by).filter(pk=card.enterprise_id).exists():
        raise Forbidden(_("只有本企业人员可以确认明白卡。"))  # regulators read, never act
    raise NotFound(_("未找到。"))


@transaction.atomic
def card_acknowledge(*, card: Card, by: Person) -> CardAcknowledgement:
    """The person confirms the card's current version; confirming again returns the same row."""
    _require_may_acknowledge(by, card)
    version = CardVersion.objects.filter(card=card).order_by("-version").first()
    if version is None:
        raise Conflict(_("该岗位尚未发布明白卡。"), code="not_published")
    # get_or_create retries the read when a concurrent confirmation inserted the row first.
    acknowledgement, _created = CardAcknowledgement.objects.get_or_create(
        version=version, person=by, defaults={"acknowledged_at": timezone.now()}
    )
    return acknowledgement
