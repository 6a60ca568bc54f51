from orgs.models import Role
from tests import factories
from tests.orgs.conftest import assert_error


def test_an_enterprise_shows_its_region_industry_and_risk(api, world):
    body = api.as_(world.worker).get(f"/api/v1/enterprises/{world.enterprise.id}/").json()
    assert body["region"] == world.enterprise.region_id
    assert body["region_name"] == "鄂城区"
    assert body["industry"] == world.enterprise.industry_id
    assert body["industry_name"] == "化学原料和化学制品制造业"
    assert body["is_high_risk"] is True
    assert body["credit_code"] == world.enterprise.credit_code


def test_an_org_admin_updates_the_enterprise_details(api, world, org_admin):
    # Not the time zone: platform staff only (tests/security/test_accounts.py).
    change = {"address": "鄂州市鄂城区某路1号", "actual_controller_name": "王五"}
    response = api.as_(org_admin).patch(f"/api/v1/enterprises/{world.enterprise.id}/", change)
    assert response.status_code == 200, response.content
    world.enterprise.refresh_from_db()
    assert (world.enterprise.address, world.enterprise.actual_controller_name) == ("鄂州市鄂城区某路1号", "王五")


def test_an_org_admin_may_put_the_same_identity_back(api, world, org_admin):
    current = api.as_(org_admin).get(f"/api/v1/enterprises/{world.enterprise.id}/").json()
    response = api.as_(org_admin).put(f"/api/v1/enterprises/{world.enterprise.id}/", current | {"name": "新名称"})
    assert response.status_code == 200, response.content
    assert response.data["name"] == "新名称"


def test_an_org_admin_cannot_move_the_enterprise_out_of_its_region(api, world, org_admin):
    elsewhere = factories.RegionFactory(code="420100", name="武汉市")
    response = api.as_(org_admin).patch(f"/api/v1/enterprises/{world.enterprise.id}/", {"region": elsewhere.id})
    assert_error(response, 403, "region")
    world.enterprise.refresh_from_db()
    assert world.enterprise.region.code == "420704"


def test_a_superuser_may_change_the_region(api, world, superuser):
    elsewhere = factories.RegionFactory(code="420100", name="武汉市")
    response = api.as_(superuser).patch(f"/api/v1/enterprises/{world.enterprise.id}/", {"region": elsewhere.id})
    assert response.status_code == 200, response.content
    assert response.data["region_name"] == "武汉市"


def test_a_safety_officer_cannot_update_the_enterprise(api, world):
    assert_error(api.as_(world.officer).patch(f"/api/v1/enterprises/{world.enterprise.id}/", {"name": "x"}), 403)


def test_enterprises_have_no_delete(api, world, superuser):
    assert api.as_(superuser).delete(f"/api/v1/enterprises/{world.enterprise.id}/").status_code == 405


def test_an_enterprise_in_a_low_risk_industry_is_not_high_risk(api, world, superuser):
    retail = factories.IndustryFactory(code="F52", name="零售业", high_risk=False)
    enterprise = factories.EnterpriseFactory(industry=retail)
    factories.MembershipFactory(person=world.worker, enterprise=enterprise, role=Role.WORKER)
    assert api.as_(world.worker).get(f"/api/v1/enterprises/{enterprise.id}/").json()["is_high_risk"] is False
