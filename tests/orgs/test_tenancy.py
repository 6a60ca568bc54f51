"""Who sees and who writes: another tenant's objects are 404 (never 403), regulators read in scope
and never write, members of other roles read and get 403 on writes."""

import pytest

from orgs.models import Department, Membership, Post, Role
from tests import factories
from tests.orgs.conftest import assert_error


@pytest.fixture
def objects(world):
    """One object behind every detail endpoint, all in world.enterprise."""
    department = factories.DepartmentFactory(enterprise=world.enterprise, name="生产部")
    membership = Membership.objects.get(person=world.worker, enterprise=world.enterprise)
    return {
        "enterprises": (world.enterprise.id, {"name": "改名"}),
        "departments": (department.id, {"name": "改名"}),
        "posts": (world.post.id, {"name": "改名"}),
        "members": (membership.id, {"role": Role.PRINCIPAL}),
    }


def url(resource, pk):
    return f"/api/v1/{resource}/{pk}/"


def snapshot(world):
    return (
        world.enterprise.__class__.objects.values_list("name").get(pk=world.enterprise.pk),
        list(Department.objects.filter(enterprise=world.enterprise).values_list("name")),
        list(Post.objects.filter(enterprise=world.enterprise).values_list("name")),
        list(Membership.objects.filter(enterprise=world.enterprise).values_list("person", "role")),
    )


@pytest.mark.parametrize("resource", ["enterprises", "departments", "posts", "members"])
@pytest.mark.parametrize("who", ["outsider", "far_regulator"])
def test_another_tenant_gets_404_on_every_detail_endpoint(api, world, objects, resource, who):
    pk, change = objects[resource]
    person = getattr(world, who)
    before = snapshot(world)
    assert_error(api.as_(person).get(url(resource, pk)), 404)
    assert_error(api.as_(person).patch(url(resource, pk), change), 404)
    assert_error(api.as_(person).put(url(resource, pk), change), 404)
    if resource != "enterprises":
        assert_error(api.as_(person).delete(url(resource, pk)), 404)
    assert snapshot(world) == before


@pytest.mark.parametrize("resource", ["enterprises", "departments", "posts", "members"])
def test_a_404_for_another_tenant_looks_like_a_404_for_nothing(api, world, objects, resource):
    pk, _ = objects[resource]
    hidden = api.as_(world.outsider).get(url(resource, pk)).json()
    missing = api.as_(world.outsider).get(url(resource, 10**9)).json()
    assert hidden == missing


@pytest.mark.parametrize("resource", ["departments", "posts", "members"])
def test_lists_leave_out_other_tenants_even_when_filtered_for_them(api, world, objects, resource):
    response = api.as_(world.outsider).get(f"/api/v1/{resource}/", {"enterprise": world.enterprise.id})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_the_enterprise_list_shows_only_the_callers_own(api, world):
    ids = [e["id"] for e in api.as_(world.outsider).get("/api/v1/enterprises/").json()["results"]]
    assert ids == [world.other_enterprise.id]
    assert api.as_(world.far_regulator).get("/api/v1/enterprises/").json()["results"] == []


@pytest.mark.parametrize("resource", ["enterprises", "departments", "posts", "members"])
@pytest.mark.parametrize("who", ["regulator", "worker", "officer"])
def test_readers_in_scope_see_every_detail(api, world, objects, resource, who):
    pk, _ = objects[resource]
    response = api.as_(getattr(world, who)).get(url(resource, pk))
    assert response.status_code == 200
    assert response.json()["id"] == pk


def test_a_regulator_lists_every_enterprise_of_the_region(api, world):
    ids = {e["id"] for e in api.as_(world.regulator).get("/api/v1/enterprises/").json()["results"]}
    assert ids == {world.enterprise.id, world.other_enterprise.id}


@pytest.mark.parametrize("resource", ["enterprises", "departments", "posts", "members"])
@pytest.mark.parametrize("who", ["regulator", "worker", "officer"])
def test_readers_without_an_admin_role_get_403_on_writes(api, world, objects, resource, who):
    pk, change = objects[resource]
    person = getattr(world, who)
    before = snapshot(world)
    assert_error(api.as_(person).patch(url(resource, pk), change), 403)
    if resource != "enterprises":
        assert_error(api.as_(person).delete(url(resource, pk)), 403)
    assert snapshot(world) == before


def test_a_regulator_is_told_it_reads_only(api, world, objects):
    pk, change = objects["posts"]
    body = assert_error(api.as_(world.regulator).patch(url("posts", pk), change), 403)
    assert body["message"] == "监管人员只能查看,不能修改。"


CREATE_BODIES = {
    "departments": lambda world: {"enterprise": world.enterprise.id, "name": "新部门"},
    "posts": lambda world: {"enterprise": world.enterprise.id, "name": "新岗位", "risk_level": "yellow"},
    "members": lambda world: {"enterprise": world.enterprise.id, "role": "worker", "username": world.outsider.username},
}


@pytest.mark.parametrize("resource", CREATE_BODIES)
@pytest.mark.parametrize("who", ["regulator", "worker", "officer"])
def test_creating_in_a_visible_enterprise_without_an_admin_role_is_403(api, world, resource, who):
    before = snapshot(world)
    assert_error(api.as_(getattr(world, who)).post(f"/api/v1/{resource}/", CREATE_BODIES[resource](world)), 403)
    assert snapshot(world) == before


@pytest.mark.parametrize("resource", CREATE_BODIES)
@pytest.mark.parametrize("who", ["outsider", "far_regulator"])
def test_creating_in_an_invisible_enterprise_is_like_creating_in_none(api, world, resource, who):
    person = getattr(world, who)
    before = snapshot(world)
    body = CREATE_BODIES[resource](world)
    hidden = assert_error(api.as_(person).post(f"/api/v1/{resource}/", body), 400, "enterprise")
    missing = assert_error(
        api.as_(person).post(f"/api/v1/{resource}/", body | {"enterprise": 10**9}), 400, "enterprise"
    )
    assert hidden == missing
    assert "企业不存在" in hidden["message"]
    assert snapshot(world) == before


@pytest.mark.parametrize("who", ["regulator", "worker", "org_admin"])
def test_only_a_superuser_registers_enterprises(api, world, who, request):
    person = request.getfixturevalue("org_admin") if who == "org_admin" else getattr(world, who)
    body = {
        "name": "新企业",
        "credit_code": factories.make_credit_code(10**6),
        "region": world.enterprise.region_id,
        "industry": world.enterprise.industry_id,
    }
    assert_error(api.as_(person).post("/api/v1/enterprises/", body), 403)
