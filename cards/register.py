"""Cards from the risk register (双重预防): a post's card shows the risks of the points it is exposed
to, with their grade colours, and the controls the post owns; a change publishes a new version."""

from django.db import transaction
from django.utils.translation import gettext as _

from cards.models import Card, CardVersion
from cards.services import card_publish
from core.errors import ApplicationError
from orgs.models import SAFETY_MANAGER_ROLES, Person, Post
from orgs.selectors import role_required
from risks.selectors import post_register


def card_register_content(post: Post) -> dict | None:
    """The card fields the register decides for the post ({hazards, controls}), or None when the
    post is exposed to no assessed risk point (its card then keeps what was written by hand)."""
    register = post_register(post)
    if not register.hazards:
        return None
    return {"hazards": register.hazards, "controls": register.controls}


@transaction.atomic
def card_sync_register(*, post: Post, by: Person | None) -> tuple[Card, CardVersion | None]:
    """Write the register's hazards and controls into the post's card draft and publish it when the
    published content differs. Returns the card and the new version (None: nothing changed).
    `by=None` is the system (the demo seeder)."""
    if by is not None:
        role_required(by, post.enterprise_id, SAFETY_MANAGER_ROLES)
    content = card_register_content(post)
    if content is None:
        raise ApplicationError(_("该岗位没有接触任何已评价的风险点。"), field="post", code="no_register")
    card = Card.objects.select_for_update().filter(post=post).first() or Card(post=post, enterprise=post.enterprise)
    changed = [field for field, value in content.items() if getattr(card, field) != value]
    for field in changed:
        setattr(card, field, content[field])
    if card.pk is None or changed:
        card.save()
    latest = CardVersion.objects.filter(card=card).order_by("-version").first()
    if latest is not None and latest.content == card.content():
        return card, None
    return card, card_publish(card=card, by=by)
