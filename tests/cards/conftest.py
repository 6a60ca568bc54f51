import pytest

from cards.models import Card, CardVersion
from cards.services import card_publish
from tests import factories

CARDS = "/api/v1/cards/"


@pytest.fixture
def card(world) -> Card:
    """A complete draft for world.post, not yet published."""
    return factories.CardFactory(post=world.post)


def published(card: Card, **changes) -> CardVersion:
    """Change the stored draft (if asked) and publish it as the system would."""
    if changes:
        Card.objects.filter(pk=card.pk).update(**changes)
    return card_publish(card=card, by=None)


def assert_error(response, status: int, field: str | None = None, code: str | None = None) -> dict:
    """The one error body, with the offending field when there is one."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) - {"request_id"} == {"code", "message", "field", "errors"}
    assert body["field"] == field, body
    if code is not None:
        assert body["code"] == code, body
    return body
