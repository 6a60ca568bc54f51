from rest_framework.test import APIClient

from tests import factories
from tests.orgs.conftest import assert_error


def test_regions_list_for_anyone_logged_in_and_filter_by_parent(api, world):
    city = world.enterprise.region.parent
    get = api.as_(world.outsider).get
    assert {r["code"] for r in get("/api/v1/regions/").json()["results"]} == {"420700", "420704", "420100"}
    children = get("/api/v1/regions/", {"parent": city.id}).json()["results"]
    assert children == [{"id": world.enterprise.region_id, "code": "420704", "name": "鄂城区", "parent": city.id}]
    assert {r["code"] for r in get("/api/v1/regions/", {"root": "true"}).json()["results"]} == {"420700", "420100"}


def test_industries_list_with_the_high_risk_flag_and_filter_by_parent(api, world):
    manufacturing = factories.IndustryFactory(code="C", name="制造业", high_risk=False)
    chemicals = world.enterprise.industry
    chemicals.parent = manufacturing
    chemicals.save()
    get = api.as_(world.worker).get
    children = get("/api/v1/industries/", {"parent": manufacturing.id}).json()["results"]
    assert children == [
        {"id": chemicals.id, "code": "C26", "name": chemicals.name, "high_risk": True, "parent": manufacturing.id}
    ]


def test_reference_lists_need_a_login(db):
    assert_error(APIClient().get("/api/v1/regions/"), 401)
    assert_error(APIClient().get("/api/v1/industries/"), 401)


def test_reference_lists_are_read_only(api, world):
    assert api.as_(world.worker).post("/api/v1/regions/", {"code": "1", "name": "x"}).status_code == 405
