"""Reads of cards: the current published version of a post, and the cards a person may read."""

from django.db.models import Prefetch, QuerySet

from cards.models import Card, CardVersion
from orgs.models import Person, Post
from orgs.selectors import scope_to


def card_current_version(post: Post) -> CardVersion | None:
    """The latest published version of the post's card, or None (one query, its card loaded)."""
    return CardVersion.objects.filter(card__post=post).select_related("card").order_by("-version").first()


def cards_visible_to(person: Person) -> QuerySet[Card]:
    """Cards of the enterprises the person may read, with their version numbers (two queries)."""
    versions = Prefetch("versions", queryset=CardVersion.objects.only("id", "card_id", "version"))
    return scope_to(person, Card.objects.select_related("post").prefetch_related(versions))


def card_versions(card: Card) -> QuerySet[CardVersion]:
    """Published versions of a card, newest first (a fresh query: `card.versions` may be a deferred prefetch)."""
    return CardVersion.objects.filter(card=card).select_related("card").order_by("-version")
