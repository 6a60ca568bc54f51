from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs.models import Role
from tests import factories


def test_me_shows_the_person_memberships_and_posts_held(api, world):
    body = api.as_(world.worker).get("/api/v1/me/").json()
    assert body["id"] == world.worker.id
    assert body["username"] == world.worker.username
    assert body["name"] == world.worker.name
    assert body["is_superuser"] is False
    assert body["memberships"] == [
        {"enterprise": {"id": world.enterprise.id, "name": world.enterprise.name}, "role": "worker"}
    ]
    assert body["regulator_scopes"] == []
    assert body["posts_held"] == [{"id": world.post.id, "name": world.post.name, "enterprise": world.enterprise.id}]


def test_me_shows_a_regulators_scope(api, world):
    body = api.as_(world.regulator).get("/api/v1/me/").json()
    assert body["memberships"] == []
    assert body["posts_held"] == []
    [scope] = body["regulator_scopes"]
    assert scope["region"]["code"] == "420700"
    assert scope["industry"] is None


def test_me_takes_the_same_number_of_queries_however_many_memberships(api, world):
    def count():
        client = api.as_(world.worker)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/me/").status_code == 200
        return len(queries)

    before = count()
    for _ in range(3):
        enterprise = factories.EnterpriseFactory()
        factories.MembershipFactory(person=world.worker, enterprise=enterprise, role=Role.SAFETY_OFFICER)
        factories.PostFactory(enterprise=enterprise).holders.add(world.worker)
        factories.RegulatorScopeFactory(
            person=world.worker, region=factories.RegionFactory(code=f"42{enterprise.id:04d}")
        )
    assert count() == before <= 3
    assert len(api.as_(world.worker).get("/api/v1/me/").json()["memberships"]) == 4
