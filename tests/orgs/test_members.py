from orgs.models import Membership, Person, Role
from tests import factories
from tests.orgs.conftest import assert_error

NEW_PERSON = {"username": "zhangsan", "name": "张三", "phone": "13800000000", "password": "a-long-password"}


def test_a_member_shows_the_person_and_role(api, world):
    membership = Membership.objects.get(person=world.worker)
    body = api.as_(world.officer).get(f"/api/v1/members/{membership.id}/").json()
    assert body["person"] == {
        "id": world.worker.id,
        "username": world.worker.username,
        "name": world.worker.name,
        "phone": world.worker.phone,
    }
    assert (body["enterprise"], body["role"]) == (world.enterprise.id, "worker")


def test_an_admin_adds_a_new_person_who_can_then_log_in(api, world, org_admin):
    body = {"enterprise": world.enterprise.id, "role": "safety_director"} | NEW_PERSON
    response = api.as_(org_admin).post("/api/v1/members/", body)
    assert response.status_code == 201, response.content
    assert response.data["person"]["username"] == "zhangsan"
    assert response.data["role"] == "safety_director"
    person = Person.objects.get(username="zhangsan")
    assert (person.name, person.phone) == ("张三", "13800000000")
    assert person.check_password("a-long-password")
    login = api.post("/api/v1/auth/token/", {"username": "zhangsan", "password": "a-long-password"})
    assert login.status_code == 200


def test_an_admin_adds_an_existing_person_who_belongs_nowhere_by_username(api, world, org_admin):
    # Someone of another enterprise, a regulator or staff cannot be attached: tests/security/test_accounts.py.
    free = factories.PersonFactory()
    body = {"enterprise": world.enterprise.id, "role": "worker", "username": free.username}
    response = api.as_(org_admin).post("/api/v1/members/", body)
    assert response.status_code == 201, response.content
    assert response.data["person"]["id"] == free.id
    assert list(free.memberships.values_list("enterprise", flat=True)) == [world.enterprise.id]


def test_adding_an_existing_person_cannot_change_their_password(api, world, org_admin):
    free = factories.PersonFactory()
    body = {
        "enterprise": world.enterprise.id,
        "role": "worker",
        "username": free.username,
        "name": "改名",
        "password": "x" * 12,
    }
    assert assert_error(api.as_(org_admin).post("/api/v1/members/", body), 400, "username")["code"] == "username_taken"
    assert free.check_password(factories.PASSWORD)
    assert not Membership.objects.filter(person=free).exists()


def test_a_new_person_needs_a_password(api, world, org_admin):
    body = {"enterprise": world.enterprise.id, "role": "worker", "username": "lisi", "name": "李四"}
    assert_error(api.as_(org_admin).post("/api/v1/members/", body), 400, "password")
    assert not Person.objects.filter(username="lisi").exists()


def test_a_too_short_password_is_a_400_naming_password(api, world, org_admin):
    body = {"enterprise": world.enterprise.id, "role": "worker"} | NEW_PERSON | {"password": "short"}
    assert_error(api.as_(org_admin).post("/api/v1/members/", body), 400, "password")
    assert not Person.objects.filter(username="zhangsan").exists()


def test_adding_someone_who_is_already_a_member_is_a_400_naming_username(api, world, org_admin):
    body = {"enterprise": world.enterprise.id, "role": "principal", "username": world.worker.username}
    error = assert_error(api.as_(org_admin).post("/api/v1/members/", body), 400, "username")
    assert error["code"] == "already_member"


def test_an_unknown_role_is_a_400_naming_role(api, world, org_admin):
    body = {"enterprise": world.enterprise.id, "role": "regulator"} | NEW_PERSON
    assert_error(api.as_(org_admin).post("/api/v1/members/", body), 400, "role")


def test_an_admin_changes_a_role_with_patch(api, world, org_admin):
    membership = Membership.objects.get(person=world.worker)
    response = api.as_(org_admin).patch(f"/api/v1/members/{membership.id}/", {"role": "safety_officer"})
    assert response.status_code == 200, response.content
    assert response.data["role"] == "safety_officer"
    membership.refresh_from_db()
    assert membership.role == Role.SAFETY_OFFICER


def test_the_last_admin_cannot_step_down_or_be_removed(api, world, org_admin):
    membership = Membership.objects.get(person=org_admin)
    assert_error(api.as_(org_admin).patch(f"/api/v1/members/{membership.id}/", {"role": "worker"}), 409, "role")
    assert_error(api.as_(org_admin).delete(f"/api/v1/members/{membership.id}/"), 409, "role")
    principal = factories.MembershipFactory(enterprise=world.enterprise, role=Role.PRINCIPAL)
    assert api.as_(org_admin).patch(f"/api/v1/members/{membership.id}/", {"role": "worker"}).status_code == 200
    assert list(Membership.objects.filter(enterprise=world.enterprise, role__in=["admin", "principal"])) == [principal]


def test_removing_a_member_takes_them_off_the_enterprises_posts(api, world, org_admin):
    membership = Membership.objects.get(person=world.worker)
    world.other_post.holders.add(world.worker)  # a post elsewhere is not this admin's business
    assert api.as_(org_admin).delete(f"/api/v1/members/{membership.id}/").status_code == 204
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert list(world.worker.posts_held.all()) == [world.other_post]
    assert Person.objects.filter(pk=world.worker.pk).exists()


def test_members_filter_by_enterprise_and_role(api, world):
    get = api.as_(world.regulator).get
    workers = get("/api/v1/members/", {"enterprise": world.enterprise.id, "role": "worker"}).json()["results"]
    assert [m["person"]["id"] for m in workers] == [world.worker.id]
    everyone = get("/api/v1/members/").json()["results"]
    assert {m["person"]["id"] for m in everyone} == {world.worker.id, world.officer.id, world.outsider.id}


def _phones_seen_by(api, person, enterprise_id):
    body = api.as_(person).get("/api/v1/members/", {"enterprise": enterprise_id}).json()
    return {row["person"]["id"]: row["person"]["phone"] for row in body["results"]}


def test_a_worker_sees_colleagues_names_but_only_their_own_phone_number(api, world):
    Person.objects.filter(pk=world.worker.pk).update(phone="13800000001")
    Person.objects.filter(pk=world.officer.pk).update(phone="13800000002")
    phones = _phones_seen_by(api, world.worker, world.enterprise.id)
    assert phones == {world.worker.id: "13800000001", world.officer.id: ""}


def test_safety_managers_and_the_regulator_in_scope_see_every_phone_number(api, world):
    Person.objects.filter(pk=world.worker.pk).update(phone="13800000001")
    Person.objects.filter(pk=world.officer.pk).update(phone="13800000002")
    expected = {world.worker.id: "13800000001", world.officer.id: "13800000002"}
    assert _phones_seen_by(api, world.officer, world.enterprise.id) == expected
    assert _phones_seen_by(api, world.regulator, world.enterprise.id) == expected
    assert _phones_seen_by(api, world.far_regulator, world.enterprise.id) == {}


def test_the_member_list_takes_the_same_queries_for_3_or_20_members(api, world, django_assert_max_num_queries):
    def queries() -> int:
        with django_assert_max_num_queries(6) as captured:
            answer = api.as_(world.worker).get("/api/v1/members/", {"enterprise": world.enterprise.id})
        assert answer.status_code == 200
        return len(captured)

    few = queries()
    for _ in range(17):
        factories.MembershipFactory(enterprise=world.enterprise)
    assert queries() == few
