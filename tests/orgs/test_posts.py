import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checklists.models import Inspection
from orgs.models import Post, Role
from tests import factories
from tests.orgs.conftest import assert_error


def make_inspection(post, by):
    """A bare archive row: enough for the post to be protected."""
    now = timezone.now()
    return Inspection.objects.create(
        enterprise=post.enterprise,
        post=post,
        template=factories.TemplateFactory(enterprise=post.enterprise, posts=[post]),
        tier="daily",
        period=now.date().isoformat(),
        client_uuid=uuid.uuid4(),
        started_at=now,
        received_at=now,
        submitted_by=by,
        on_site=True,
        late=False,
        ok_count=1,
        failed_count=0,
        na_count=0,
        request_hash="0" * 64,
        sequence=1,
        prev_hash="",
        hash="1" * 64,
    )


def test_an_org_admin_creates_a_post_with_department_and_holders(api, world, org_admin):
    department = factories.DepartmentFactory(enterprise=world.enterprise)
    body = {
        "enterprise": world.enterprise.id,
        "department": department.id,
        "name": "反应釜操作岗",
        "risk_level": "red",
        "location": "一车间",
        "holders": [world.worker.id, world.officer.id],
    }
    response = api.as_(org_admin).post("/api/v1/posts/", body)
    assert response.status_code == 201, response.content
    post = Post.objects.get(pk=response.data["id"])
    assert (post.enterprise, post.department, post.name, post.risk_level) == (
        world.enterprise,
        department,
        "反应釜操作岗",
        "red",
    )
    assert set(post.holders.values_list("id", flat=True)) == {world.worker.id, world.officer.id}
    assert sorted(response.data["holders"]) == sorted([world.worker.id, world.officer.id])
    assert response.data["department_name"] == department.name


def test_the_principal_may_create_posts_too(api, world):
    principal = factories.MembershipFactory(enterprise=world.enterprise, role=Role.PRINCIPAL).person
    response = api.as_(principal).post("/api/v1/posts/", {"enterprise": world.enterprise.id, "name": "门卫岗"})
    assert response.status_code == 201, response.content
    assert response.data["risk_level"] == "blue"
    assert response.data["holders"] == []


def test_a_holder_who_is_not_a_member_is_a_400_naming_holders(api, world, org_admin):
    body = {"enterprise": world.enterprise.id, "name": "新岗位", "holders": [world.worker.id, world.outsider.id]}
    error = assert_error(api.as_(org_admin).post("/api/v1/posts/", body), 400, "holders")
    assert str(world.outsider.id) in error["message"]
    assert not Post.objects.filter(name="新岗位").exists()


def test_an_unknown_holder_id_gets_the_same_answer_as_another_tenants_person(api, world, org_admin):
    patch = api.as_(org_admin).patch
    outsider = patch(f"/api/v1/posts/{world.post.id}/", {"holders": [world.outsider.id]}).json()
    unknown = patch(f"/api/v1/posts/{world.post.id}/", {"holders": [10**9]}).json()
    assert outsider["code"] == unknown["code"] == "not_a_member"
    assert list(world.post.holders.all()) == [world.worker]


def test_an_admin_changes_the_holders_of_a_post(api, world, org_admin):
    response = api.as_(org_admin).patch(f"/api/v1/posts/{world.post.id}/", {"holders": [world.officer.id]})
    assert response.status_code == 200, response.content
    assert response.data["holders"] == [world.officer.id]
    assert list(world.post.holders.all()) == [world.officer]


def test_a_department_of_another_enterprise_is_a_400_naming_department(api, world, org_admin):
    # The admin runs two enterprises, so both departments are visible to them.
    second = factories.EnterpriseFactory()
    factories.MembershipFactory(person=org_admin, enterprise=second, role=Role.ADMIN)
    foreign = factories.DepartmentFactory(enterprise=second)
    body = {"enterprise": world.enterprise.id, "department": foreign.id, "name": "新岗位"}
    assert_error(api.as_(org_admin).post("/api/v1/posts/", body), 400, "department")
    assert_error(
        api.as_(org_admin).patch(f"/api/v1/posts/{world.post.id}/", {"department": foreign.id}), 400, "department"
    )


def test_an_invisible_department_is_a_400_like_a_missing_one(api, world, org_admin):
    hidden = factories.DepartmentFactory(enterprise=world.other_enterprise)
    body = {"enterprise": world.enterprise.id, "department": hidden.id, "name": "新岗位"}
    first = assert_error(api.as_(org_admin).post("/api/v1/posts/", body), 400, "department")
    second = assert_error(api.as_(org_admin).post("/api/v1/posts/", body | {"department": 10**9}), 400, "department")
    assert first == second


def test_a_post_cannot_move_to_another_enterprise(api, world, org_admin):
    second = factories.EnterpriseFactory()
    factories.MembershipFactory(person=org_admin, enterprise=second, role=Role.ADMIN)
    response = api.as_(org_admin).patch(f"/api/v1/posts/{world.post.id}/", {"enterprise": second.id})
    assert_error(response, 400, "enterprise")


def test_an_unknown_risk_level_is_a_400_naming_risk_level(api, world, org_admin):
    body = {"enterprise": world.enterprise.id, "name": "新岗位", "risk_level": "purple"}
    assert_error(api.as_(org_admin).post("/api/v1/posts/", body), 400, "risk_level")


def test_a_duplicate_post_name_in_a_department_is_a_400_naming_name(api, world, org_admin):
    body = {"enterprise": world.enterprise.id, "name": world.post.name}
    assert_error(api.as_(org_admin).post("/api/v1/posts/", body), 400, "name")


def test_posts_filter_by_enterprise_and_department(api, world):
    department = factories.DepartmentFactory(enterprise=world.enterprise)
    in_department = factories.PostFactory(enterprise=world.enterprise, department=department)
    get = api.as_(world.regulator).get
    by_enterprise = [p["id"] for p in get("/api/v1/posts/", {"enterprise": world.enterprise.id}).json()["results"]]
    by_department = [p["id"] for p in get("/api/v1/posts/", {"department": department.id}).json()["results"]]
    assert by_enterprise == [world.post.id, in_department.id]
    assert by_department == [in_department.id]


def test_an_admin_deletes_a_post_without_records(api, world, org_admin):
    post = factories.PostFactory(enterprise=world.enterprise)
    assert api.as_(org_admin).delete(f"/api/v1/posts/{post.id}/").status_code == 204
    assert not Post.objects.filter(pk=post.pk).exists()


def test_deleting_a_post_with_inspections_is_a_409(api, world, org_admin):
    make_inspection(world.post, world.worker)
    body = assert_error(api.as_(org_admin).delete(f"/api/v1/posts/{world.post.id}/"), 409)
    assert body["code"] == "conflict"
    assert Post.objects.filter(pk=world.post.pk).exists()


@pytest.mark.parametrize("who", ["worker", "regulator"])
def test_the_posts_list_takes_a_bounded_number_of_queries(api, world, who):
    def count():
        client = api.as_(getattr(world, who))
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/posts/")
        assert response.status_code == 200
        return len(queries), len(response.json()["results"])

    few, shown = count()
    department = factories.DepartmentFactory(enterprise=world.enterprise)
    for _ in range(20):
        factories.PostFactory(enterprise=world.enterprise, department=department).holders.add(
            world.worker, world.officer
        )
    many, more_shown = count()
    assert more_shown == shown + 20
    assert many == few
    # count, page, holders, required certificate kinds, memberships, regulator scopes; a regulator adds
    # one query per region level.
    assert many <= (6 if who == "worker" else 8)
