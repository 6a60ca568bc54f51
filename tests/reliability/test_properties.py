"""Properties checked with hypothesis: the calendar of periods, and the validation of submissions."""

import math
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checklists.models import Inspection, InspectionResult
from checklists.periods import DAILY, MONTHLY, QUARTERLY, WEEKLY, period_of

# Shanghai (the default), zones with DST (one whose DST starts at midnight, one with a 30-minute
# shift) and odd offsets: the calendar must hold in every one.
ZONES = [
    "Asia/Shanghai",
    "Asia/Urumqi",
    "America/Sao_Paulo",
    "America/Havana",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Europe/London",
    "UTC",
]
instants = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 1), timezones=st.just(UTC))
NESTS = [("daily", "weekly"), ("daily", "monthly"), ("monthly", "quarterly")]


@settings(max_examples=300, deadline=None)
@given(instant=instants, zone=st.sampled_from(ZONES))
def test_any_instant_falls_in_exactly_one_period_of_each_tier_in_local_time(instant, zone):
    tz = ZoneInfo(zone)
    local_day = instant.astimezone(tz).date()
    for kind in (DAILY, WEEKLY, MONTHLY, QUARTERLY):
        period = period_of(kind, instant, tz)
        assert period.contains(instant)
        # The neighbours touch without overlap: periods tile the time line.
        assert period.previous().end == period.start
        following = period_of(kind, period.end, tz)
        assert following.start == period.end and following.key != period.key
        # Every instant of the period maps back to the same period (exactly one).
        assert period_of(kind, period.start, tz) == period
        assert period_of(kind, period.end - timedelta(microseconds=1), tz) == period
        # Boundaries are local midnights (or the first instant of a day whose midnight is skipped).
        start_local = period.start.astimezone(tz)
        assert start_local.time() < datetime(2000, 1, 1, 2).time()
        last_day = (period.end - timedelta(microseconds=1)).astimezone(tz).date()
        assert start_local.date() <= local_day <= last_day
    assert period_of("daily", instant, tz).key == local_day.isoformat()
    for inner, outer in NESTS:
        small, big = period_of(inner, instant, tz), period_of(outer, instant, tz)
        assert big.start <= small.start and small.end <= big.end


# --- Submissions: whatever the values, a clear 400 with nothing stored, or a record that keeps them

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["ok", "not_ok", "na", "", "\x00", "OK", "ｏｋ", "x" * 1001, "🙂" * 3, "\u202eok"])
)
values = (
    json_scalars | st.lists(json_scalars, max_size=2) | st.dictionaries(st.text(max_size=3), json_scalars, max_size=2)
)


def acceptable(daily, values_by_item) -> bool:
    """The rules, restated independently of the service."""

    def check(value, *, photo_on_fail=False):
        return value in ("ok", "na") or (value == "not_ok" and not photo_on_fail)

    def number(value):
        return (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isfinite(value)
            and 0 <= value <= 25
        )

    def text(value):
        return value is None or (isinstance(value, str) and len(value) <= 1000 and "\x00" not in value)

    return (
        check(values_by_item[daily.extinguisher.id], photo_on_fail=True)
        and number(values_by_item[daily.gas.id])
        and text(values_by_item[daily.remark.id])
        and check(values_by_item[daily.valve.id])
    )


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extinguisher=values, gas=values, remark=values, valve=values)
def test_a_submission_is_stored_whole_exactly_when_every_value_is_valid(
    api, world, daily, extinguisher, gas, remark, valve
):
    given_values = {
        daily.extinguisher.id: extinguisher,
        daily.gas.id: gas,
        daily.remark.id: remark,
        daily.valve.id: valve,
    }
    body = {
        "client_uuid": str(uuid.uuid4()),
        "template": daily.template.id,
        "post": world.post.id,
        "started_at": timezone.now().isoformat(),
        "results": [{"item": item, "value": value} for item, value in given_values.items()],
    }
    before = (Inspection.objects.count(), InspectionResult.objects.count())
    response = api.as_(world.worker).post("/api/v1/inspections/", body, format="json")
    if acceptable(daily, given_values):
        assert response.status_code == 201, response.content
        stored = {r.item_id: r.value for r in InspectionResult.objects.filter(inspection_id=response.data["id"])}
        assert stored == {item: value for item, value in given_values.items()}
    else:
        assert response.status_code == 400, response.content
        problem = response.json()
        assert problem["field"] and problem["field"].startswith("results[") and problem["errors"]
        assert (Inspection.objects.count(), InspectionResult.objects.count()) == before
