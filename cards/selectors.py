from django.db.models import QuerySet

from cards.models import Card, CardVersion
from orgs.models import Person, Post
from orgs.selectors import scope_to


def card_current_version(post: Post) -> CardVersion | None:
    """The latest published version of the post's card, or None (one query)."""
    return CardVersion.objects.filter(card__post=post).select_related("card").order_by("-version").first()


def cards_visible_to(person: Person) -> QuerySet[Card]:
    return scope_to(person, Card.objects.select_related("post"))


def card_acknowledged(person: Person, version: CardVersion) -> bool:
    return version.acknowledgements.filter(person=person).exists()
