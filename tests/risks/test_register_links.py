"""The chain, followed both ways: a post's card shows the risks of its points and the controls it owns;
its checklists come from those controls; a failed check of such an item opens a hazard on the control."""

from cards.models import CardVersion
from checklists.models import ChecklistItem, ChecklistTemplate
from risks.models import Control
from risks.selectors import controls_unchecked
from risks.services import assessment_create
from tests import factories
from tests.cards.conftest import assert_error
from tests.risks.conftest import make_control, make_point, make_source


def register(world, point):
    """A red reactor with two hazard sources; the post owns a daily and a weekly control."""
    assessment_create(
        by=world.officer, risk_point=point, data={"method": "LEC", "likelihood": 6, "exposure": 6, "consequence": 15}
    )
    fire = make_source(point, "反应失控超温超压", ["fire", "vessel_explosion"])
    gas = make_source(point, "有毒物料泄漏", ["poisoning"])
    daily = make_control(fire, world.post, measure="温度压力联锁投用")
    weekly = make_control(gas, world.post, measure="有毒气体报警仪测试", tier="weekly")
    make_control(gas, None, measure="公司级应急预案演练")  # nobody's post: not on the card
    return daily, weekly


def test_a_card_shows_the_risks_of_its_posts_points_and_the_controls_it_owns(api, world, point):
    register(world, point)
    blue = make_point(world.enterprise, "配电室")
    blue.posts.add(world.post)
    assessment_create(by=world.officer, risk_point=blue, data={"method": "LS", "likelihood": 1, "severity": 2})
    make_source(blue, "带电部位裸露", ["electrocution"])
    factories.CardFactory(post=world.post)

    response = api.as_(world.officer).post(f"/api/v1/posts/{world.post.id}/card/from-register/")
    assert response.status_code == 201, response.content
    hazards = response.json()["hazards"]
    assert [(h["name"], h["risk_level"]) for h in hazards] == [
        ("反应失控超温超压", "red"),
        ("有毒物料泄漏", "red"),
        ("带电部位裸露", "blue"),
    ]
    assert "火灾、容器爆炸" in hazards[0]["description"]
    assert response.json()["controls"] == ["温度压力联锁投用", "有毒气体报警仪测试"]

    # Nothing changed: the same version, no new one.
    again = api.as_(world.officer).post(f"/api/v1/posts/{world.post.id}/card/from-register/")
    assert again.status_code == 200 and again.json()["version"] == response.json()["version"]
    # A change of the register publishes a new version.
    assessment_create(by=world.officer, risk_point=blue, data={"method": "LS", "likelihood": 3, "severity": 3})
    third = api.as_(world.officer).post(f"/api/v1/posts/{world.post.id}/card/from-register/")
    assert third.status_code == 201 and third.json()["hazards"][2]["risk_level"] == "yellow"
    assert CardVersion.objects.filter(card__post=world.post).count() == 2


def test_a_post_without_register_gets_a_400_and_a_worker_a_403(api, world, point):
    assert_error(api.as_(world.officer).post(f"/api/v1/posts/{world.post.id}/card/from-register/"), 400, "post")
    register(world, point)
    assert api.as_(world.worker).post(f"/api/v1/posts/{world.post.id}/card/from-register/").status_code == 403


def test_checklists_are_generated_from_the_controls_a_post_owns(api, world, point):
    daily, weekly = register(world, point)
    url = f"/api/v1/posts/{world.post.id}/checklists/from-controls/"
    response = api.as_(world.officer).post(url)
    assert response.status_code == 200, response.content
    by_tier = {t["tier"]: t for t in response.json()}
    assert set(by_tier) == {"daily", "weekly"}
    assert [i["control"] for i in by_tier["daily"]["items"]] == [daily.id]
    assert by_tier["daily"]["items"][0]["label"] == "1# 反应釜:温度压力联锁投用"
    assert by_tier["daily"]["items"][0]["hazard_grade_on_fail"] == "major"  # a red point's control
    assert by_tier["daily"]["posts"] == [world.post.id]
    assert not controls_unchecked(Control.objects.filter(owner_post=world.post)).exists()

    # Again: the same templates and items, nothing added.
    api.as_(world.officer).post(url)
    assert ChecklistTemplate.objects.count() == 2 and ChecklistItem.objects.count() == 2

    # The weekly control moves to daily, the daily one is retired.
    Control.objects.filter(pk=weekly.pk).update(tier="daily")
    Control.objects.filter(pk=daily.pk).update(active=False)
    body = {t["tier"]: t for t in api.as_(world.officer).post(url).json()}
    assert [i["control"] for i in body["daily"]["items"]] == [weekly.id]
    assert body["weekly"]["active"] is False and body["weekly"]["items"] == []
    assert ChecklistItem.objects.get(control=daily).active is False  # kept for the archive


def test_a_failed_check_of_a_generated_item_opens_a_hazard_linked_to_the_control(api, world, point):
    import uuid

    from django.utils import timezone

    register(world, point)
    api.as_(world.officer).post(f"/api/v1/posts/{world.post.id}/checklists/from-controls/")
    template = ChecklistTemplate.objects.get(register_post=world.post, tier="daily")
    item = template.items.get()
    body = {
        "client_uuid": str(uuid.uuid4()),
        "template": template.id,
        "post": world.post.id,
        "started_at": timezone.now().isoformat(),
        "results": [{"item": item.id, "value": "not_ok", "note": "联锁被旁路"}],
    }
    response = api.as_(world.worker).post("/api/v1/inspections/", body, format="json")
    assert response.status_code == 201, response.content
    from hazards.models import Hazard

    hazard = Hazard.objects.get(pk=response.json()["hazards"][0])
    assert hazard.grade == "major"
    # Both ways: hazard -> item -> control -> hazard source -> risk point.
    assert hazard.inspection_result.item.control.source.risk_point == point
