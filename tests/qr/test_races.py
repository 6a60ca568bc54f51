"""Races that only a real multi-connection database can show (run in the PostgreSQL leg)."""

import threading

import pytest
from django.db import connection

from orgs.models import PostQrToken
from qr.services import qr_token_issue
from tests.conftest import Client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def concurrently(person, method: str, url: str, times: int):
    barrier = threading.Barrier(times)
    responses = [None] * times

    def send(index):
        try:
            client = Client().as_(person)
            barrier.wait()
            responses[index] = getattr(client, method)(url)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return responses


def test_first_prints_racing_agree_on_one_token(world):
    # A GET never issues a code (issue 11); the first POSTs of the card sheet issue the missing ones.
    responses = concurrently(world.officer, "post", f"/api/v1/enterprises/{world.enterprise.id}/cards.pdf", 4)

    assert [r.status_code for r in responses] == [200] * 4
    assert PostQrToken.objects.filter(post=world.post).count() == 1
    images = concurrently(world.officer, "get", f"/api/v1/posts/{world.post.id}/qr.png", 4)
    assert [r.status_code for r in images] == [200] * 4
    assert len({r.content for r in images}) == 1


def test_rotations_racing_leave_exactly_one_active_token(world):
    qr_token_issue(post=world.post)

    responses = concurrently(world.officer, "post", f"/api/v1/posts/{world.post.id}/rotate-qr/", 4)

    assert [r.status_code for r in responses] == [201] * 4
    issued = {r.json()["token"] for r in responses}
    assert len(issued) == 4  # each rotation made its own token, and revoked the one before it
    active = list(PostQrToken.objects.filter(post=world.post, revoked_at__isnull=True).values_list("token", flat=True))
    assert len(active) == 1 and active[0] in issued
    assert PostQrToken.objects.filter(post=world.post).count() == 5
