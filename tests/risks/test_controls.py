"""Controls (管控措施): 分级管控, the owner post, and the link to the checklist items that verify them."""

from checklists.models import ChecklistItem
from risks.models import Control
from risks.selectors import controls_unchecked
from risks.services import assessment_create
from tests import factories
from tests.cards.conftest import assert_error
from tests.risks.conftest import make_control, make_source

CONTROLS = "/api/v1/risk-controls/"


def red(world, point):
    assessment_create(by=world.officer, risk_point=point, data={"method": "LS", "likelihood": 5, "severity": 5})


def test_a_control_is_added_to_a_hazard_source(api, world, point):
    source = make_source(point)
    body = {"source": source.id, "measure": "每班确认报警仪", "type": "engineering", "level": "team"}
    body |= {"owner_post": world.post.id, "tier": "daily"}
    response = api.as_(world.officer).post(CONTROLS, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["checked"] is False
    assert Control.objects.get().enterprise_id == world.enterprise.id


def test_a_red_risk_must_be_controlled_at_company_level(api, world, point):
    red(world, point)
    source = make_source(point)
    body = {"source": source.id, "measure": "班组巡检", "type": "management", "level": "team"}
    assert_error(api.as_(world.officer).post(CONTROLS, body, format="json"), 400, "level", "control_level")
    body["level"] = "company"
    assert api.as_(world.officer).post(CONTROLS, body, format="json").status_code == 201


def test_a_control_cannot_be_owned_by_a_post_of_another_enterprise(api, world, point):
    source = make_source(point)
    body = {"source": source.id, "measure": "x", "type": "ppe", "level": "post", "owner_post": world.other_post.id}
    assert_error(api.as_(world.officer).post(CONTROLS, body, format="json"), 400, "owner_post")


def test_a_worker_cannot_add_a_control(api, world, point):
    source = make_source(point)
    body = {"source": source.id, "measure": "x", "type": "ppe", "level": "post"}
    assert api.as_(world.worker).post(CONTROLS, body, format="json").status_code == 403


def test_a_control_no_active_item_verifies_is_unchecked(api, world, point):
    source = make_source(point)
    control = make_control(source, world.post)
    assert list(controls_unchecked(Control.objects.all())) == [control]
    listed = api.as_(world.officer).get(CONTROLS, {"checked": "false"}).json()["results"]
    assert [c["id"] for c in listed] == [control.id]

    template = factories.TemplateFactory(enterprise=world.enterprise)
    item = factories.ItemFactory(template=template, control=control)
    assert not controls_unchecked(Control.objects.all()).exists()
    assert api.as_(world.officer).get(CONTROLS, {"checked": "true"}).json()["results"][0]["checked"] is True

    # An inactive item, or an item of a checklist switched off, proves nothing.
    ChecklistItem.objects.filter(pk=item.pk).update(active=False)
    assert controls_unchecked(Control.objects.all()).exists()
    ChecklistItem.objects.filter(pk=item.pk).update(active=True)
    template.active = False
    template.save()
    assert controls_unchecked(Control.objects.all()).exists()


def test_a_checklist_item_points_at_the_control_it_verifies(api, world, point):
    control = make_control(make_source(point), world.post)
    body = {
        "enterprise": world.enterprise.id,
        "name": "反应釜日检",
        "tier": "daily",
        "items": [{"label": "报警仪完好", "kind": "check", "control": control.id}],
    }
    response = api.as_(world.officer).post("/api/v1/templates/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["items"][0]["control"] == control.id
    assert ChecklistItem.objects.get().control == control


def test_an_item_cannot_point_at_another_enterprises_control(api, world):
    from tests.risks.conftest import make_point

    foreign = make_control(make_source(make_point(world.other_enterprise)))
    body = {
        "enterprise": world.enterprise.id,
        "name": "日检",
        "tier": "daily",
        "items": [{"label": "报警仪", "kind": "check", "control": foreign.id}],
    }
    response = api.as_(world.officer).post("/api/v1/templates/", body, format="json")
    body = assert_error(response, 400, "items[0].control")
    assert body["message"].endswith("管控措施不存在。")
