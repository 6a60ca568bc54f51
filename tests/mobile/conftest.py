import re
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone

from cards.models import Card, CardVersion
from cards.services import card_publish
from hazards.models import Hazard, HazardSource, HazardStatus
from tests import factories

PAGE_BUDGET = 100 * 1024  # bytes of HTML + JS + CSS per page, photos aside (issue 5)


@pytest.fixture
def as_(client):
    """The page client logged in as a person (a session, as the browser has)."""

    def login(person):
        client.force_login(person)
        return client

    return login


def publish_card(post, **changes) -> CardVersion:
    card = Card.objects.filter(post=post).first() or factories.CardFactory(post=post)
    for field, value in changes.items():
        setattr(card, field, value)
    card.save()
    return card_publish(card=card, by=None)


def page_weight(html: bytes) -> int:
    """The page plus every script and stylesheet it links, as a phone downloads them."""
    total = len(html)
    for path in re.findall(rb'(?:src|href)="/static/([^"]+\.(?:js|css))"', html):
        found = finders.find(path.decode())
        assert found, path
        with open(found, "rb") as f:
            total += len(f.read())
    return total


def make_hazard(enterprise, *, by, post=None, days=None, grade="general", status=HazardStatus.OPEN, **fields):
    """A row of the register written directly: the board only reads it."""
    now = timezone.now()
    return Hazard.objects.create(
        enterprise=enterprise,
        post=post,
        grade=grade,
        description=fields.pop("description", "消防通道堵塞"),
        source=fields.pop("source", HazardSource.AD_HOC),
        found_by=by,
        found_at=fields.pop("found_at", now),
        deadline=None if days is None else now + timedelta(days=days),
        status=status,
        closed_at=now if status == HazardStatus.CLOSED else None,
        **fields,
    )


# The reports' small archive (week 27 of 2024) for the supervisor pages.
from tests.reports.conftest import archive, people  # noqa: E402, F401
