"""On site means scanned (issue 12): a scan event is recorded by a logged-in POST of the code, never by
a GET, and a record is on site only when it cites a scan of the same person at the post shortly before.
Anything else is stored, off site and flagged no_scan_event."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from cards.services import card_publish
from checklists.models import Inspection, ScanEvent
from orgs.models import PostQrToken
from tests import factories
from tests.checklists.conftest import scan_event, submission
from tests.conftest import Client

URL = "/api/v1/inspections/"


def scan_url(token: str) -> str:
    return f"/api/v1/scan/{token}/"


def minutes_ago(minutes: float) -> datetime:
    return timezone.now() - timedelta(minutes=minutes)


def submit(api, person, daily, post, **fields):
    """A check started 3 minutes ago (not too fast), with `fields` (scan_event, scan_token...)."""
    body = submission(daily, post, started_at=minutes_ago(3).isoformat(), **fields)
    response = api.as_(person).post(URL, body, format="json")
    assert response.status_code == 201, response.data
    return response.data


def scan_flag(record: dict) -> dict | None:
    return next((f for f in record["flags"] if f["code"] == "no_scan_event"), None)


# ---------------------------------------------------------------------------------------------
# Recording a scan


def test_the_post_of_a_scan_records_one_event_and_the_get_none(api, world, daily):
    token = factories.QrTokenFactory(post=world.post)
    client = api.as_(world.worker)

    posted = client.post(
        scan_url(token.token), HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 13) 微信", REMOTE_ADDR="10.1.2.3"
    )
    read = client.get(scan_url(token.token))

    assert posted.status_code == 201 and read.status_code == 200
    event = ScanEvent.objects.get()
    assert (event.person, event.post, event.token) == (world.worker, world.post, token)
    assert event.user_agent.startswith("Mozilla/5.0") and event.ip == "10.1.2.3"
    body = posted.json()
    assert body["scan_event"]["id"] == event.id and body["scan_event"]["scanned_at"]
    assert body["post"]["id"] == world.post.id and [c["template"]["id"] for c in body["checklists"]] == [
        daily.template.id
    ]
    assert "scan_event" not in read.json()  # the GET answers as before and writes nothing
    assert ScanEvent.objects.count() == 1


def test_a_long_user_agent_is_cut_short(api, world):
    token = factories.QrTokenFactory(post=world.post)
    api.as_(world.worker).post(scan_url(token.token), HTTP_USER_AGENT="x" * 5000)
    assert len(ScanEvent.objects.get().user_agent) == 200


def test_recording_a_scan_needs_a_login_and_an_active_code(api, world):
    token = factories.QrTokenFactory(post=world.post)
    assert Client().post(scan_url(token.token)).status_code == 401
    assert api.as_(world.worker).post(scan_url("NoSuchToken12")).status_code == 404
    PostQrToken.objects.filter(pk=token.pk).update(revoked_at=datetime(2024, 1, 1, tzinfo=UTC))
    gone = api.as_(world.worker).post(scan_url(token.token))
    assert gone.status_code == 410 and gone.json()["code"] == "gone"
    assert not ScanEvent.objects.exists()


# A holder's scan reads as the GET does (tests/qr/test_api.py HOLDER_SCAN_QUERIES, 4) and inserts the event.
HOLDER_SCAN_RECORDED_QUERIES = 5


def test_recording_a_scan_takes_one_query_more_than_reading_it(world, daily, django_assert_max_num_queries):
    card_publish(card=factories.CardFactory(post=world.post), by=None)
    token = factories.QrTokenFactory(post=world.post)
    holder = Client().as_(world.worker)
    with django_assert_max_num_queries(HOLDER_SCAN_RECORDED_QUERIES) as captured:
        assert holder.post(scan_url(token.token)).status_code == 201
    assert len(captured) == HOLDER_SCAN_RECORDED_QUERIES


# ---------------------------------------------------------------------------------------------
# On site only with a scan of the same person at the post, shortly before


def test_a_record_citing_its_scan_is_on_site_and_clean(api, world, daily):
    event = scan_event(world.worker, world.post, at=minutes_ago(5))
    record = submit(api, world.worker, daily, world.post, scan_event=event.id, scan_token=event.token.token)
    assert record["on_site"] is True and record["flags"] == []
    stored = Inspection.objects.get()
    assert stored.scan_event == event and stored.scan_token == event.token and not stored.flagged
    detail = api.as_(world.officer).get(f"{URL}{record['id']}/").json()
    assert detail["on_site"] is True and detail["scan_event"] == event.id and detail["flags"] == []


def test_the_phone_page_flow_scan_then_submit_is_on_site(api, world, daily):
    token = factories.QrTokenFactory(post=world.post)
    scanned = api.as_(world.worker).post(scan_url(token.token)).json()["scan_event"]
    record = submit(api, world.worker, daily, world.post, scan_event=scanned["id"], scan_token=token.token)
    assert record["on_site"] is True


def _elsewhere(world):
    return factories.PostFactory(enterprise=world.enterprise)


@pytest.mark.parametrize(
    "case, reason, kept",
    [
        ("another person's scan", "other_person", False),
        ("a scan of another post", "other_post", False),
        ("a scan too old", "outside_window", True),
        ("a scan after the start", "outside_window", True),
        ("another enterprise's scan", "not_found", False),
        ("no such scan", "not_found", False),
    ],
)
def test_a_record_citing_a_scan_that_does_not_prove_presence_is_off_site_and_flagged(
    api, world, daily, case, reason, kept
):
    colleague = factories.MembershipFactory(enterprise=world.enterprise).person
    event = {
        "another person's scan": lambda: scan_event(colleague, world.post, at=minutes_ago(5)),
        "a scan of another post": lambda: scan_event(world.worker, _elsewhere(world), at=minutes_ago(5)),
        "a scan too old": lambda: scan_event(world.worker, world.post, at=minutes_ago(3 + 31)),
        "a scan after the start": lambda: scan_event(world.worker, world.post, at=minutes_ago(3 - 6)),
        "another enterprise's scan": lambda: scan_event(world.outsider, world.other_post, at=minutes_ago(5)),
        "no such scan": lambda: None,
    }[case]()
    cited = event.id if event else 999_999

    record = submit(api, world.worker, daily, world.post, scan_event=cited)

    assert record["on_site"] is False
    flag = scan_flag(record)
    assert flag["label"] == "不是扫码后现场提交"
    assert flag["detail"]["reason"] == reason and flag["detail"]["scan_event"] == cited
    stored = Inspection.objects.get()
    assert stored.flagged and stored.scan_event_id == (event.id if kept else None)  # only its own scan is kept
    if kept:
        assert flag["detail"]["scanned_at"] and flag["detail"]["window_minutes"] == 30


def test_the_window_is_a_setting(api, world, daily, settings):
    settings.SCAN_EVENT_WINDOW_MINUTES = 60
    event = scan_event(world.worker, world.post, at=minutes_ago(3 + 45))
    assert submit(api, world.worker, daily, world.post, scan_event=event.id)["on_site"] is True


def test_a_check_queued_offline_citing_its_scan_is_on_site_when_it_arrives_hours_later(api, world, daily):
    with time_machine.travel(datetime(2024, 7, 3, 0, 0, tzinfo=UTC), tick=False):  # 08:00 Beijing: the scan
        token = factories.QrTokenFactory(post=world.post)
        scanned = api.as_(world.worker).post(scan_url(token.token)).json()["scan_event"]["id"]
    body = submission(
        daily,
        world.post,
        scan_event=scanned,
        scan_token=token.token,
        started_at="2024-07-03T08:05:00+08:00",
        finished_at="2024-07-03T08:12:00+08:00",
    )
    with time_machine.travel(datetime(2024, 7, 3, 5, 0, tzinfo=UTC), tick=False):  # 13:00: back online
        response = api.as_(world.worker).post(URL, body, format="json")
    assert response.status_code == 201
    assert response.data["on_site"] is True and response.data["flags"] == []


# ---------------------------------------------------------------------------------------------
# The token alone (phones in the field with the page of before)


def test_a_token_with_a_scan_of_that_person_within_the_window_is_on_site(api, world, daily):
    event = scan_event(world.worker, world.post, at=minutes_ago(10))
    record = submit(api, world.worker, daily, world.post, scan_token=event.token.token)
    assert record["on_site"] is True and record["flags"] == []
    assert Inspection.objects.get().scan_event == event  # the scan found is kept with the record


def test_a_replay_of_an_old_token_with_no_scan_is_not_on_site(api, world, daily):
    token = factories.QrTokenFactory(post=world.post)
    record = submit(api, world.worker, daily, world.post, scan_token=token.token)
    assert record["on_site"] is False and scan_flag(record)["detail"] == {"reason": "token_only"}
    assert Inspection.objects.get().scan_token == token  # the token is kept: it is what the phone sent


@pytest.mark.parametrize("whose", ["another person", "an old scan"])
def test_a_token_with_only_someone_elses_or_an_old_scan_is_not_on_site(api, world, daily, whose):
    colleague = factories.MembershipFactory(enterprise=world.enterprise).person
    if whose == "another person":
        event = scan_event(colleague, world.post, at=minutes_ago(5))
    else:
        event = scan_event(world.worker, world.post, at=minutes_ago(3 + 40))
    record = submit(api, world.worker, daily, world.post, scan_token=event.token.token)
    assert record["on_site"] is False and scan_flag(record)["detail"]["reason"] == "token_only"


def test_a_revoked_or_foreign_token_is_not_on_site(api, world, daily):
    event = scan_event(world.worker, world.post, at=minutes_ago(5))
    PostQrToken.objects.filter(pk=event.token_id).update(revoked_at=timezone.now())
    foreign = factories.QrTokenFactory(post=world.other_post)
    for token in (event.token.token, foreign.token):
        record = submit(api, world.worker, daily, world.post, scan_token=token)
        assert record["on_site"] is False and scan_flag(record)["detail"]["reason"] == "token_invalid"


def test_a_record_without_any_scan_is_flagged(api, world, daily):
    record = submit(api, world.worker, daily, world.post)
    assert record["on_site"] is False and scan_flag(record)["detail"] == {"reason": "no_scan"}


def test_a_scan_event_must_be_a_positive_id(api, world, daily):
    for bad in (0, -1, 2**63, "x"):
        body = submission(daily, world.post, scan_event=bad)
        response = api.as_(world.worker).post(URL, body, format="json")
        assert response.status_code == 400 and response.json()["field"] == "scan_event", bad


def test_the_same_submission_with_another_scan_event_is_a_409(api, world, daily):
    first, second = (scan_event(world.worker, world.post, at=minutes_ago(m)) for m in (5, 4))
    body = submission(daily, world.post, started_at=minutes_ago(3).isoformat(), scan_event=first.id)
    assert api.as_(world.worker).post(URL, body, format="json").status_code == 201
    assert api.as_(world.worker).post(URL, body, format="json").status_code == 200
    body["scan_event"] = second.id
    assert api.as_(world.worker).post(URL, body, format="json").status_code == 409
