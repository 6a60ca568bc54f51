"""Races that only a real multi-connection database can show (run in the PostgreSQL leg)."""

import threading
import uuid

import pytest
from django.db import connection

from checklists.models import Inspection, InspectionResult
from tests.checklists.conftest import submission
from tests.conftest import Client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def post_concurrently(bodies_and_people, url="/api/v1/inspections/"):
    barrier = threading.Barrier(len(bodies_and_people))
    responses = [None] * len(bodies_and_people)

    def send(index, person, body):
        try:
            client = Client().as_(person)
            barrier.wait()
            responses[index] = client.post(url, body, format="json")
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i, p, b)) for i, (p, b) in enumerate(bodies_and_people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return responses


def test_two_identical_submissions_racing_store_one_record(world, daily):
    for _ in range(5):  # several rounds: the race must not be won by luck
        body = submission(daily, world.post)
        responses = post_concurrently([(world.worker, body)] * 4)
        assert sorted(r.status_code for r in responses) == [200, 200, 200, 201]
        assert len({r.data["id"] for r in responses}) == 1
        assert all(r.data == responses[0].data for r in responses)
        assert Inspection.objects.filter(client_uuid=body["client_uuid"]).count() == 1
    assert InspectionResult.objects.count() == 5 * 4


def test_concurrent_submissions_of_one_enterprise_keep_one_unbroken_chain(world, daily):
    bodies = [(world.worker, submission(daily, world.post)) for _ in range(6)]
    responses = post_concurrently(bodies)
    assert [r.status_code for r in responses] == [201] * 6
    records = list(Inspection.objects.order_by("sequence"))
    assert [r.sequence for r in records] == [1, 2, 3, 4, 5, 6]
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(records, records[1:], strict=False))


def test_same_uuid_different_content_racing_gives_one_record_and_409s(world, daily):
    key = str(uuid.uuid4())
    first = submission(daily, world.post, client_uuid=key)
    second = submission(daily, world.post, client_uuid=key)
    second["results"][1]["value"] = 7
    responses = post_concurrently([(world.worker, first), (world.worker, second)])
    assert sorted(r.status_code for r in responses) == [201, 409]
    assert Inspection.objects.filter(client_uuid=key).count() == 1
