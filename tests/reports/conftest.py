"""A small archive of week 27 of 2024 (Mon 1 - Sun 7 July, Beijing) for the reports tests.

Two posts with the daily check (two items, one opens a major hazard on failure) and one with a weekly
sweep. Per day and post (on = scanned on site, off = not scanned):

    1 Jul  post A done on   post B done off
    2 Jul  post A late      post B -            (A started on the 2nd, sent on the 3rd at 09:00)
    3 Jul  post A failed 1  post B failed 2     (3 hazards: 2 general, 1 major)
    4-7    -                -
    5 Jul  weekly sweep of post A, on site

One general hazard is closed on the 4th; the major one is assigned with a deadline of the 5th and stays
open (overdue at the week's end). A hazard reported on 8 July belongs to the next week.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from cards.models import CardVersion, Drill, SpotCheck
from checklists.models import ChecklistItem, ChecklistTemplate, HazardGrade, ScanEvent, TemplateAssignment, Tier
from checklists.services import inspection_submit
from hazards import services as hazard_services
from hazards.models import Hazard, HazardStatus
from orgs.models import Person, Post, PostQrToken, Role
from tests import factories

REVIEWS = "/api/v1/reviews/daily/"
DAY_LOG = "/api/v1/reviews/daily/log/"
WEEKLY = "/api/v1/reports/weekly/"
DISPATCHES = "/api/v1/dispatches/"
LONG_AGO = datetime(2024, 1, 1, tzinfo=UTC)


def beijing(*args) -> datetime:
    """An instant given as Beijing wall time (UTC+8, no DST)."""
    return datetime(*args, tzinfo=UTC) - timedelta(hours=8)


def fresh(person: Person) -> Person:
    return Person.objects.get(pk=person.pk)


@dataclass
class Archive:
    post_a: Post
    post_b: Post
    daily: ChecklistTemplate
    valve: ChecklistItem  # general hazard on failure
    exit: ChecklistItem  # major hazard on failure
    weekly: ChecklistTemplate
    principal: Person
    director: Person
    admin: Person
    tokens: dict


def check(archive: Archive, post: Post, *, at: datetime, sent: datetime | None = None, on_site=True, fail=()):
    """Submit the daily check of `post` started at `at` (and received at `sent`, default the same)."""
    by = Person.objects.get(pk=post.holders.first().pk)
    body = {
        "client_uuid": uuid.uuid4(),
        "template": archive.daily.id,
        "post": post.id,
        "started_at": at,
        "scan_token": archive.tokens[post.id] if on_site else "",
        "scan_event": scanned(by, post, at) if on_site else None,
        # Received the instant it started (the clock stands still): the phone says it took a minute.
        "finished_at": at + timedelta(minutes=1),
        "results": [
            {"item": archive.valve.id, "value": "not_ok" if "valve" in fail else "ok"},
            {"item": archive.exit.id, "value": "not_ok" if "exit" in fail else "ok"},
        ],
    }
    with time_machine.travel(sent or at, tick=False):
        inspection, created = inspection_submit(by=by, data=body)
    assert created
    return inspection


def scanned(person: Person, post: Post, at: datetime) -> int:
    """The scan a phone records when it opens the post's code, a minute before the check (on site)."""
    token = PostQrToken.objects.get(post=post, revoked_at__isnull=True)
    return ScanEvent.objects.create(person=person, post=post, token=token, scanned_at=at - timedelta(minutes=1)).id


def backdate(*models) -> None:
    """The world is built today; say it existed before the archive began."""
    for model in models:
        model.objects.update(created_at=LONG_AGO)
    if ChecklistTemplate in models:  # and which templates applied to which posts (checklists.expected)
        TemplateAssignment.objects.update(valid_from=LONG_AGO)


@pytest.fixture
def people(world):
    principal = factories.MembershipFactory(enterprise=world.enterprise, role=Role.PRINCIPAL).person
    director = factories.MembershipFactory(enterprise=world.enterprise, role=Role.SAFETY_DIRECTOR).person
    admin = factories.MembershipFactory(enterprise=world.enterprise, role=Role.ADMIN).person
    return principal, director, admin


