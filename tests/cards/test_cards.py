import pytest

from cards.models import Card, CardAcknowledgement, CardVersion
from orgs.models import Person
from tests import factories

CARDS = "/api/v1/cards/"


@pytest.fixture
def card(world):
    return factories.CardFactory(post=world.post)


def publish(api, person, card):
    return api.as_(person).post(f"{CARDS}{card.id}/publish/")


def test_publishing_freezes_a_version_that_later_edits_do_not_change(api, world, card):
    first = publish(api, world.officer, card)
    assert first.status_code == 201, first.data
    assert first.data["version"] == 1 and first.data["duties"] == card.duties
    edit = api.as_(world.officer).patch(f"{CARDS}{card.id}/", {"duties": ["新的职责"]})
    assert edit.status_code == 200 and edit.data["duties"] == ["新的职责"]
    assert CardVersion.objects.get(version=1).content["duties"] == ["严格执行操作规程", "每班开展岗位安全检查"]
    second = publish(api, world.officer, card)
    assert second.data["version"] == 2 and second.data["duties"] == ["新的职责"]
    versions = api.as_(world.worker).get(f"{CARDS}{card.id}/versions/").data
    assert [v["version"] for v in versions] == [2, 1]


def test_a_published_version_cannot_be_saved_again(world, card):
    from cards.services import card_publish

    version = card_publish(card=card, by=None)
    version.content = {"duties": ["篡改"]}
    with pytest.raises(ValueError):
        version.save()


def test_publishing_an_unchanged_draft_is_a_409(api, world, card):
    publish(api, world.officer, card)
    response = publish(api, world.officer, card)
    assert response.status_code == 409 and response.data["code"] == "nothing_to_publish"
    assert CardVersion.objects.count() == 1


def test_an_incomplete_draft_is_a_400_naming_the_field(api, world):
    card = factories.CardFactory(post=world.post, hazards=[], emergency_contacts=[])
    response = publish(api, world.officer, card)
    assert response.status_code == 400
    assert response.data["field"] == "hazards"
    assert [e["field"] for e in response.data["errors"]] == ["hazards", "emergency_contacts"]
    assert CardVersion.objects.count() == 0


@pytest.mark.parametrize(
    "draft, field",
    [
        ({"hazards": [{"name": "触电", "risk_level": "purple"}]}, "hazards[0].risk_level"),
        ({"emergency_steps": [{"key": "run", "title": "跑", "action": "跑"}]}, "emergency_steps[0].key"),
        ({"emergency_contacts": [{"name": "值班室", "phone": "call me"}]}, "emergency_contacts[0].phone"),
        ({"duties": "not a list"}, "duties"),
        ({"ppe": [""]}, "ppe[0]"),
    ],
)
def test_a_draft_of_the_wrong_shape_is_a_400_naming_the_field(api, world, card, draft, field):
    response = api.as_(world.officer).patch(f"{CARDS}{card.id}/", draft, format="json")
    assert response.status_code == 400, response.data
    assert response.data["field"] == field


def test_the_post_card_endpoint_serves_the_current_version(api, world, card):
    url = f"/api/v1/posts/{world.post.id}/card/"
    missing = api.as_(world.worker).get(url)
    assert missing.status_code == 404 and "尚未发布" in missing.data["message"]
    publish(api, world.officer, card)
    response = api.as_(world.worker).get(url)
    assert response.status_code == 200
    assert response.data["version"] == 1
    assert [s["title"] for s in response.data["emergency_steps"]] == ["关", "避", "喊", "报", "助"]
    assert response.data["hazards"][0]["risk_level"] == "orange"
    assert api.as_(world.regulator).get(url).status_code == 200
    assert api.as_(world.outsider).get(url).status_code == 404


