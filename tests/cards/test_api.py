import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cards.models import CARD_CONTENT_FIELDS, Card, CardAcknowledgement, CardVersion
from tests import factories
from tests.cards.conftest import CARDS, assert_error, published

VERSION_FIELDS = {"id", "card", "post", "version", "published_at", *CARD_CONTENT_FIELDS}


def publish(api, person, card):
    return api.as_(person).post(f"{CARDS}{card.id}/publish/")


def test_a_safety_manager_creates_a_card_that_starts_from_the_defaults(api, world):
    response = api.as_(world.officer).post(CARDS, {"post": world.post.id, "duties": ["巡检"]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["enterprise"] == world.enterprise.id and body["post"] == world.post.id
    assert body["duties"] == ["巡检"] and body["hazards"] == [] and body["current_version"] is None
    assert [s["title"] for s in body["emergency_steps"]] == ["关", "避", "喊", "报", "助"]
    assert Card.objects.get(pk=body["id"]).duties == ["巡检"]


def test_a_second_card_for_a_post_is_a_409_naming_post(api, world, card):
    response = api.as_(world.officer).post(CARDS, {"post": world.post.id})
    assert_error(response, 409, "post", "card_exists")


def test_a_post_the_caller_cannot_see_is_a_400_like_one_that_does_not_exist(api, world):
    foreign = api.as_(world.officer).post(CARDS, {"post": world.other_post.id})
    missing = api.as_(world.officer).post(CARDS, {"post": 999999})
    assert assert_error(foreign, 400, "post")["message"] == assert_error(missing, 400, "post")["message"]
    assert not Card.objects.exists()


@pytest.mark.parametrize(
    "draft, field",
    [
        (
            {"hazards": [{"name": "触电", "risk_level": "red"}, {"name": "中毒", "risk_level": "purple"}]},
            "hazards[1].risk_level",
        ),
        ({"hazards": [{"risk_level": "red"}]}, "hazards[0].name"),
        ({"hazards": "火灾"}, "hazards"),
        ({"emergency_steps": [{"key": "run", "title": "跑", "action": "跑"}]}, "emergency_steps[0].key"),
        ({"emergency_steps": [{"key": "close", "title": "关"}]}, "emergency_steps[0].action"),
        ({"emergency_contacts": [{"name": "值班室", "phone": "call me"}]}, "emergency_contacts[0].phone"),
        ({"emergency_contacts": [{"phone": "119"}]}, "emergency_contacts[0].name"),
        ({"duties": "not a list"}, "duties"),
        ({"ppe": ["安全帽", ""]}, "ppe[1]"),
        ({"controls": [None]}, "controls[0]"),
        ({"operating_rules": ["x" * 501]}, "operating_rules[0]"),
    ],
)
def test_a_draft_of_the_wrong_shape_is_a_400_naming_the_field_and_nothing_is_stored(api, world, card, draft, field):
    before = Card.objects.get(pk=card.pk).content()
    response = api.as_(world.officer).patch(f"{CARDS}{card.id}/", draft, format="json")
    assert_error(response, 400, field)
    assert Card.objects.get(pk=card.pk).content() == before


def test_a_card_of_the_wrong_shape_is_not_created(api, world):
    body = {"post": world.post.id, "hazards": [{"name": "触电", "risk_level": "pink"}]}
    assert_error(api.as_(world.officer).post(CARDS, body), 400, "hazards[0].risk_level")
    assert not Card.objects.exists()


def test_editing_the_draft_replaces_the_given_lists_and_keeps_the_rest(api, world, card):
    steps = [{"key": "report", "title": "报", "action": "先报告"}, {"key": "close", "title": "关", "action": "再关阀"}]
    response = api.as_(world.officer).patch(f"{CARDS}{card.id}/", {"emergency_steps": steps}, format="json")
    assert response.status_code == 200
    assert response.json()["emergency_steps"] == steps  # order kept: the post decides its own steps
    assert response.json()["duties"] == card.duties
    card.refresh_from_db()
    assert card.emergency_steps == steps


def test_publishing_freezes_a_version_that_later_edits_do_not_change(api, world, card):
    first = publish(api, world.officer, card)
    assert first.status_code == 201, first.content
    assert set(first.json()) == VERSION_FIELDS
    assert first.json()["version"] == 1 and first.json()["post"] == world.post.id
    api.as_(world.officer).patch(f"{CARDS}{card.id}/", {"duties": ["新的职责"]})
    assert CardVersion.objects.get(version=1).content["duties"] == ["严格执行操作规程", "每班开展岗位安全检查"]
    second = publish(api, world.officer, card)
    assert second.json()["version"] == 2 and second.json()["duties"] == ["新的职责"]
    detail = api.as_(world.officer).get(f"{CARDS}{card.id}/").json()
    assert detail["current_version"] == 2

    versions = api.as_(world.worker).get(f"{CARDS}{card.id}/versions/").json()
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[1]["duties"] == ["严格执行操作规程", "每班开展岗位安全检查"]


def test_publishing_an_incomplete_draft_is_a_400_naming_the_field(api, world):
    card = factories.CardFactory(post=world.post, hazards=[], emergency_contacts=[])
    body = assert_error(publish(api, world.officer, card), 400, "hazards", "incomplete")
    assert [e["field"] for e in body["errors"]] == ["hazards", "emergency_contacts"]
    assert not CardVersion.objects.exists()


def test_publishing_an_unchanged_draft_is_a_409(api, world, card):
    publish(api, world.officer, card)
    assert_error(publish(api, world.officer, card), 409, None, "nothing_to_publish")
    assert CardVersion.objects.count() == 1


def test_acknowledging_is_tied_to_the_version_and_idempotent(api, world, card):
    url = f"{CARDS}{card.id}/acknowledge/"
    assert_error(api.as_(world.worker).post(url), 409, None, "not_published")
    published(card)
    first = api.as_(world.worker).post(url)
    again = api.as_(world.worker).post(url)
    assert first.status_code == 200 and set(first.json()) == {"version", "acknowledged_at"}
    assert first.json() == again.json() and first.json()["version"] == 1
    published(card, ppe=["安全帽", "护目镜"])
    assert api.as_(world.worker).post(url).json()["version"] == 2
    assert CardAcknowledgement.objects.filter(person=world.worker).count() == 2


def test_the_post_card_endpoint_serves_the_current_published_version(api, world, card):
    url = f"/api/v1/posts/{world.post.id}/card/"
    body = assert_error(api.as_(world.worker).get(url), 404, None, "not_found")
    assert body["message"] == "该岗位尚未发布明白卡。"
    published(card)
    Card.objects.filter(pk=card.pk).update(duties=["草稿里的新职责"])  # a draft is not shown until published
    response = api.as_(world.worker).get(url)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == VERSION_FIELDS and body["version"] == 1 and body["published_at"]
    assert body["duties"] == ["严格执行操作规程", "每班开展岗位安全检查"]
    assert [s["title"] for s in body["emergency_steps"]] == ["关", "避", "喊", "报", "助"]
    assert body["hazards"] == [{"name": "火灾爆炸", "risk_level": "orange", "description": "易燃物料"}]
    assert body["emergency_contacts"] == [{"name": "值班室", "phone": "0711-3200000"}]


def test_the_card_list_filters_by_post_and_enterprise(api, world, card):
    second = factories.CardFactory(post=factories.PostFactory(enterprise=world.enterprise))
    client = api.as_(world.regulator)
    factories.CardFactory(post=world.other_post)
    assert client.get(CARDS).json()["count"] == 3
    assert [c["id"] for c in client.get(CARDS, {"post": second.post_id}).json()["results"]] == [second.id]
    assert client.get(CARDS, {"enterprise": world.enterprise.id}).json()["count"] == 2
    assert client.get(CARDS, {"post": "abc"}).status_code == 400


def test_filtering_on_another_tenants_post_is_an_empty_list_like_an_unknown_one(api, world, card):
    factories.CardFactory(post=world.other_post)
    client = api.as_(world.worker)
    assert client.get(CARDS, {"post": world.other_post.id}).json()["count"] == 0
    assert client.get(CARDS, {"post": 999999}).json()["count"] == 0
    assert client.get(CARDS, {"enterprise": world.other_enterprise.id}).json()["count"] == 0


def endpoints(card, post) -> list[tuple[str, str, dict | None]]:
    return [
        ("get", CARDS, None),
        ("get", f"{CARDS}{card.id}/", None),
        ("patch", f"{CARDS}{card.id}/", {"ppe": ["安全帽"]}),
        ("get", f"{CARDS}{card.id}/versions/", None),
        ("post", f"{CARDS}{card.id}/publish/", None),
        ("post", f"{CARDS}{card.id}/acknowledge/", None),
        ("get", f"/api/v1/posts/{post.id}/card/", None),
    ]


@pytest.mark.parametrize("who", ["outsider", "far_regulator"])
def test_another_tenants_card_is_404_on_every_endpoint(api, world, card, who):
    published(card, duties=["巡检"])
    for method, url, body in endpoints(card, world.post):
        response = getattr(api.as_(getattr(world, who)), method)(url, body, format="json")
        if url == CARDS:
            assert response.status_code == 200 and response.json()["count"] == 0
        else:
            assert_error(response, 404)
    assert_error(api.as_(getattr(world, who)).post(CARDS, {"post": world.post.id}), 400, "post")
    assert CardVersion.objects.count() == 1 and not CardAcknowledgement.objects.exists()


def test_a_regulator_reads_every_endpoint_but_writes_none(api, world, card):
    published(card)
    Card.objects.filter(pk=card.pk).update(ppe=["新的防护用品"])
    expected = {"get": 200, "patch": 403, "post": 403}
    for method, url, body in endpoints(card, world.post):
        response = getattr(api.as_(world.regulator), method)(url, body, format="json")
        assert response.status_code == expected[method], (url, response.content)
    create = api.as_(world.regulator).post(CARDS, {"post": factories.PostFactory(enterprise=world.enterprise).id})
    assert_error(create, 403, None, "permission_denied")
    assert CardVersion.objects.count() == 1 and Card.objects.count() == 1


def test_a_worker_reads_and_acknowledges_but_cannot_write_the_card(api, world, card):
    client = api.as_(world.worker)
    assert client.post(CARDS, {"post": factories.PostFactory(enterprise=world.enterprise).id}).status_code == 403
    assert client.patch(f"{CARDS}{card.id}/", {"ppe": ["x"]}).status_code == 403
    assert publish(api, world.worker, card).status_code == 403
    published(card)
    assert client.get(f"{CARDS}{card.id}/").status_code == 200
    assert client.post(f"{CARDS}{card.id}/acknowledge/").status_code == 200


def test_put_is_not_offered(api, world, card):
    assert api.as_(world.officer).put(f"{CARDS}{card.id}/", {"post": world.post.id}).status_code == 405


def count_queries(callable_) -> int:
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured)


def test_the_card_list_takes_the_same_few_queries_for_any_number_of_cards(api, world, django_assert_max_num_queries):
    def add_published_cards(n):
        for _ in range(n):
            published(factories.CardFactory(post=factories.PostFactory(enterprise=world.enterprise)))

    def listing():
        response = api.as_(world.regulator).get(CARDS)
        assert response.status_code == 200

    add_published_cards(2)
    few = count_queries(listing)
    add_published_cards(8)
    assert count_queries(listing) == few
    client = api.as_(world.regulator)
    with django_assert_max_num_queries(7):  # regulator scopes, region tree (2), roles, count, cards, versions
        assert client.get(CARDS).json()["count"] == 10


def test_versions_and_the_post_card_take_a_bounded_number_of_queries(api, world, card, django_assert_max_num_queries):
    for n in range(5):
        published(card, ppe=[f"防护用品{n}"])
    client = api.as_(world.worker)
    with django_assert_max_num_queries(5):
        assert len(client.get(f"{CARDS}{card.id}/versions/").json()) == 5
    with django_assert_max_num_queries(4):
        assert client.get(f"/api/v1/posts/{world.post.id}/card/").json()["version"] == 5
