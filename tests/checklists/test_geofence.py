"""Issue 12, place: a record of a post with an electronic fence keeps the phone's position and is flagged
outside the fence (distance - accuracy > radius) or without a position; a post without a fence stores
no position at all. A flag never refuses a record: it is stored, then flagged."""

import math
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from checklists.geofence import distance_m, position_fields, position_flags
from checklists.models import Inspection
from checklists.selectors import archive_first_break
from orgs.models import Post
from tests.checklists.conftest import submission

URL = "/api/v1/inspections/"
CENTRE = (30.391457, 114.894313)  # 鄂州, WGS-84
METRES_PER_DEGREE = math.pi / 180 * 6_371_008.8  # of latitude, on the sphere of checklists.geofence
FENCE_CODES = {"outside_fence", "no_position"}


def north(metres: float, accuracy: float = 10) -> dict:
    """A phone's position `metres` due north of the fence's centre."""
    return {"latitude": CENTRE[0] + metres / METRES_PER_DEGREE, "longitude": CENTRE[1], "accuracy": accuracy}


def fence(post, radius_m=200):
    Post.objects.filter(pk=post.pk).update(
        fence_latitude=Decimal(str(CENTRE[0])), fence_longitude=Decimal(str(CENTRE[1])), fence_radius_m=radius_m
    )
    post.refresh_from_db()
    return post


def fence_flags(record: Inspection) -> list[dict]:
    return [f for f in record.flags if f["code"] in FENCE_CODES]


def submit(api, world, daily, **overrides):
    response = api.as_(world.worker).post(URL, submission(daily, world.post, **overrides), format="json")
    assert response.status_code == 201, response.content  # stored, whatever the place
    return Inspection.objects.get(pk=response.json()["id"]), response.json()


# --- the distance and the rule


def test_the_haversine_distance():
    assert distance_m(30, 114, 31, 114) == pytest.approx(METRES_PER_DEGREE)
    assert distance_m(0, 0, 0, 1) == pytest.approx(METRES_PER_DEGREE)  # a degree of longitude at the equator
    assert distance_m(60, 10, 60, 11) == pytest.approx(METRES_PER_DEGREE / 2, rel=1e-3)  # half as long at 60°
    assert distance_m(*CENTRE, *CENTRE) == 0
    assert distance_m(0, 179.9995, 0, -179.9995) == pytest.approx(0.001 * METRES_PER_DEGREE)  # across 180°
    # Wuhan to Ezhou, about 60 km
    assert 55_000 < distance_m(30.5928, 114.3055, 30.3914, 114.8943) < 65_000


def test_the_accuracy_gives_the_benefit_of_the_doubt(world):
    post = fence(world.post, radius_m=200)
    assert position_flags(post=post, position=north(250, accuracy=60)) == []  # 250 - 60 = 190 <= 200
    flagged = position_flags(post=post, position=north(250, accuracy=40))  # 250 - 40 = 210 > 200
    assert flagged == [
        {
            "code": "outside_fence",
            "label": "在电子围栏外提交",
            "detail": {"distance_m": 250, "accuracy_m": 40, "radius_m": 200},
        }
    ]


def test_without_a_fence_nothing_is_flagged_or_kept(world):
    assert position_flags(post=world.post, position=None) == []
    assert position_flags(post=world.post, position=north(10_000)) == []
    assert position_fields(post=world.post, position=north(10)) == {}


# --- records through the API


def test_a_record_inside_the_fence_keeps_the_position_and_is_not_flagged(api, world, daily):
    fence(world.post)
    record, body = submit(api, world, daily, position=north(50, accuracy=12.34))
    assert fence_flags(record) == []
    assert (record.position_latitude, record.position_longitude, record.position_accuracy_m) == (
        Decimal(f"{CENTRE[0] + 50 / METRES_PER_DEGREE:.6f}"),
        Decimal("114.894313"),
        Decimal("12.3"),
    )
    detail = api.as_(world.officer).get(f"{URL}{record.id}/").json()
    assert detail["position"] == {
        "latitude": float(record.position_latitude),
        "longitude": 114.894313,
        "accuracy_m": 12.3,
    }


