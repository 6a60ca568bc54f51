import pytest

from cards.models import DEFAULT_EMERGENCY_STEPS, Card, CardAcknowledgement, CardVersion
from cards.selectors import card_current_version, cards_visible_to
from cards.services import card_acknowledge, card_create, card_publish, card_update_draft
from core.errors import ApplicationError, Conflict, Forbidden, NotFound
from orgs.models import Role
from tests import factories
from tests.cards.conftest import published


def test_publishing_makes_v1_then_v2_and_v1_keeps_its_content(world, card):
    first = card_publish(card=card, by=world.officer)
    card_update_draft(by=world.officer, card=card, data={"duties": ["新的职责"]})

    first.refresh_from_db()
    assert first.version == 1 and first.published_by == world.officer
    assert first.content["duties"] == ["严格执行操作规程", "每班开展岗位安全检查"]
    second = card_publish(card=card, by=world.officer)
    assert second.version == 2 and second.content["duties"] == ["新的职责"]
    assert CardVersion.objects.get(pk=first.pk).content == first.content
    assert set(second.content) == {
        "duties",
        "hazards",
        "controls",
        "emergency_steps",
        "emergency_contacts",
        "required_certificates",
        "ppe",
        "operating_rules",
    }


def test_a_published_version_is_a_copy_that_later_changes_to_the_draft_do_not_reach(world, card):
    version = card_publish(card=card, by=None)
    card.duties.append("改在内存里")
    card.hazards[0]["risk_level"] = "red"
    assert "改在内存里" not in version.content["duties"]
    assert version.content["hazards"][0]["risk_level"] == "orange"


def test_a_published_version_cannot_be_saved_again(world, card):
    version = card_publish(card=card, by=None)
    version.content = {"duties": ["篡改"]}
    with pytest.raises(ValueError):
        version.save()
    assert CardVersion.objects.get(pk=version.pk).content["duties"] != ["篡改"]


def test_the_system_publishes_without_a_person(world, card):
    version = card_publish(card=card, by=None)
    assert version.version == 1 and version.published_by is None


def test_publishing_takes_the_stored_draft_not_unsaved_changes(world, card):
    card.duties = ["没有保存的职责"]
    version = card_publish(card=card, by=None)
    assert version.content["duties"] == ["严格执行操作规程", "每班开展岗位安全检查"]


@pytest.mark.parametrize(
    "missing, field",
    [
        ({"duties": []}, "duties"),
        ({"hazards": []}, "hazards"),
        ({"emergency_steps": []}, "emergency_steps"),
        ({"emergency_contacts": []}, "emergency_contacts"),
        ({"emergency_contacts": [{"name": "值班室", "phone": ""}]}, "emergency_contacts"),
    ],
)
def test_an_incomplete_draft_is_refused_naming_the_field(world, missing, field):
    card = factories.CardFactory(post=world.post, **missing)
    with pytest.raises(ApplicationError) as raised:
        card_publish(card=card, by=world.officer)
    assert raised.value.status_code == 400 and raised.value.field == field and raised.value.code == "incomplete"
    assert not CardVersion.objects.exists()


def test_every_missing_field_is_listed(world):
    card = factories.CardFactory(post=world.post, duties=[], emergency_contacts=[])
    with pytest.raises(ApplicationError) as raised:
        card_publish(card=card, by=None)
    assert [e["field"] for e in raised.value.errors] == ["duties", "emergency_contacts"]


def test_publishing_a_draft_equal_to_the_latest_version_is_a_conflict(world, card):
    card_publish(card=card, by=None)
    with pytest.raises(Conflict) as raised:
        card_publish(card=card, by=world.officer)
    assert raised.value.code == "nothing_to_publish"
    assert CardVersion.objects.count() == 1


def test_going_back_to_an_older_content_is_a_new_version(world, card):
    original = card.duties
    published(card)
    published(card, duties=["临时职责"])
    third = published(card, duties=original)
    assert third.version == 3 and third.content["duties"] == original


@pytest.mark.parametrize("who", ["worker", "regulator"])
def test_only_safety_managers_publish(world, card, who):
    with pytest.raises(Forbidden):
        card_publish(card=card, by=getattr(world, who))
    assert not CardVersion.objects.exists()


