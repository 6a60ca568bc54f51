"""Answer keys (issue 11, item 10): nobody reads the answers of a question that is in an open
spot-check of theirs, and nobody spot-checks himself.

The attack: a safety manager who holds a post could read every question's `answer` while a
spot-check on him was open, and could start a spot-check on himself, inflating the awareness rate."""

import pytest

from cards.models import QuestionKind, SpotCheck
from orgs.models import Role
from tests import factories

QUESTIONS = "/api/v1/questions/"
SPOT_CHECKS = "/api/v1/spot-checks/"


@pytest.fixture
def setup(world):
    """The safety officer holds the post (a manager on a post, seed item 11); a director checks him."""
    world.post.holders.add(world.officer)
    world.director = factories.MembershipFactory(enterprise=world.enterprise, role=Role.SAFETY_DIRECTOR).person
    card = factories.CardFactory(post=world.post)
    world.asked = [
        factories.QuestionFactory(card=card, text="发现泄漏第一步?", options=["关阀", "跑", "喊"], answer=[0]),
        factories.QuestionFactory(card=card, kind=QuestionKind.TRUE_FALSE, options=["对", "错"], answer=[1]),
    ]
    other_post = factories.PostFactory(enterprise=world.enterprise)
    world.elsewhere = factories.QuestionFactory(card=factories.CardFactory(post=other_post), answer=[2])
    return world


def start(api, by, person, **extra):
    return api.as_(by).post(SPOT_CHECKS, {"person": person.id, "question_count": 10, **extra}, format="json")


def open_check_on_officer(api, world) -> dict:
    response = start(api, world.director, world.officer)
    assert response.status_code == 201, response.content
    assert {item["question"] for item in response.json()["items"]} == {q.id for q in world.asked}
    return response.json()


def answers_seen(api, person) -> dict[int, object]:
    body = api.as_(person).get(QUESTIONS).json()
    return {row["id"]: row["answer"] for row in body["results"]}


def test_a_manager_under_an_open_spot_check_reads_no_answer_of_its_questions(api, setup):
    world = setup
    assert answers_seen(api, world.officer)[world.asked[0].id] == [0]  # before: he may read them
    open_check_on_officer(api, world)
    seen = answers_seen(api, world.officer)
    assert seen[world.asked[0].id] is None and seen[world.asked[1].id] is None
    assert seen[world.elsewhere.id] == [2]  # a question not in his spot-check keeps its answer
    for question in world.asked:
        detail = api.as_(world.officer).get(f"{QUESTIONS}{question.id}/")
        assert detail.status_code == 200
        assert detail.json()["answer"] is None and set(detail.json()) == {
            "id",
            "card",
            "post",
            "kind",
            "text",
            "options",
            "answer",
            "active",
            "created_at",
        }
    # The manager who started it still reads them.
    assert answers_seen(api, world.director)[world.asked[0].id] == [0]


def test_the_answers_come_back_once_the_spot_check_is_finished(api, setup):
    world = setup
    body = open_check_on_officer(api, world)
    assert api.as_(world.officer).post(f"{SPOT_CHECKS}{body['id']}/finish/").status_code == 200
    assert answers_seen(api, world.officer)[world.asked[0].id] == [0]


def test_a_manager_under_an_open_spot_check_cannot_probe_an_answer_by_editing_the_question(api, setup):
    """Without this, PATCH {answer: [0]} answered 200 when it was the stored answer and 409 otherwise."""
    world = setup
    open_check_on_officer(api, world)
    question = world.asked[0]
    for answer in ([0], [1]):
        response = api.as_(world.officer).patch(f"{QUESTIONS}{question.id}/", {"answer": answer}, format="json")
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "own_spot_check" and "answer" not in response.json()
    response = api.as_(world.officer).patch(f"{QUESTIONS}{question.id}/", {"active": True}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "own_spot_check"


def test_a_finished_spot_check_of_a_colleague_does_not_show_the_answers_of_the_managers_open_one(api, setup):
    world = setup
    colleague = start(api, world.officer, world.worker).json()
    answers = {"answers": [{"question": q.id, "answer": q.answer} for q in world.asked]}
    assert (
        api.as_(world.worker).post(f"{SPOT_CHECKS}{colleague['id']}/answers/", answers, format="json").status_code
        == 200
    )
    assert api.as_(world.worker).post(f"{SPOT_CHECKS}{colleague['id']}/finish/").status_code == 200
    before = api.as_(world.officer).get(f"{SPOT_CHECKS}{colleague['id']}/").json()
    assert {item["question"]: item["right_answer"] for item in before["items"]}[world.asked[0].id] == [0]

    open_check_on_officer(api, world)
    after = api.as_(world.officer).get(f"{SPOT_CHECKS}{colleague['id']}/").json()
    for item in after["items"]:
        assert item["right_answer"] is None and item["correct"] is None
    # The worker and the director still see the finished record whole.
    for reader in (world.worker, world.director):
        items = api.as_(reader).get(f"{SPOT_CHECKS}{colleague['id']}/").json()["items"]
        assert all(item["right_answer"] is not None and item["correct"] is True for item in items)


def test_nobody_starts_a_spot_check_on_himself(api, setup):
    world = setup
    response = start(api, world.officer, world.officer)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["field"] == "person" and body["code"] == "own_spot_check" and body["message"]
    assert not SpotCheck.objects.exists()


def test_a_superuser_does_not_spot_check_himself_either(api, setup):
    world = setup
    root = factories.PersonFactory(is_superuser=True)
    factories.MembershipFactory(enterprise=world.enterprise, person=root, role=Role.SAFETY_OFFICER)
    world.post.holders.add(root)
    response = start(api, root, root, enterprise=world.enterprise.id)
    assert response.status_code == 400 and response.json()["field"] == "person"
    assert not SpotCheck.objects.exists()


def test_the_refusal_speaks_english_when_asked(api, setup):
    world = setup
    response = api.as_(world.officer).post(
        SPOT_CHECKS, {"person": world.officer.id}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400 and response.json()["message"].isascii()
