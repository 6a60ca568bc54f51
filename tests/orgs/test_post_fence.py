"""Issue 12, place: a post's electronic fence, set and removed by safety managers (PUT/DELETE
/api/v1/posts/{id}/fence/), all three values or none, each in range; read as `fence` of the post."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from orgs.models import Post, Role
from tests import factories
from tests.orgs.conftest import assert_error

FENCE = {"latitude": 30.391457, "longitude": 114.894313, "radius_m": 200}


def url(post) -> str:
    return f"/api/v1/posts/{post.id}/fence/"


@pytest.mark.parametrize("role", [Role.SAFETY_OFFICER, Role.SAFETY_DIRECTOR, Role.PRINCIPAL, Role.ADMIN])
def test_a_safety_manager_sets_the_fence_and_the_post_shows_it(api, world, role):
    manager = factories.MembershipFactory(enterprise=world.enterprise, role=role).person
    response = api.as_(manager).put(url(world.post), FENCE, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == FENCE
    world.post.refresh_from_db()
    assert (world.post.fence_latitude, world.post.fence_longitude, world.post.fence_radius_m) == (
        Decimal("30.391457"),
        Decimal("114.894313"),
        200,
    )
    assert api.as_(world.worker).get(f"/api/v1/posts/{world.post.id}/").json()["fence"] == FENCE


def test_a_phone_position_is_stored_to_six_decimals_and_moving_the_fence_replaces_it(api, world):
    api.as_(world.officer).put(url(world.post), FENCE, format="json")
    moved = {"latitude": 30.39123456789, "longitude": 114.89987654321, "radius_m": 50}
    response = api.as_(world.officer).put(url(world.post), moved, format="json")
    assert response.json() == {"latitude": 30.391235, "longitude": 114.899877, "radius_m": 50}
    world.post.refresh_from_db()
    assert world.post.fence_latitude == Decimal("30.391235") and world.post.fence_radius_m == 50


def test_removing_the_fence(api, world):
    api.as_(world.officer).put(url(world.post), FENCE, format="json")
    assert api.as_(world.officer).delete(url(world.post)).status_code == 204
    world.post.refresh_from_db()
    assert (world.post.fence_latitude, world.post.fence_longitude, world.post.fence_radius_m) == (None, None, None)
    assert api.as_(world.officer).get(f"/api/v1/posts/{world.post.id}/").json()["fence"] is None


def test_a_post_without_a_fence_reads_null(api, world):
    assert api.as_(world.worker).get(f"/api/v1/posts/{world.post.id}/").json()["fence"] is None


@pytest.mark.parametrize(
    "change, field",
    [
        ({"latitude": 90.5}, "latitude"),
        ({"latitude": -91}, "latitude"),
        ({"longitude": 180.01}, "longitude"),
        ({"longitude": -200}, "longitude"),
        ({"radius_m": 9}, "radius_m"),
        ({"radius_m": 5001}, "radius_m"),
        ({"radius_m": 0}, "radius_m"),
        ({"radius_m": 12.5}, "radius_m"),
        ({"latitude": "北纬30度"}, "latitude"),
        ({"latitude": None}, "latitude"),
    ],
)
def test_a_value_out_of_range_is_a_400_naming_the_field(api, world, change, field):
    response = api.as_(world.officer).put(url(world.post), FENCE | change, format="json")
    assert_error(response, 400, field)
    world.post.refresh_from_db()
    assert world.post.fence_radius_m is None


@pytest.mark.parametrize("missing", ["latitude", "longitude", "radius_m"])
def test_a_fence_is_all_three_values_or_none(api, world, missing):
    body = {k: v for k, v in FENCE.items() if k != missing}
    assert_error(api.as_(world.officer).put(url(world.post), body, format="json"), 400, missing)


def test_a_patch_of_the_post_does_not_set_the_fence(api, world):
    admin = factories.MembershipFactory(enterprise=world.enterprise, role=Role.ADMIN).person
    response = api.as_(admin).patch(f"/api/v1/posts/{world.post.id}/", {"fence": FENCE}, format="json")
    assert response.status_code == 200 and response.json()["fence"] is None  # read-only there


@pytest.mark.parametrize(
    "who, status", [("worker", 403), ("regulator", 403), ("outsider", 404), ("far_regulator", 404)]
)
def test_only_the_enterprises_safety_managers_set_or_remove_a_fence(api, world, who, status):
    person = getattr(world, who)
    assert api.as_(person).put(url(world.post), FENCE, format="json").status_code == status
    Post.objects.filter(pk=world.post.pk).update(fence_latitude=30, fence_longitude=114, fence_radius_m=100)
    assert api.as_(person).delete(url(world.post)).status_code == status
    world.post.refresh_from_db()
    assert world.post.fence_radius_m == 100


def test_anonymous_is_a_401(api, world):
    assert api.put(url(world.post), FENCE, format="json").status_code == 401


def test_the_database_refuses_half_a_fence_or_one_out_of_range(world):
    for values in (
        {"fence_latitude": 30, "fence_longitude": None, "fence_radius_m": 100},
        {"fence_latitude": 30, "fence_longitude": 114, "fence_radius_m": None},
        {"fence_latitude": 95, "fence_longitude": 114, "fence_radius_m": 100},
        {"fence_latitude": 30, "fence_longitude": 114, "fence_radius_m": 5},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Post.objects.filter(pk=world.post.pk).update(**values)


def test_the_admins_form_names_the_field_of_half_a_fence(world):
    world.post.fence_latitude, world.post.fence_radius_m = Decimal("30.5"), 100
    with pytest.raises(ValidationError) as refused:
        world.post.full_clean()
    assert set(refused.value.message_dict) == {"fence_longitude"}
    world.post.fence_longitude = Decimal("114.5")
    world.post.full_clean()