@pytest.mark.parametrize("role", [Role.SAFETY_DIRECTOR, Role.PRINCIPAL, Role.ADMIN])
def test_every_safety_manager_role_publishes(world, card, role):
    manager = factories.MembershipFactory(enterprise=world.enterprise, role=role).person
    assert card_publish(card=card, by=manager).version == 1


def test_a_new_card_starts_with_the_five_emergency_steps(world):
    card = card_create(by=world.officer, post=world.post, data={"duties": ["巡检"], "post": 999, "enterprise": 9})
    card.refresh_from_db()
    assert card.enterprise == world.enterprise and card.duties == ["巡检"]
    assert card.emergency_steps == DEFAULT_EMERGENCY_STEPS
    assert [s["key"] for s in card.emergency_steps] == ["close", "evade", "shout", "report", "help"]


def test_a_post_has_one_card(world, card):
    with pytest.raises(Conflict) as raised:
        card_create(by=world.officer, post=world.post)
    assert raised.value.field == "post"
    assert Card.objects.filter(post=world.post).count() == 1


def test_creating_or_editing_needs_a_safety_manager(world, card):
    with pytest.raises(Forbidden):
        card_create(by=world.worker, post=factories.PostFactory(enterprise=world.enterprise))
    with pytest.raises(Forbidden):
        card_update_draft(by=world.regulator, card=card, data={"ppe": ["安全帽"]})
    with pytest.raises(NotFound):
        card_update_draft(by=world.outsider, card=card, data={"ppe": ["安全帽"]})


def test_editing_the_draft_replaces_only_the_given_fields(world, card):
    card_update_draft(by=world.officer, card=card, data={"ppe": ["防毒面具"], "updated_at": None})
    card.refresh_from_db()
    assert card.ppe == ["防毒面具"] and card.duties == ["严格执行操作规程", "每班开展岗位安全检查"]


def test_acknowledging_twice_returns_the_same_row(world, card):
    version = published(card)
    first = card_acknowledge(card=card, by=world.worker)
    again = card_acknowledge(card=card, by=world.worker)
    assert first.pk == again.pk and first.version == version
    assert again.acknowledged_at == first.acknowledged_at
    assert CardAcknowledgement.objects.count() == 1


def test_an_acknowledgement_is_for_the_version_current_at_the_time(world, card):
    v1 = published(card)
    old = card_acknowledge(card=card, by=world.worker)
    v2 = published(card, ppe=["安全帽", "护目镜"])
    new = card_acknowledge(card=card, by=world.worker)
    assert old.version == v1 and new.version == v2 and old.pk != new.pk
    assert CardAcknowledgement.objects.filter(person=world.worker).count() == 2


def test_nothing_to_acknowledge_before_the_first_publish(world, card):
    with pytest.raises(Conflict) as raised:
        card_acknowledge(card=card, by=world.worker)
    assert raised.value.code == "not_published"


def test_any_member_of_the_enterprise_may_acknowledge_but_regulators_and_outsiders_not(world, card):
    published(card)
    assert card_acknowledge(card=card, by=world.officer).person == world.officer  # not a holder, a member
    with pytest.raises(Forbidden):
        card_acknowledge(card=card, by=world.regulator)
    with pytest.raises(NotFound):
        card_acknowledge(card=card, by=world.outsider)


def test_a_holder_of_the_post_may_acknowledge_without_a_membership(world, card):
    published(card)
    visitor = factories.PersonFactory()
    world.post.holders.add(visitor)
    assert card_acknowledge(card=card, by=visitor).person == visitor


def test_the_current_version_is_the_latest_in_one_query(world, card, django_assert_num_queries):
    assert card_current_version(world.post) is None
    published(card)
    published(card, ppe=["安全帽"])
    with django_assert_num_queries(1):
        version = card_current_version(world.post)
        assert version.version == 2 and version.card.post_id == world.post.id


def test_cards_are_visible_to_members_and_regulators_in_scope(world, card):
    other = factories.CardFactory(post=world.other_post)
    assert list(cards_visible_to(world.worker)) == [card]
    assert list(cards_visible_to(world.outsider)) == [other]
    assert set(cards_visible_to(world.regulator)) == {card, other}
    assert list(cards_visible_to(world.far_regulator)) == []
