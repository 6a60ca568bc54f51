"""The one rule of who reads which enterprise (orgs.selectors.enterprises_readable_by) and the access
functions built on it."""

import pytest
from django.contrib.auth.models import AnonymousUser

from core.errors import Forbidden, NotFound
from orgs.models import SAFETY_MANAGER_ROLES, Enterprise, Person, Role
from orgs.selectors import access_enterprise, access_post, enterprise_readable_by, enterprises_readable_by
from tests import factories


def fresh(person):
    return Person.objects.get(pk=person.pk)  # no per-request caches


def readable(person, **kwargs) -> set[int]:
    return set(enterprises_readable_by(fresh(person), **kwargs).values_list("pk", flat=True))


def test_members_read_their_enterprise_with_any_role_and_with_a_managers_role_only_as_managers(world):
    assert readable(world.worker) == readable(world.officer) == {world.enterprise.pk}
    assert readable(world.worker, roles=SAFETY_MANAGER_ROLES) == set()
    assert readable(world.officer, roles=SAFETY_MANAGER_ROLES) == {world.enterprise.pk}


def test_a_regulator_reads_the_scope_and_a_membership_never_lowers_it(world):
    both = {world.enterprise.pk, world.other_enterprise.pk}
    assert readable(world.regulator) == readable(world.regulator, roles=SAFETY_MANAGER_ROLES) == both
    assert readable(world.far_regulator) == set()
    factories.MembershipFactory(person=world.regulator, enterprise=world.enterprise, role=Role.WORKER)
    assert readable(world.regulator, roles=SAFETY_MANAGER_ROLES) == both
    assert readable(world.regulator, roles=SAFETY_MANAGER_ROLES, regulator=False) == set()
    assert enterprise_readable_by(fresh(world.regulator), world.enterprise.pk, roles=SAFETY_MANAGER_ROLES)
    assert not enterprise_readable_by(fresh(world.worker), world.enterprise.pk, roles=SAFETY_MANAGER_ROLES)


def test_superusers_read_all_and_anonymous_callers_nothing(world):
    superuser = factories.PersonFactory(is_superuser=True)
    assert readable(superuser, roles=SAFETY_MANAGER_ROLES) == set(Enterprise.objects.values_list("pk", flat=True))
    assert not enterprises_readable_by(AnonymousUser()).exists()


@pytest.mark.parametrize("access", [access_enterprise, access_post])
def test_write_access_refuses_a_regulator_with_403_and_another_tenant_with_404(world, access):
    target = world.enterprise.pk if access is access_enterprise else world.post.pk
    assert access(fresh(world.regulator), target).pk == target  # reads
    with pytest.raises(Forbidden):
        access(fresh(world.regulator), target, write=True)
    with pytest.raises(NotFound):
        access(fresh(world.outsider), target, write=True)
    with pytest.raises(NotFound):
        access(fresh(world.far_regulator), target)
    assert access(fresh(world.worker), target, write=True).pk == target
    with pytest.raises(NotFound):
        access(fresh(world.worker), "not-an-id")