def test_a_record_outside_the_fence_is_stored_and_flagged(api, world, daily):
    fence(world.post, radius_m=100)
    record, body = submit(api, world, daily, position=north(800, accuracy=25))
    assert fence_flags(record) == [
        {
            "code": "outside_fence",
            "label": "在电子围栏外提交",
            "detail": {"distance_m": 800, "accuracy_m": 25, "radius_m": 100},
        }
    ]
    assert record.flagged and record.position_latitude is not None
    assert "outside_fence" in {f["code"] for f in body["flags"]}


@pytest.mark.parametrize("position", [None, "absent"])
def test_a_record_of_a_fenced_post_without_a_position_is_stored_and_flagged(api, world, daily, position):
    fence(world.post)
    record, body = submit(api, world, daily, **({} if position == "absent" else {"position": position}))
    assert [f["code"] for f in fence_flags(record)] == ["no_position"]
    assert record.position_latitude is None
    assert "no_position" in {f["code"] for f in body["flags"]}


def test_a_position_sent_for_a_post_without_a_fence_is_dropped_not_stored(api, world, daily):
    record, body = submit(api, world, daily, position=north(5_000))
    assert (record.position_latitude, record.position_longitude, record.position_accuracy_m) == (None, None, None)
    assert fence_flags(record) == []
    assert api.as_(world.officer).get(f"{URL}{record.id}/").json()["position"] is None


def test_a_fence_set_later_does_not_flag_the_records_stored_before(api, world, daily):
    record, _body = submit(api, world, daily)
    fence(world.post)
    record.refresh_from_db()
    assert fence_flags(record) == []


@pytest.mark.parametrize(
    "position, field",
    [
        ({"latitude": 91, "longitude": 114, "accuracy": 10}, "position.latitude"),
        ({"latitude": 30, "longitude": -181, "accuracy": 10}, "position.longitude"),
        ({"latitude": 30, "longitude": 114, "accuracy": -1}, "position.accuracy"),
        ({"latitude": 30, "longitude": 114}, "position.accuracy"),
        ({"latitude": "here", "longitude": 114, "accuracy": 10}, "position.latitude"),
    ],
)
def test_a_malformed_position_is_a_400_naming_the_field(api, world, daily, position, field):
    fence(world.post)
    response = api.as_(world.worker).post(URL, submission(daily, world.post, position=position), format="json")
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert not Inspection.objects.exists()


def test_the_position_is_covered_by_the_archive_hash(api, world, daily):
    fence(world.post)
    record, _body = submit(api, world, daily, position=north(30))
    assert archive_first_break(enterprise_id=world.enterprise.id) is None
    Inspection.objects.filter(pk=record.pk).update(position_latitude=Decimal("30.000000"))  # moved behind the API
    broken = archive_first_break(enterprise_id=world.enterprise.id)
    assert broken is not None and broken.inspection_id == record.id


def test_a_replay_with_the_same_position_gets_the_stored_record_another_position_is_a_409(api, world, daily):
    fence(world.post)
    body = submission(daily, world.post, position=north(30))
    first = api.as_(world.worker).post(URL, body, format="json")
    again = api.as_(world.worker).post(URL, body, format="json")
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    moved = api.as_(world.worker).post(URL, body | {"position": north(3_000)}, format="json")
    assert moved.status_code == 409 and moved.json()["field"] == "client_uuid"
    assert Inspection.objects.count() == 1


def test_the_place_costs_no_query(api, world, daily):
    """The post is loaded with the record's checks: a fence adds no query to a submission."""

    def queries(**overrides) -> int:
        with CaptureQueriesContext(connection) as ctx:
            submit(api, world, daily, **overrides)
        return len(ctx.captured_queries)

    queries()  # warm up (content types, the archive head)
    plain = queries()
    fence(world.post)
    assert queries(position=north(3_000)) == plain
    assert queries() == plain
