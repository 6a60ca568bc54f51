"""Risk points and hazard sources through the API, and the admin in Chinese."""

import pytest

from risks.models import RiskPoint
from risks.services import assessment_create
from tests import factories
from tests.cards.conftest import assert_error
from tests.risks.conftest import POINTS, make_control, make_source


def body(world, **extra):
    return {"enterprise": world.enterprise.id, "kind": "area", "name": "甲类储罐区", "posts": [world.post.id], **extra}


def test_a_safety_manager_registers_and_places_a_point(api, world):
    response = api.as_(world.officer).post(POINTS, body(world, emergency_steps=["关闭罐根阀"]), format="json")
    assert response.status_code == 201, response.content
    point = response.json()
    assert point["level"] is None and point["posts"] == [world.post.id] and point["sources"] == []
    placed = api.as_(world.officer).patch(f"{POINTS}{point['id']}/", {"plan_x": 0.5, "plan_y": 0.25}, format="json")
    assert placed.status_code == 200 and placed.json()["plan_x"] == "0.5000"
    assert api.as_(world.worker).get(POINTS).json()["results"][0]["name"] == "甲类储罐区"


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"kind": "pipe"}, "kind"),
        ({"plan_x": 0.5}, "plan_y"),
        ({"plan_x": 1.5, "plan_y": 0.5}, "plan_x"),
    ],
)
def test_bad_points_are_a_400_naming_the_field(api, world, extra, field):
    assert_error(api.as_(world.officer).post(POINTS, body(world, **extra), format="json"), 400, field)


def test_a_point_name_is_unique_and_a_post_of_another_enterprise_is_refused(api, world):
    assert api.as_(world.officer).post(POINTS, body(world), format="json").status_code == 201
    assert_error(api.as_(world.officer).post(POINTS, body(world), format="json"), 400, "name")
    # The other enterprise's post is unknown to the officer: the same answer as an id that does not exist.
    response = api.as_(world.officer).post(POINTS, body(world, name="别处", posts=[world.other_post.id]), format="json")
    assert_error(response, 400, "posts")


def test_a_worker_reads_but_cannot_register(api, world):
    assert api.as_(world.worker).post(POINTS, body(world), format="json").status_code == 403


def test_hazard_sources_take_gb_6441_accident_types(api, world, point):
    url = "/api/v1/hazard-sources/"
    good = {"risk_point": point.id, "name": "物料泄漏", "accident_types": ["fire", "poisoning", "fire"]}
    response = api.as_(world.officer).post(url, good, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["accident_types"] == ["fire", "poisoning"]
    assert response.json()["accident_type_labels"] == ["火灾", "中毒和窒息"]
    bad = {**good, "accident_types": ["fire", "flood"]}
    assert_error(api.as_(world.officer).post(url, bad, format="json"), 400, "accident_types[1]")


def test_the_admin_lists_the_register_in_chinese(client, world, point):
    assessment_create(by=world.officer, risk_point=point, data={"method": "LS", "likelihood": 5, "severity": 5})
    make_control(make_source(point), world.post)
    client.force_login(factories.PersonFactory(username="root", is_superuser=True, is_staff=True))
    index = client.get("/admin/").content.decode()
    assert "风险分级管控" in index and "风险点" in index and "管控措施" in index
    for model in ("riskpoint", "control", "assessment", "riskgrade", "riskbands", "siteplan"):
        assert client.get(f"/admin/risks/{model}/").status_code == 200, model
    assert client.get(f"/admin/risks/riskpoint/{point.pk}/change/").status_code == 200
    assert client.get("/admin/risks/assessment/add/").status_code == 403  # records: read-only
    # The admin's form keeps 分级管控: a red point's control below company level is refused at its field.
    control = point.sources.get().controls.get()
    data = {
        "source": control.source_id,
        "measure": "x",
        "type": "ppe",
        "level": "team",
        "tier": "daily",
        "active": "on",
    }
    page = client.post(f"/admin/risks/control/{control.pk}/change/", data)
    assert page.status_code == 200 and "重大风险必须由公司级管控" in page.content.decode()
    assert RiskPoint.objects.get().level == "red"
