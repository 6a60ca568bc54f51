import pytest

from orgs.models import Role
from tests import factories


@pytest.fixture
def org_admin(world):
    """The admin of world.enterprise: the one role (with the principal) that sets up the organisation."""
    return factories.MembershipFactory(enterprise=world.enterprise, role=Role.ADMIN).person


@pytest.fixture
def superuser(db):
    return factories.PersonFactory(username="root", is_superuser=True, is_staff=True)


def assert_error(response, status: int, field: str | None = None):
    """The one error body, with the offending field when there is one."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) - {"request_id"} == {"code", "message", "field", "errors"}
    assert body["field"] == field, body
    return body