@pytest.fixture
def archive(world, people) -> Archive:
    principal, director, admin = people
    post_b = factories.PostFactory(enterprise=world.enterprise, name="装卸岗")
    post_b.holders.add(world.worker)
    daily = factories.TemplateFactory(enterprise=world.enterprise, posts=[world.post, post_b], name="岗位日检")
    valve = factories.ItemFactory(template=daily, label="阀门无泄漏", hazard_grade_on_fail=HazardGrade.GENERAL)
    exit_ = factories.ItemFactory(template=daily, label="安全出口畅通", hazard_grade_on_fail=HazardGrade.MAJOR)
    weekly = factories.TemplateFactory(enterprise=world.enterprise, posts=[world.post], name="周排查", tier=Tier.WEEKLY)
    factories.ItemFactory(template=weekly, label="消防设施完好")
    backdate(Post, ChecklistTemplate)
    tokens = {p.id: factories.QrTokenFactory(post=p).token for p in (world.post, post_b)}
    found = Archive(world.post, post_b, daily, valve, exit_, weekly, principal, director, admin, tokens)

    check(found, world.post, at=beijing(2024, 7, 1, 8, 30))
    check(found, post_b, at=beijing(2024, 7, 1, 9, 0), on_site=False)
    check(found, world.post, at=beijing(2024, 7, 2, 20, 0), sent=beijing(2024, 7, 3, 9, 0))
    check(found, world.post, at=beijing(2024, 7, 3, 8, 0), fail={"valve"})
    check(found, post_b, at=beijing(2024, 7, 3, 8, 10), fail={"valve", "exit"})
    with time_machine.travel(beijing(2024, 7, 5, 10, 0), tick=False):
        inspection_submit(
            by=fresh(world.officer),
            data={
                "client_uuid": uuid.uuid4(),
                "template": weekly.id,
                "post": world.post.id,
                "started_at": beijing(2024, 7, 5, 10, 0),
                "scan_token": tokens[world.post.id],
                "scan_event": scanned(fresh(world.officer), world.post, beijing(2024, 7, 5, 10, 0)),
                "finished_at": beijing(2024, 7, 5, 10, 1),
                "results": [{"item": weekly.items.get().id, "value": "ok"}],
            },
        )
    general_a = Hazard.objects.get(post=world.post)
    major = Hazard.objects.get(grade=HazardGrade.MAJOR)
    with time_machine.travel(beijing(2024, 7, 3, 12, 0), tick=False):
        hazard_services.hazard_assign(
            hazard=major, by=fresh(world.officer), responsible=world.worker, deadline=beijing(2024, 7, 5, 18, 0)
        )
    # Closed on the 4th: the workflow itself is tested in tests/hazards; here only the dates matter.
    Hazard.objects.filter(pk=general_a.pk).update(status=HazardStatus.CLOSED, closed_at=beijing(2024, 7, 4, 16, 0))
    with time_machine.travel(beijing(2024, 7, 8, 9, 0), tick=False):
        hazard_services.hazard_report(
            by=fresh(world.worker), data={"enterprise": world.enterprise, "grade": "general", "description": "下周的"}
        )

    card = factories.CardFactory(post=world.post)
    CardVersion.objects.create(card=card, version=1, content=card.content(), published_at=LONG_AGO)
    SpotCheck.objects.create(
        enterprise=world.enterprise,
        person=world.worker,
        started_by=world.officer,
        started_at=beijing(2024, 7, 4, 10, 0),
        finished_at=beijing(2024, 7, 4, 10, 5),
        question_count=5,
        correct_count=4,
    )
    Drill.objects.create(
        enterprise=world.enterprise, title="泄漏处置演练", planned_on=date(2024, 7, 4), done_on=date(2024, 7, 4)
    )
    return found


def more_posts(world, archive: Archive, n: int) -> None:
    """n more posts with both templates and a record each, to show that queries do not grow."""
    for i in range(n):
        post = factories.PostFactory(enterprise=world.enterprise, name=f"加量岗{i}")
        post.holders.add(world.worker)
        archive.daily.posts.add(post)
        archive.weekly.posts.add(post)
        archive.tokens[post.id] = factories.QrTokenFactory(post=post).token
        check(archive, post, at=beijing(2024, 7, 3, 9, i), fail={"valve"})
    backdate(Post, ChecklistTemplate)


def assert_error(response, status: int, field: str | None = None, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) - {"request_id"} == {"code", "message", "field", "errors"}
    assert body["field"] == field, body
    if code is not None:
        assert body["code"] == code, body
    return body
