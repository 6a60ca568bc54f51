import json

import pytest

from cards.models import Card, CardVersion
from tests import factories
from tests.cards.conftest import published


@pytest.fixture
def admin_client(client, db):
    client.force_login(factories.PersonFactory(username="root", is_superuser=True, is_staff=True))
    return client


def form_for(card: Card, **changes) -> dict:
    shown = card.versions.count() if card.pk else 0
    form = {
        "duties": "巡检\n\n  记录  ",
        "hazards": json.dumps([{"name": "中毒", "risk_level": "red", "description": ""}], ensure_ascii=False),
        "controls": "通风",
        "emergency_steps": json.dumps([{"key": "close", "title": "关", "action": "关阀"}], ensure_ascii=False),
        "emergency_contacts": json.dumps([{"name": "值班室", "phone": "0711-3200000"}], ensure_ascii=False),
        "required_certificates": "",
        "ppe": "防毒面具\n安全帽",
        "operating_rules": "",
        # the inline of published versions is part of the change form
        "versions-TOTAL_FORMS": str(shown),
        "versions-INITIAL_FORMS": str(shown),
        "versions-MIN_NUM_FORMS": "0",
        "versions-MAX_NUM_FORMS": "1000",
    }
    form.update(changes)
    return form


def test_an_admin_opens_the_card_change_page_with_one_entry_per_line(admin_client, world):
    card = factories.CardFactory(post=world.post)
    published(card)
    page = admin_client.get(f"/admin/cards/card/{card.id}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "严格执行操作规程\n每班开展岗位安全检查</textarea>" in html
    assert "&quot;risk_level&quot;: &quot;orange&quot;" in html  # hazards as indented JSON
    assert 'name="post"' not in html  # a card stays with its post


def test_an_admin_saves_a_draft(admin_client, world):
    card = factories.CardFactory(post=world.post)
    version = published(card)
    response = admin_client.post(f"/admin/cards/card/{card.id}/change/", form_for(card))
    assert response.status_code == 302, response.content.decode()[:3000]
    card.refresh_from_db()
    assert card.duties == ["巡检", "记录"] and card.ppe == ["防毒面具", "安全帽"]
    assert card.required_certificates == [] and card.hazards[0]["risk_level"] == "red"
    assert card.emergency_steps == [{"key": "close", "title": "关", "action": "关阀"}]
    assert card.post == world.post and card.enterprise == world.enterprise
    assert CardVersion.objects.get(pk=version.pk).content["duties"] == ["严格执行操作规程", "每班开展岗位安全检查"]


@pytest.mark.parametrize(
    "changes, shown",
    [
        ({"hazards": '[{"name": "x", "risk_level": "purple"}]'}, "hazards[0].risk_level"),
        ({"emergency_steps": '[{"key": "run", "title": "跑", "action": "跑"}]'}, "emergency_steps[0].key"),
        ({"emergency_contacts": '{"name": "值班室"}'}, "emergency_contacts"),
        ({"hazards": "[{not json"}, "hazards"),
    ],
)
def test_the_admin_refuses_a_draft_of_the_wrong_shape(admin_client, world, changes, shown):
    card = factories.CardFactory(post=world.post)
    response = admin_client.post(f"/admin/cards/card/{card.id}/change/", form_for(card, **changes))
    assert response.status_code == 200
    assert shown in response.content.decode() and "errorlist" in response.content.decode()
    assert Card.objects.get(pk=card.pk).hazards == card.hazards


def test_an_admin_adds_a_card_whose_enterprise_follows_the_post(admin_client, world):
    blank = Card(post=world.post)
    response = admin_client.post("/admin/cards/card/add/", {**form_for(blank), "post": world.post.id})
    assert response.status_code == 302, response.content.decode()[:3000]
    card = Card.objects.get(post=world.post)
    assert card.enterprise == world.enterprise and card.duties == ["巡检", "记录"]


def test_the_publish_action_publishes_and_reports_nothing_new(admin_client, world):
    card = factories.CardFactory(post=world.post)
    action = {"action": "publish", "_selected_action": [card.id]}
    response = admin_client.post("/admin/cards/card/", action, follow=True)
    assert response.status_code == 200 and "v1" in response.content.decode()
    assert list(CardVersion.objects.values_list("version", flat=True)) == [1]
    again = admin_client.post("/admin/cards/card/", action, follow=True)
    assert "没有可发布的新内容" in again.content.decode()
    assert CardVersion.objects.count() == 1


def test_published_versions_are_read_only_in_the_admin(admin_client, world):
    version = published(factories.CardFactory(post=world.post))
    assert admin_client.get("/admin/cards/cardversion/").status_code == 200
    assert admin_client.get("/admin/cards/cardversion/add/").status_code == 403
    page = admin_client.get(f"/admin/cards/cardversion/{version.id}/change/")
    assert page.status_code == 200 and 'name="content"' not in page.content.decode()
    assert admin_client.post(f"/admin/cards/cardversion/{version.id}/change/", {"version": 9}).status_code == 403
    assert admin_client.post(f"/admin/cards/cardversion/{version.id}/delete/", {"post": "yes"}).status_code == 403
    assert CardVersion.objects.get(pk=version.pk).version == 1


def test_the_acknowledgement_changelist_opens(admin_client, world):
    assert admin_client.get("/admin/cards/cardacknowledgement/").status_code == 200
    assert admin_client.get("/admin/cards/cardacknowledgement/add/").status_code == 403