def test_acknowledging_is_tied_to_the_version_and_idempotent(api, world, card):
    url = f"{CARDS}{card.id}/acknowledge/"
    assert api.as_(world.worker).post(url).status_code == 409  # nothing published yet
    publish(api, world.officer, card)
    first = api.as_(world.worker).post(url)
    again = api.as_(world.worker).post(url)
    assert first.status_code == 200 and first.data == again.data and first.data["version"] == 1
    api.as_(world.officer).patch(f"{CARDS}{card.id}/", {"ppe": ["安全帽", "护目镜"]})
    publish(api, world.officer, card)
    assert api.as_(world.worker).post(url).data["version"] == 2
    assert CardAcknowledgement.objects.filter(person=world.worker).count() == 2


def test_who_may_write_cards(api, world, card):
    other_post = factories.PostFactory(enterprise=world.enterprise)
    body = {"post": other_post.id, "duties": ["巡检"]}
    assert api.as_(world.worker).post(CARDS, body).status_code == 403
    assert api.as_(world.regulator).post(CARDS, body).status_code == 403
    created = api.as_(world.officer).post(CARDS, body)
    assert created.status_code == 201 and created.data["enterprise"] == world.enterprise.id
    assert api.as_(world.officer).post(CARDS, body).status_code == 409  # one card per post
    assert api.as_(world.worker).patch(f"{CARDS}{card.id}/", {"ppe": ["x"]}).status_code == 403
    assert publish(api, world.worker, card).status_code == 403
    assert publish(api, world.regulator, card).status_code == 403
    assert api.as_(world.regulator).post(f"{CARDS}{card.id}/acknowledge/").status_code == 403


def test_another_tenants_card_is_404_everywhere(api, world, card):
    for method, url in [
        ("get", f"{CARDS}{card.id}/"),
        ("patch", f"{CARDS}{card.id}/"),
        ("get", f"{CARDS}{card.id}/versions/"),
        ("post", f"{CARDS}{card.id}/publish/"),
        ("post", f"{CARDS}{card.id}/acknowledge/"),
    ]:
        assert getattr(api.as_(world.outsider), method)(url, {}).status_code == 404, url
        assert getattr(api.as_(world.far_regulator), method)(url, {}).status_code == 404, url
    created = api.as_(world.outsider).post(CARDS, {"post": world.post.id})
    assert created.status_code == 400 and created.data["field"] == "post"
    assert api.as_(world.outsider).get(CARDS).data["count"] == 0


def test_the_card_list_takes_a_constant_number_of_queries(api, world, django_assert_max_num_queries):
    from cards.services import card_publish

    for _ in range(8):
        card_publish(card=factories.CardFactory(post=factories.PostFactory(enterprise=world.enterprise)), by=None)
    api.as_(world.officer)
    with django_assert_max_num_queries(6):  # scopes, roles, count, cards, versions
        assert api.get(CARDS).data["count"] == 8


def test_the_admin_edits_list_fields_one_per_line_and_publishes(client, world, card):
    admin = Person.objects.create_superuser("root", password="pw-123456789")
    client.force_login(admin)
    url = f"/admin/cards/card/{card.id}/change/"
    assert client.get(url).status_code == 200
    form = {
        "post": world.post.id,
        "duties": "巡检\n记录",
        "hazards": '[{"name": "中毒", "risk_level": "red", "description": ""}]',
        "controls": "通风",
        "emergency_steps": '[{"key": "close", "title": "关", "action": "关阀"}]',
        "emergency_contacts": '[{"name": "值班室", "phone": "0711-3200000"}]',
        "required_certificates": "",
        "ppe": "防毒面具",
        "operating_rules": "",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    card = Card.objects.get(pk=card.pk)
    assert card.duties == ["巡检", "记录"] and card.hazards[0]["risk_level"] == "red"
    bad = client.post(url, {**form, "hazards": '[{"name": "x", "risk_level": "purple"}]'})
    assert bad.status_code == 200 and Card.objects.get(pk=card.pk).hazards[0]["risk_level"] == "red"
    client.post("/admin/cards/card/", {"action": "publish", "_selected_action": [card.id]})
    assert CardVersion.objects.filter(card=card).count() == 1
