"""The hazard page (issue 14): the moves a person may make, made through the hazards services from forms,
refusals shown on the page with the API's status, photos readable by whoever reads the hazard."""

import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hazards.models import Hazard, HazardAction, HazardEvent, HazardStatus, JudgmentClause
from orgs.models import Role
from tests import factories
from tests.checklists.conftest import jpeg_bytes
from tests.hazards.conftest import assign, fresh, report, submit
from tests.mobile.conftest import PAGE_BUDGET, page_weight

pytestmark = pytest.mark.django_db


def url(hazard) -> str:
    return f"/m/hazards/{hazard.pk}/"


def photo_file(color=(10, 120, 200)):
    return SimpleUploadedFile("p.jpg", jpeg_bytes(color=color), "image/jpeg")


def local_wall(days=3) -> str:
    return (timezone.localtime() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def director(world):
    return factories.MembershipFactory(enterprise=world.enterprise, role=Role.SAFETY_DIRECTOR).person


def test_the_board_links_each_row_to_its_page_and_folds_the_filters(as_, world):
    hazard = report(world)
    html = as_(world.officer).get("/m/hazards/").content.decode()
    assert f'href="/m/hazards/{hazard.pk}/"' in html
    assert '<details class="card" id="filters">' in html  # folded unless a filter is chosen
    html = as_(world.officer).get("/m/hazards/?status=open").content.decode()
    assert '<details class="card" open id="filters">' in html


def test_an_officer_sees_the_assignment_form_with_the_enterprises_people(as_, world):
    hazard = report(world)
    response = as_(world.officer).get(url(hazard))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="assign"' in html and f'<option value="{world.worker.id}"' in html
    assert f'<option value="{world.outsider.id}"' not in html  # only members of the enterprise
    assert 'id="accept"' not in html and 'id="submit"' not in html
    assert page_weight(response.content) < PAGE_BUDGET


def test_a_worker_sees_no_move_on_a_hazard_not_assigned_to_them(as_, world):
    html = as_(world.worker).get(url(report(world))).content.decode()
    assert 'class="card move"' not in html and 'id="assign"' not in html


def test_another_enterprises_hazard_is_404(as_, world):
    hazard = report(world)
    assert as_(world.outsider).get(url(hazard)).status_code == 404
    response = as_(world.outsider).post(url(hazard), {"move": "accept"})
    assert response.status_code == 404
    assert Hazard.objects.get(pk=hazard.pk).status == HazardStatus.OPEN


def test_the_whole_round_assign_rectify_reject_rectify_accept(as_, world, director):
    hazard = report(world)
    client = as_(world.officer)
    response = client.post(url(hazard), {"move": "assign", "responsible": world.worker.id, "deadline": local_wall()})
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.RECTIFYING and hazard.responsible_id == world.worker.id

    client = as_(world.worker)
    assert 'id="submit"' in client.get(url(hazard)).content.decode()
    body = {"move": "submit", "note": "已清理通道", "client_uuid": str(uuid.uuid4()), "photo": photo_file()}
    assert client.post(url(hazard), body).status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.PENDING_ACCEPTANCE

    client = as_(world.officer)
    body = {"move": "reject", "note": "通道仍有杂物", "client_uuid": str(uuid.uuid4()), "photo": photo_file((9, 9, 9))}
    assert client.post(url(hazard), body).status_code == 302
    rejected = HazardEvent.objects.get(hazard=hazard, action=HazardAction.REJECT)
    assert rejected.note == "通道仍有杂物" and rejected.photos.count() == 1

    client = as_(world.worker)
    body = {"move": "submit", "note": "已全部清理", "client_uuid": str(uuid.uuid4()), "photo": photo_file((0, 200, 0))}
    assert client.post(url(hazard), body).status_code == 302

    response = as_(director).post(url(hazard), {"move": "accept", "note": "复查合格"})
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.CLOSED
    html = as_(director).get(url(hazard)).content.decode()
    assert html.count('data-action="submit"') == 2 and "复查合格" in html


def test_a_refused_move_is_shown_on_the_page_with_the_api_status(as_, world):
    hazard = report(world)
    response = as_(world.officer).post(
        url(hazard), {"move": "assign", "responsible": world.worker.id, "deadline": "2020-01-01T08:00"}
    )
    assert response.status_code == 400
    assert "整改期限须晚于当前时间" in response.content.decode()
    response = as_(world.officer).post(url(hazard), {"move": "assign", "responsible": world.outsider.id})
    assert response.status_code == 400 and "整改期限" in response.content.decode()
    response = as_(world.officer).post(
        url(hazard), {"move": "assign", "responsible": world.outsider.id, "deadline": local_wall()}
    )
    assert response.status_code == 400 and "整改责任人须为本企业人员" in response.content.decode()
    assert Hazard.objects.get(pk=hazard.pk).status == HazardStatus.OPEN


def test_a_worker_cannot_assign_and_a_rectification_needs_a_photo(as_, world):
    hazard = report(world)
    response = as_(world.worker).post(
        url(hazard), {"move": "assign", "responsible": world.worker.id, "deadline": local_wall()}
    )
    assert response.status_code == 403
    assign(hazard, by=world.officer, responsible=world.worker)
    response = as_(world.worker).post(url(hazard), {"move": "submit", "note": "好了", "client_uuid": str(uuid.uuid4())})
    assert response.status_code == 400 and "请拍摄或选择照片" in response.content.decode()
    assert Hazard.objects.get(pk=hazard.pk).status == HazardStatus.RECTIFYING


def test_whoever_rectified_is_not_offered_acceptance_and_is_refused(api, as_, world, director):
    hazard = report(world)
    assign(hazard, by=world.officer, responsible=director)
    submit(api, hazard, by=director)
    html = as_(director).get(url(hazard)).content.decode()
    assert 'id="accept"' not in html
    response = as_(director).post(url(hazard), {"move": "accept"})
    assert response.status_code == 403
    assert 'id="accept"' in as_(world.officer).get(url(hazard)).content.decode()


def test_the_photos_of_a_hazard_are_readable_by_its_readers_only(api, as_, world):
    hazard = report(world)
    assign(hazard, by=world.officer, responsible=world.worker)
    submit(api, hazard, by=world.worker)
    photo = HazardEvent.objects.get(hazard=hazard, action=HazardAction.SUBMIT).photos.get()
    response = as_(world.officer).get(f"/m/photos/{photo.pk}.jpg")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response.content[:2] == b"\xff\xd8"
    assert as_(world.outsider).get(f"/m/photos/{photo.pk}.jpg").status_code == 404
    html = as_(world.officer).get(url(hazard)).content.decode()
    assert f'src="/m/photos/{photo.pk}.jpg"' in html


def test_a_rejection_through_the_api_may_carry_the_acceptors_photos(api, world):
    from tests.hazards.conftest import hazard_url, upload_photo

    hazard = report(world)
    assign(hazard, by=world.officer, responsible=world.worker)
    submit(api, hazard, by=world.worker)
    photo = upload_photo(api, world.officer)
    response = api.as_(fresh(world.officer)).post(
        hazard_url(hazard, "reject"), {"note": "未清理干净", "photos": [photo]}, format="json"
    )
    assert response.status_code == 200, response.data
    assert response.data["events"][-1]["photos"][0]["id"] == photo
    # Someone else's photo is refused like one that does not exist.
    submit(api, hazard, by=world.worker)
    other = upload_photo(api, world.worker)
    response = api.as_(fresh(world.officer)).post(
        hazard_url(hazard, "reject"), {"note": "x", "photos": [other]}, format="json"
    )
    assert response.status_code == 400 and response.data["field"] == "photos"


def test_a_safety_manager_gives_a_major_hazard_its_clause_on_the_page(as_, world):
    """The classify form offers the clauses of the enterprise's industry; a major grade without a clause is
    refused on the page with the API's 400; with one the event is in the history."""
    hazard = factories.HazardFactory(
        enterprise=world.enterprise, found_by=world.worker, grade="major", source="inspection"
    )
    html = as_(world.officer).get(url(hazard)).content.decode()
    assert '<details class="card move" id="classify" open>' in html
    chemical = JudgmentClause.objects.get(standard__issuing_order="安监总管三〔2017〕121号", number="第十二项")
    machinery = JudgmentClause.objects.get(number="第七条第（二）项")
    assert f'<option value="{chemical.id}"' in html and f'<option value="{machinery.id}"' not in html
    assert 'id="classify"' not in as_(world.worker).get(url(hazard)).content.decode()
    response = as_(world.officer).post(url(hazard), {"move": "classify", "grade": "major", "basis_clause": ""})
    assert response.status_code == 400 and "判定依据" in response.content.decode()
    assert Hazard.objects.get(pk=hazard.pk).basis_clause is None
    response = as_(world.officer).post(
        url(hazard), {"move": "classify", "grade": "major", "basis_clause": chemical.id, "note": "复核"}
    )
    assert response.status_code == 302
    assert Hazard.objects.get(pk=hazard.pk).basis_clause == chemical
    html = as_(world.officer).get(url(hazard)).content.decode()
    assert 'data-action="classify"' in html and chemical.citation in html
