from orgs.models import Department, Post
from tests import factories
from tests.orgs.conftest import assert_error


def test_an_org_admin_creates_renames_and_deletes_a_department(api, world, org_admin):
    client = api.as_(org_admin)
    created = client.post("/api/v1/departments/", {"enterprise": world.enterprise.id, "name": "生产部"})
    assert created.status_code == 201, created.content
    assert created.data == {"id": created.data["id"], "enterprise": world.enterprise.id, "name": "生产部"}
    pk = created.data["id"]
    assert client.patch(f"/api/v1/departments/{pk}/", {"name": "生产一部"}).data["name"] == "生产一部"
    assert client.delete(f"/api/v1/departments/{pk}/").status_code == 204
    assert not Department.objects.filter(pk=pk).exists()


def test_deleting_a_department_keeps_its_posts(api, world, org_admin):
    department = factories.DepartmentFactory(enterprise=world.enterprise)
    post = factories.PostFactory(enterprise=world.enterprise, department=department)
    assert api.as_(org_admin).delete(f"/api/v1/departments/{department.id}/").status_code == 204
    post.refresh_from_db()
    assert post.department is None
    assert Post.objects.filter(pk=post.pk).exists()


def test_a_duplicate_department_name_is_a_400_naming_name(api, world, org_admin):
    factories.DepartmentFactory(enterprise=world.enterprise, name="安全部")
    body = {"enterprise": world.enterprise.id, "name": "安全部"}
    assert_error(api.as_(org_admin).post("/api/v1/departments/", body), 400, "name")


def test_the_same_department_name_is_fine_in_another_enterprise(api, world, org_admin):
    factories.DepartmentFactory(enterprise=world.other_enterprise, name="安全部")
    body = {"enterprise": world.enterprise.id, "name": "安全部"}
    assert api.as_(org_admin).post("/api/v1/departments/", body).status_code == 201


def test_departments_filter_by_enterprise(api, world):
    mine = factories.DepartmentFactory(enterprise=world.enterprise)
    theirs = factories.DepartmentFactory(enterprise=world.other_enterprise)
    get = api.as_(world.regulator).get
    assert [d["id"] for d in get("/api/v1/departments/").json()["results"]] == [mine.id, theirs.id]
    only = get("/api/v1/departments/", {"enterprise": world.other_enterprise.id}).json()["results"]
    assert [d["id"] for d in only] == [theirs.id]
