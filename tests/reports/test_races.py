"""Races that only a real multi-connection database can show (run in the PostgreSQL leg)."""

import threading

import pytest
from django.db import connection

from reports.models import DailyReview, WeeklyReport
from tests.conftest import Client
from tests.reports.conftest import DISPATCHES, REVIEWS, WEEKLY

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def concurrently(calls):
    """Run (person, method, url, body) requests at the same instant; the responses in order."""
    barrier = threading.Barrier(len(calls))
    responses = [None] * len(calls)

    def send(index, person, method, url, body):
        try:
            client = Client().as_(person)
            barrier.wait()
            responses[index] = getattr(client, method)(url, body, format="json")
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return responses


def test_racing_generations_of_one_week_make_one_report(world, people):
    director = people[1]
    for week in ("2024-W25", "2024-W26", "2024-W27"):
        body = {"enterprise": world.enterprise.id, "week": week}
        responses = concurrently([(p, "post", WEEKLY, body) for p in (world.officer, director) * 2])
        assert sorted(r.status_code for r in responses) == [200, 200, 200, 201]
        assert len({r.data["id"] for r in responses}) == 1
    assert WeeklyReport.objects.count() == 3


def test_racing_signatures_of_one_day_keep_one(world, people):
    principal, director, _admin = people
    body = {"enterprise": world.enterprise.id, "date": "2024-07-03", "note": "签"}
    responses = concurrently([(p, "post", REVIEWS, body) for p in (world.officer, director, principal)])
    assert sorted(r.status_code for r in responses) == [201, 409, 409]
    assert DailyReview.objects.count() == 1


def test_racing_minutes_and_signature_of_a_dispatch_never_change_it_after_signing(world, people):
    principal, _director, admin = people
    dispatch = Client().as_(principal).post(DISPATCHES, {"enterprise": world.enterprise.id, "month": "2024-07"})
    url = f"{DISPATCHES}{dispatch.data['id']}/"
    Client().as_(principal).patch(url, {"summary": "初稿"}, format="json")
    responses = concurrently([(principal, "post", f"{url}sign/", {}), (admin, "patch", url, {"summary": "改稿"})])
    signed, edited = responses
    assert signed.status_code == 200
    final = Client().as_(principal).get(url).data
    # Either the edit came first and was signed, or it came after the signature and was refused.
    assert (edited.status_code, final["summary"]) in {(200, "改稿"), (409, "初稿")}
    assert final["summary"] == signed.data["summary"]
