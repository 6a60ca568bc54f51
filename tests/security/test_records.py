"""Backdating (issue 11, item 8a): a record's capture time (started_at) is the phone's claim. A record
may come late (补录) for a period that closed recently, flagged late; a capture time from long ago or
from the future is a 400 naming started_at, and nothing is stored."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from checklists.models import ArchiveHead, Inspection, InspectionResult, Photo
from hazards.models import Hazard
from tests.checklists import conftest as checklists
from tests.checklists.conftest import jpeg_bytes, submission

daily = checklists.daily  # the fixture: a daily check of world.post

URL = "/api/v1/inspections/"
# 2024-07-15 10:00 in Beijing: the server's clock in these tests.
NOW = datetime(2024, 7, 15, 2, 0, tzinfo=UTC)


def post(api, person, body):
    with time_machine.travel(NOW, tick=False):
        return api.as_(person).post(URL, body)


def assert_refused(response, code=None):
    assert response.status_code == 400, response.data
    assert response.data["field"] == "started_at", response.data
    assert response.data["message"]
    if code:
        assert response.data["code"] == code
    assert Inspection.objects.count() == 0 and InspectionResult.objects.count() == 0
    assert not ArchiveHead.objects.filter(last_sequence__gt=0).exists() and not Hazard.objects.exists()


@pytest.mark.parametrize(
    "started_at",
    [
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+08:00",
        "0001-01-01T00:00:00-10:00",
        "0001-01-01",
        "1900-01-01T08:00:00+08:00",
        "1900-01-01",
        "2024-05-31T23:59:59+08:00",  # a daily check 45 days old
    ],
)
def test_a_capture_time_long_before_any_open_period_is_a_400_naming_started_at(api, world, daily, started_at):
    assert_refused(post(api, world.worker, submission(daily, world.post, started_at=started_at)))


def test_a_capture_time_long_ago_is_refused_in_an_enterprise_west_of_utc_too(api, world, daily):
    world.enterprise.timezone = "Pacific/Honolulu"
    world.enterprise.save(update_fields=["timezone"])
    for started_at in ("0001-01-01T00:00:00Z", "0001-01-01T10:00:00+00:00", "1900-01-01T00:00:00Z"):
        assert_refused(post(api, world.worker, submission(daily, world.post, started_at=started_at)))


@pytest.mark.parametrize(
    "started_at", ["2999-01-01T00:00:00+08:00", "9999-12-31T23:59:59Z", "2024-07-15T10:06:00+08:00"]
)
def test_a_capture_time_in_the_future_beyond_the_clock_skew_is_a_400_naming_started_at(api, world, daily, started_at):
    assert_refused(post(api, world.worker, submission(daily, world.post, started_at=started_at)))


def test_a_check_a_minute_ahead_of_the_server_clock_is_accepted(api, world, daily):
    response = post(api, world.worker, submission(daily, world.post, started_at="2024-07-15T10:01:00+08:00"))
    assert response.status_code == 201, response.data
    assert response.data["period"] == "2024-07-15" and response.data["late"] is False


def test_yesterdays_daily_check_sent_today_is_accepted_and_flagged_late(api, world, daily):
    response = post(api, world.worker, submission(daily, world.post, started_at="2024-07-14T18:30:00+08:00"))
    assert response.status_code == 201, response.data
    assert response.data["period"] == "2024-07-14" and response.data["late"] is True


def test_last_months_monthly_check_is_accepted_late_and_one_of_the_month_before_is_not(api, world, daily):
    daily.template.tier = "monthly"
    daily.template.save()
    late = post(api, world.worker, submission(daily, world.post, started_at="2024-06-02T09:00:00+08:00"))
    assert late.status_code == 201, late.data
    assert late.data["period"] == "2024-06" and late.data["late"] is True
    refused = post(api, world.worker, submission(daily, world.post, started_at="2024-05-31T09:00:00+08:00"))
    assert refused.status_code == 400 and refused.data["field"] == "started_at"
    assert refused.data["code"] == "started_at_too_old"
    assert list(Inspection.objects.values_list("period", flat=True)) == ["2024-06"]


def test_the_late_limit_is_counted_from_the_end_of_the_period_and_is_a_setting(api, world, daily, settings):
    # The day 2024-06-14 ended at 2024-06-15 00:00 Beijing time, 30 days 10 hours before NOW.
    settings.INSPECTION_MAX_BACKDATE_DAYS = 31
    ok = post(api, world.worker, submission(daily, world.post, started_at="2024-06-14T08:00:00+08:00"))
    assert ok.status_code == 201, ok.data
    settings.INSPECTION_MAX_BACKDATE_DAYS = 30
    assert Inspection.objects.count() == 1
    refused = post(api, world.worker, submission(daily, world.post, started_at="2024-06-14T09:00:00+08:00"))
    assert refused.status_code == 400 and refused.data["field"] == "started_at"
    assert Inspection.objects.count() == 1


def test_the_clock_skew_is_a_setting(api, world, daily, settings):
    settings.INSPECTION_CLOCK_SKEW_SECONDS = 30
    body = submission(daily, world.post, started_at=(NOW + timedelta(seconds=60)).isoformat())
    assert_refused(post(api, world.worker, body))


def test_a_refused_capture_time_speaks_english_when_asked(api, world, daily):
    body = submission(daily, world.post, started_at="1900-01-01T00:00:00Z")
    with time_machine.travel(NOW, tick=False):
        response = api.as_(world.worker).post(URL, body, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and response.data["field"] == "started_at"
    assert response.data["message"].isascii(), response.data["message"]


def test_a_replay_of_a_stored_record_still_gets_it_back_after_the_limit(api, world, daily):
    """An offline queue resending a record that was stored in time gets the record, not a 400."""
    body = submission(daily, world.post, started_at="2024-07-15T09:00:00+08:00")
    assert post(api, world.worker, body).status_code == 201
    with time_machine.travel(NOW + timedelta(days=90), tick=False):
        again = api.as_(world.worker).post(URL, body)
    assert again.status_code == 200, again.data


def _exif(taken: str) -> Image.Exif:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = taken
    return exif


@pytest.mark.parametrize("taken", ["0001:01:01 00:00:00", "0001:01:01 07:00:00", "9999:12:31 23:59:59"])
def test_a_photo_whose_exif_time_cannot_be_a_real_instant_is_stored_without_one(api, world, taken):
    """The photo API takes no capture time: it reads EXIF, the phone's claim. A claim that is no
    representable instant (year 1 in Beijing is before year 1 in UTC) must not be a 500."""
    image = SimpleUploadedFile("p.jpg", jpeg_bytes(exif=_exif(taken)), content_type="image/jpeg")
    with time_machine.travel(NOW, tick=False):
        response = api.as_(world.worker).post(
            "/api/v1/photos/", {"client_uuid": str(uuid.uuid4()), "image": image}, format="multipart"
        )
    assert response.status_code == 201, response.content[:300]
    assert Photo.objects.get().taken_at is None or Photo.objects.get().taken_at.year > 1
