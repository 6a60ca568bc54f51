import random
from datetime import UTC, datetime

import pytest

from cards.models import QuestionKind, SpotCheck, SpotCheckAnswer
from cards.selectors import awareness_by_enterprise
from cards.services import spot_check_start
from orgs.models import Role
from reports.selectors.rates import awareness_rate
from tests import factories
from tests.cards.conftest import assert_error

QUESTIONS = "/api/v1/questions/"
SPOT_CHECKS = "/api/v1/spot-checks/"


@pytest.fixture
def questions(world):
    card = factories.CardFactory(post=world.post)
    return [
        factories.QuestionFactory(card=card, text="发现泄漏第一步?", options=["关阀", "跑", "喊"], answer=[0]),
        factories.QuestionFactory(
            card=card,
            kind=QuestionKind.MULTIPLE,
            text="哪些是劳保用品?",
            options=["安全帽", "手套", "拖鞋"],
            answer=[0, 1],
        ),
        factories.QuestionFactory(
            card=card, kind=QuestionKind.TRUE_FALSE, text="动火须办作业票。", options=["对", "错"], answer=[0]
        ),
    ]


def start(api, world, **extra):
    response = api.as_(world.officer).post(SPOT_CHECKS, {"person": world.worker.id, **extra}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def answer_all(api, world, body, right=True):
    """Answer every question of the spot-check, all right or all wrong."""
    answers = []
    for item in body["items"]:
        question = next(q for q in world._questions if q.id == item["question"])
        wrong = [1] if question.kind == QuestionKind.TRUE_FALSE else [2]
        answers.append({"question": question.id, "answer": question.answer if right else wrong})
    return api.as_(world.worker).post(f"{SPOT_CHECKS}{body['id']}/answers/", {"answers": answers}, format="json")


@pytest.fixture
def checked(world, questions):
    world._questions = questions
    return world


def test_a_safety_manager_adds_questions_and_true_false_gets_its_two_options(api, world):
    card = factories.CardFactory(post=world.post)
    response = api.as_(world.officer).post(
        QUESTIONS,
        {"card": card.id, "kind": "true_false", "text": "进入受限空间前先检测。", "answer": [0]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["options"] == ["对", "错"] and response.json()["post"] == world.post.id


@pytest.mark.parametrize(
    "data, field",
    [
        ({"kind": "single", "options": ["a", "b"], "answer": [0, 1]}, "answer"),
        ({"kind": "single", "options": ["a", "b"], "answer": [5]}, "answer"),
        ({"kind": "multiple", "options": ["a"], "answer": [0]}, "options"),
        ({"kind": "multiple", "options": ["a", "b"], "answer": []}, "answer"),
        ({"kind": "true_false", "options": ["对", "错", "不知道"], "answer": [0]}, "options"),
        ({"kind": "essay", "options": ["a", "b"], "answer": [0]}, "kind"),
    ],
)
def test_a_question_of_the_wrong_shape_is_a_400_naming_the_field(api, world, data, field):
    card = factories.CardFactory(post=world.post)
    response = api.as_(world.officer).post(QUESTIONS, {"card": card.id, "text": "题", **data}, format="json")
    assert_error(response, 400, field)


def test_workers_and_other_tenants_do_not_see_questions_and_their_answers(api, world, questions):
    assert api.as_(world.worker).get(QUESTIONS).json()["count"] == 0
    assert api.as_(world.outsider).get(QUESTIONS).json()["count"] == 0
    assert api.as_(world.worker).get(f"{QUESTIONS}{questions[0].id}/").status_code == 404
    assert api.as_(world.officer).get(QUESTIONS).json()["count"] == 3
    other_card = factories.CardFactory(post=world.other_post)
    response = api.as_(world.officer).post(
        QUESTIONS, {"card": other_card.id, "kind": "single", "text": "x", "options": ["a", "b"], "answer": [0]}
    )
    assert_error(response, 400, "card")


def test_a_worker_cannot_write_questions(api, world):
    card = factories.CardFactory(post=world.post)
    data = {"card": card.id, "kind": "single", "text": "x", "options": ["a", "b"], "answer": [0]}
    assert_error(api.as_(world.worker).post(QUESTIONS, data, format="json"), 403)


def test_a_spot_check_draws_questions_of_the_workers_posts_and_hides_the_answers(api, checked):
    world = checked
    factories.QuestionFactory(card=factories.CardFactory(post=world.other_post))  # not the worker's post
    body = start(api, world, question_count=10)
    assert body["question_count"] == 3 and body["finished_at"] is None and body["score"] is None
    assert {item["question"] for item in body["items"]} == {q.id for q in world._questions}
    for item in body["items"]:
        assert item["right_answer"] is None and item["correct"] is None and item["given"] is None
        assert "answer" not in item
    seen = api.as_(world.worker).get(f"{SPOT_CHECKS}{body['id']}/").json()
    assert all(item["right_answer"] is None for item in seen["items"])


def test_the_worker_answers_and_finishes_and_the_score_is_stored(api, checked):
    world = checked
    body = start(api, world)
    assert answer_all(api, world, body).status_code == 200
    response = api.as_(world.worker).post(f"{SPOT_CHECKS}{body['id']}/finish/")
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["correct_count"] == 3 and result["question_count"] == 3 and result["score"] == 1.0
    assert all(item["correct"] is True and item["right_answer"] for item in result["items"])
    assert SpotCheck.objects.get(pk=body["id"]).finished_at is not None


def test_unanswered_and_wrong_answers_count_as_wrong(api, checked):
    world = checked
    body = start(api, world)
    first = next(item for item in body["items"] if item["kind"] == "single")
    api.as_(world.worker).post(
        f"{SPOT_CHECKS}{body['id']}/answers/",
        {"answers": [{"question": first["question"], "answer": [1]}]},
        format="json",
    )
    result = api.as_(world.officer).post(f"{SPOT_CHECKS}{body['id']}/finish/").json()
    assert result["correct_count"] == 0 and result["score"] == 0.0


def test_answering_again_is_idempotent_and_a_new_answer_replaces_the_old(api, checked):
    world = checked
    body = start(api, world)
    url = f"{SPOT_CHECKS}{body['id']}/answers/"
    question = next(item["question"] for item in body["items"] if item["kind"] == "single")
    for given in ([1], [1], [0]):
        response = api.as_(world.worker).post(
            url, {"answers": [{"question": question, "answer": given}]}, format="json"
        )
        assert response.status_code == 200
    assert SpotCheckAnswer.objects.filter(spot_check_id=body["id"]).count() == 3
    assert SpotCheckAnswer.objects.get(spot_check_id=body["id"], question_id=question).answer == [0]


def test_a_finished_spot_check_is_immutable(api, checked):
    world = checked
    body = start(api, world)
    answer_all(api, world, body)
    api.as_(world.worker).post(f"{SPOT_CHECKS}{body['id']}/finish/")
    again = answer_all(api, world, body, right=False)
    assert_error(again, 409, code="finished")
    assert_error(api.as_(world.worker).post(f"{SPOT_CHECKS}{body['id']}/finish/"), 409, code="finished")
    assert SpotCheck.objects.get(pk=body["id"]).correct_count == 3


@pytest.mark.parametrize(
    "answers, field",
    [
        ([{"question": 999999, "answer": [0]}], "answers[0].question"),
        ([{"question": "SINGLE", "answer": [0, 1]}], "answers[0].answer"),
        ([{"question": "SINGLE", "answer": [7]}], "answers[0].answer"),
        ([{"question": "SINGLE", "answer": []}], "answers[0].answer"),
        ([{"question": "SINGLE"}], "answers[0].answer"),
    ],
)
def test_a_bad_answer_is_a_400_naming_it_and_nothing_is_stored(api, checked, answers, field):
    world = checked
    body = start(api, world)
    single = next(item["question"] for item in body["items"] if item["kind"] == "single")
    ok = {"question": single, "answer": [0]}
    answers = [ok, *({**a, "question": single} if a["question"] == "SINGLE" else a for a in answers)]
    field = field.replace("[0]", "[1]")
    response = api.as_(world.worker).post(f"{SPOT_CHECKS}{body['id']}/answers/", {"answers": answers}, format="json")
    assert_error(response, 400, field)
    assert not SpotCheckAnswer.objects.filter(spot_check_id=body["id"], answer__isnull=False).exists()


def test_only_the_checked_worker_answers_and_others_cannot_see_the_spot_check(api, checked):
    world = checked
    body = start(api, world)
    colleague = factories.MembershipFactory(enterprise=world.enterprise, role=Role.WORKER).person
    url = f"{SPOT_CHECKS}{body['id']}/"
    assert api.as_(colleague).get(url).status_code == 404
    assert api.as_(world.outsider).get(url).status_code == 404
    assert api.as_(world.far_regulator).get(url).status_code == 404
    assert api.as_(world.regulator).get(url).status_code == 200
    assert api.as_(world.officer).get(url).status_code == 200
    answers = {"answers": [{"question": body["items"][0]["question"], "answer": [0]}]}
    assert_error(api.as_(world.officer).post(f"{url}answers/", answers, format="json"), 403)
    assert_error(api.as_(world.regulator).post(f"{url}finish/"), 403)
    assert api.as_(colleague).get(SPOT_CHECKS).json()["count"] == 0
    assert api.as_(world.worker).get(SPOT_CHECKS).json()["count"] == 1


def test_starting_needs_a_safety_manager_and_a_member_with_questions(api, world, questions):
    assert_error(api.as_(world.worker).post(SPOT_CHECKS, {"person": world.worker.id}), 403)
    assert_error(api.as_(world.officer).post(SPOT_CHECKS, {"person": world.outsider.id}), 400, "person")
    no_post = factories.MembershipFactory(enterprise=world.enterprise, role=Role.WORKER).person
    response = api.as_(world.officer).post(SPOT_CHECKS, {"person": no_post.id})
    assert_error(response, 400, "person", "no_questions")
    assert not SpotCheck.objects.exists()


def test_inactive_questions_are_not_drawn_and_the_draw_is_random(world, questions):
    questions[0].active = False
    questions[0].save()
    drawn = set()
    for seed in range(20):
        spot = spot_check_start(by=world.officer, person=world.worker, count=1, rng=random.Random(seed))
        drawn |= set(spot.answers.values_list("question_id", flat=True))
    assert drawn == {questions[1].id, questions[2].id}


def test_a_question_already_asked_cannot_be_changed_or_deleted_only_deactivated(api, checked):
    world = checked
    start(api, world)
    url = f"{QUESTIONS}{world._questions[0].id}/"
    assert_error(api.as_(world.officer).patch(url, {"text": "改"}, format="json"), 409, "text", "question_in_use")
    assert_error(api.as_(world.officer).delete(url), 409, code="question_in_use")
    response = api.as_(world.officer).patch(url, {"active": False}, format="json")
    assert response.status_code == 200 and response.json()["active"] is False


def test_the_awareness_rate_per_enterprise_sums_finished_spot_checks(world, django_assert_max_num_queries):
    def spot(enterprise, questions, correct, finished=True):
        SpotCheck.objects.create(
            enterprise=enterprise,
            person=world.worker,
            started_by=world.officer,
            started_at="2024-07-03T01:00:00Z",
            finished_at="2024-07-03T01:10:00Z" if finished else None,
            question_count=questions,
            correct_count=correct,
        )

    spot(world.enterprise, 5, 4)
    spot(world.enterprise, 5, 3)
    spot(world.enterprise, 5, 0, finished=False)
    always = lambda make: make(datetime(2000, 1, 1, tzinfo=UTC), datetime(2999, 1, 1, tzinfo=UTC))  # noqa: E731
    with django_assert_max_num_queries(1):
        rows = {row["enterprise_id"]: row for row in awareness_by_enterprise(SpotCheck.objects.all(), always)}
    mine = rows[world.enterprise.pk]
    assert (mine["spot_checks"], mine["questions"], mine["correct"]) == (2, 10, 7)
    assert awareness_rate(correct=mine["correct"], questions=mine["questions"]) == pytest.approx(0.7)
    assert world.other_enterprise.pk not in rows  # no spot-check: no rate (reports.selectors.rates: None)
    assert awareness_rate(correct=0, questions=0) is None


def test_a_worker_of_two_enterprises_can_be_checked_in_the_one_named(api, checked):
    world = checked
    factories.MembershipFactory(enterprise=world.other_enterprise, person=world.worker)
    world.officer.memberships.create(enterprise=world.other_enterprise, role=Role.SAFETY_OFFICER)
    ambiguous = api.as_(world.officer).post(SPOT_CHECKS, {"person": world.worker.id}, format="json")
    assert_error(ambiguous, 400, "enterprise", "required")
    body = start(api, world, enterprise=world.enterprise.id)
    assert body["enterprise"] == world.enterprise.id and body["question_count"] == 3


@pytest.mark.parametrize("questions_on_card", [2, 12])
def test_a_spot_check_reads_in_a_constant_number_of_queries(
    api, world, django_assert_max_num_queries, questions_on_card
):
    card = factories.CardFactory(post=world.post)
    for _number in range(questions_on_card):
        factories.QuestionFactory(card=card)
    body = start(api, world, question_count=questions_on_card)
    worker = api.as_(world.worker)
    # spot-check with people (1), answers with questions (1), memberships (1), regulator scopes (1)
    with django_assert_max_num_queries(4):
        assert len(worker.get(f"{SPOT_CHECKS}{body['id']}/").json()["items"]) == questions_on_card
    answers = {"answers": [{"question": item["question"], "answer": [0]} for item in body["items"]]}
    with django_assert_max_num_queries(12):
        assert worker.post(f"{SPOT_CHECKS}{body['id']}/answers/", answers, format="json").status_code == 200
    with django_assert_max_num_queries(12):
        assert worker.post(f"{SPOT_CHECKS}{body['id']}/finish/").json()["correct_count"] == questions_on_card
