"""有奖举报 from the card (seed item 62, issue 16 item 5): anyone who scanned reports, throttled per client;
the safety managers triage; the reporter's phone is the principal's to see."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from hazards.models import Hazard, Notification, PublicReport
from orgs.models import Role
from qr.services import qr_token_issue
from tests import factories
from tests.checklists.conftest import jpeg_bytes
from tests.hazards.conftest import assert_error, chemical_clause

REPORTS = "/api/v1/hazard-reports/"


@pytest.fixture
def token(world):
    return qr_token_issue(post=world.post).token


def page(token) -> str:
    return reverse("public-report", args=[token])


def test_anyone_who_scanned_reports_with_a_photo_and_a_phone(client, world, staff, token):
    assert client.get(page(token)).status_code == 200
    assert "有奖举报" in client.get(reverse("mobile-scan", args=[token])).content.decode()
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(color=(200, 10, 10)), "image/jpeg")
    body = {"description": "二号罐区阀门滴漏", "phone": "13900001111", "photo": photo}
    response = client.post(page(token), body)
    assert response.status_code == 200 and "举报已收到" in response.content.decode()
    (report,) = PublicReport.objects.all()
    assert report.post == world.post and report.phone == "13900001111" and report.photo.name.endswith(".jpg")
    assert Notification.objects.filter(recipient=world.officer, kind="public_report").exists()


def test_a_report_without_a_description_or_with_a_bad_photo_is_refused(client, token):
    assert client.post(page(token), {"description": " "}).status_code == 400
    bad = SimpleUploadedFile("p.jpg", b"not a picture", "image/jpeg")
    assert client.post(page(token), {"description": "漏油", "photo": bad}).status_code == 400
    assert client.post(page(token), {"description": "漏油", "phone": "call me"}).status_code == 400
    assert not PublicReport.objects.exists()
    assert client.get(page("no-such-token")).status_code == 404


def test_reports_are_throttled_per_client(client, token, settings):
    settings.PUBLIC_REPORT_RATE = "2/hour"
    for _ in range(2):
        assert client.post(page(token), {"description": "漏油"}).status_code == 200
    refused = client.post(page(token), {"description": "漏油"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    other = client.post(page(token), {"description": "漏油"}, REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 200
    assert PublicReport.objects.count() == 3


def test_safety_managers_triage_and_only_the_principal_sees_the_phone(api, client, world, staff, token):
    client.post(page(token), {"description": "二号罐区阀门滴漏", "phone": "13900001111"})
    client.post(page(token), {"description": "有人在罐区吸烟"})
    listed = api.as_(world.officer).get(REPORTS).data["results"]
    assert len(listed) == 2 and {r["phone"] for r in listed} == {None}
    assert {r["phone"] for r in api.as_(staff.principal).get(REPORTS).data["results"]} == {"13900001111", ""}
    assert api.as_(world.worker).get(REPORTS).data["results"] == []
    assert api.as_(world.regulator).get(REPORTS).data["results"] == []
    leak, smoke = PublicReport.objects.order_by("id")
    assert api.as_(world.outsider).post(f"{REPORTS}{leak.id}/dismiss/", {"reason": "x"}).status_code == 404
    assert api.as_(world.worker).post(f"{REPORTS}{leak.id}/dismiss/", {"reason": "x"}).status_code == 404
    body = {"grade": "major", "basis_clause": chemical_clause("第十五项").id}
    converted = api.as_(world.officer).post(f"{REPORTS}{leak.id}/convert/", body)
    assert converted.status_code == 201 and converted.data["source"] == "public"
    hazard = Hazard.objects.get(pk=converted.data["id"])
    assert hazard.found_at == leak.created_at and hazard.description == "二号罐区阀门滴漏"
    assert_error(api.as_(world.officer).post(f"{REPORTS}{leak.id}/dismiss/", {"reason": "重复"}), 409, "status")
    assert_error(api.as_(world.officer).post(f"{REPORTS}{smoke.id}/convert/", {"grade": "major"}), 400, "basis")
    assert_error(api.as_(world.officer).post(f"{REPORTS}{smoke.id}/dismiss/", {"reason": ""}), 400, "reason")
    dismissed = api.as_(world.officer).post(f"{REPORTS}{smoke.id}/dismiss/", {"reason": "现场核实无此情况"})
    assert dismissed.status_code == 200 and dismissed.data["status"] == "dismissed"


def test_the_photo_is_served_watermarked_to_the_triage_queue_only(api, client, world, staff, token):
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(size=(800, 600), color=(200, 10, 10)), "image/jpeg")
    client.post(page(token), {"description": "二号罐区阀门滴漏", "photo": photo})
    client.post(page(token), {"description": "有人在罐区吸烟"})
    leak, smoke = PublicReport.objects.order_by("id")
    answer = api.as_(world.officer).get(f"{REPORTS}{leak.id}/")
    assert answer.status_code == 200 and "/media/" not in answer.content.decode()
    display, thumb = answer.data["photo"], answer.data["photo_thumbnail"]
    assert display.endswith(f"{REPORTS}{leak.id}/display.jpg") and thumb.endswith(f"{REPORTS}{leak.id}/thumb.jpg")
    listed = api.as_(world.officer).get(REPORTS)
    assert "/media/" not in listed.content.decode()
    assert {r["id"]: r["photo"] for r in listed.data["results"]} == {leak.id: display, smoke.id: None}

    for url, longest in ((display, 800), (thumb, 320)):
        shown = api.as_(world.officer).get(url)
        assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
        with Image.open(io.BytesIO(shown.content)) as picture:
            assert max(picture.size) == longest
        assert api.as_(world.officer).get(url, HTTP_IF_NONE_MATCH=shown["ETag"]).status_code == 304
    assert api.as_(staff.principal).get(display).status_code == 200
    # The other enterprise's safety manager, a worker, a regulator: told nothing; anonymous: 401.
    other = factories.MembershipFactory(enterprise=world.other_enterprise, role=Role.SAFETY_OFFICER).person
    for person in (other, world.outsider, world.worker, world.regulator):
        assert api.as_(person).get(display).status_code == 404
        assert api.as_(person).get(thumb).status_code == 404
    assert api.as_(None).get(display).status_code == 401
    assert client.get(display).status_code == 401
    assert api.as_(world.officer).get(f"{REPORTS}{smoke.id}/display.jpg").status_code == 404  # no photo


def test_the_reporters_photo_becomes_the_hazards_evidence_when_the_report_is_taken_in(api, client, world, token):
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(size=(800, 600), color=(200, 10, 10)), "image/jpeg")
    client.post(page(token), {"description": "二号罐区阀门滴漏", "photo": photo})
    (report,) = PublicReport.objects.all()
    converted = api.as_(world.officer).post(f"{REPORTS}{report.id}/convert/", {"grade": "general"})
    assert converted.status_code == 201, converted.content
    hazard = Hazard.objects.get(pk=converted.data["id"])
    (evidence,) = hazard.photos.all()
    assert evidence.uploaded_by == world.officer and (evidence.width, evidence.height) == (800, 600)
    detail = api.as_(world.officer).get(f"/api/v1/hazards/{hazard.id}/").content.decode()
    assert f"/api/v1/hazard-photos/{evidence.id}/" in detail
    shown = api.as_(world.officer).get(f"/api/v1/hazard-photos/{evidence.id}/display.jpg")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
