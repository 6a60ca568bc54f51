"""Place (issue 12): the phone's position on a record of a post with an electronic fence.

A post's fence is a circle around a WGS-84 centre (orgs: Post.fence_latitude, fence_longitude,
fence_radius_m, set by safety managers). The phone sends {latitude, longitude, accuracy} with a record
of a fenced post; the record keeps it (and nothing for a post without a fence: a position sent there is
dropped, not stored) and is flagged `outside_fence` when its distance from the centre minus the
phone's accuracy exceeds the radius, or `no_position` when it came without one (refused, timed out,
no GPS). A flag never refuses a record: it is stored, then flagged. No query: the post is loaded.
"""

import math
from decimal import Decimal

from checklists.flags import NO_POSITION, OUTSIDE_FENCE, flag
from orgs.models import Post
from orgs.validators import fence_degrees

EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG); the spherical error is below 0.5 %
ACCURACY_PLACES = Decimal("0.1")


def distance_m(lat1, lng1, lat2, lng2) -> float:
    """Great-circle (haversine) distance in metres between two WGS-84 points in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(float(lng2) - float(lng1))
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _stored(position: dict) -> tuple[Decimal, Decimal, Decimal]:
    """The position as the record keeps it (6 decimals of a degree, accuracy to 0.1 m): the flags are
    computed from these values, so they can be computed again from the archive."""
    accuracy = Decimal(str(position["accuracy"])).quantize(ACCURACY_PLACES)
    return fence_degrees(position["latitude"]), fence_degrees(position["longitude"]), accuracy


def position_fields(*, post: Post, position: dict | None) -> dict:
    """The Inspection fields that keep the position: set only for a post with a fence and a position
    given ({} otherwise, so a position sent for a post without a fence is not stored)."""
    if not post.has_fence or not position:
        return {}
    latitude, longitude, accuracy = _stored(position)
    return {"position_latitude": latitude, "position_longitude": longitude, "position_accuracy_m": accuracy}


def position_flags(*, post: Post, position: dict | None) -> list[dict]:
    """The place flags of a record of `post` sent with `position` ({latitude, longitude, accuracy} in
    WGS-84 degrees and metres, or None): none for a post without a fence; `no_position` without a
    position; `outside_fence` {distance_m, accuracy_m, radius_m} when distance - accuracy > radius."""
    if not post.has_fence:
        return []
    if not position:
        return [flag(NO_POSITION)]
    latitude, longitude, accuracy = _stored(position)
    distance = distance_m(post.fence_latitude, post.fence_longitude, latitude, longitude)
    if distance - float(accuracy) > post.fence_radius_m:
        return [
            flag(
                OUTSIDE_FENCE,
                distance_m=round(distance),
                accuracy_m=round(float(accuracy)),
                radius_m=post.fence_radius_m,
            )
        ]
    return []
