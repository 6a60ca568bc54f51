"""Races that only a real multi-connection database can show (run in the PostgreSQL leg)."""

import threading

import pytest
from django.db import connection

from cards.models import Card, CardAcknowledgement, CardVersion
from cards.services import spot_check_start
from tests import factories
from tests.cards.conftest import CARDS, published
from tests.conftest import Client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def post_concurrently(person, url: str, times: int):
    barrier = threading.Barrier(times)
    responses = [None] * times

    def send(index):
        try:
            client = Client().as_(person)
            barrier.wait()
            responses[index] = client.post(url)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return responses


def test_publishes_racing_write_one_new_version_and_the_rest_find_nothing_new(world):
    card = factories.CardFactory(post=world.post)
    published(card)
    for round_ in range(3):  # several rounds: the race must not be won by luck
        Card.objects.filter(pk=card.pk).update(ppe=[f"防护用品{round_}"])
        responses = post_concurrently(world.officer, f"{CARDS}{card.id}/publish/", 4)
        assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
        assert all(r.json()["code"] == "nothing_to_publish" for r in responses if r.status_code == 409)
    assert list(CardVersion.objects.filter(card=card).values_list("version", flat=True)) == [4, 3, 2, 1]


def test_acknowledgements_racing_store_one_row(world):
    card = factories.CardFactory(post=world.post)
    published(card)
    responses = post_concurrently(world.worker, f"{CARDS}{card.id}/acknowledge/", 4)
    assert [r.status_code for r in responses] == [200] * 4
    assert len({r.json()["acknowledged_at"] for r in responses}) == 1
    assert CardAcknowledgement.objects.filter(person=world.worker).count() == 1


def test_finishes_racing_score_once_and_the_rest_find_it_finished(world):
    card = factories.CardFactory(post=world.post)
    questions = [factories.QuestionFactory(card=card) for _ in range(3)]
    spot = spot_check_start(by=world.officer, person=world.worker, count=3)
    spot.answers.filter(question=questions[0]).update(answer=[0])
    responses = post_concurrently(world.worker, f"/api/v1/spot-checks/{spot.id}/finish/", 4)
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409]
    spot.refresh_from_db()
    assert (spot.question_count, spot.correct_count) == (3, 1)
