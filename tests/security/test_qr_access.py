"""Issue 11, items 13 and 14: QR images and card sheets carry the tokens that prove a person stood at a
post, so only the enterprise's safety managers (and regulators in scope, read-only) get them; and a GET
of them never writes (no token issued, no card sheet stored, no task queued)."""

import pytest
from django.apps import apps

from orgs.models import SAFETY_MANAGER_ROLES, PostQrToken
from qr.models import CardSheet, CardSheetStatus
from qr.services import qr_token_issue
from tests import factories

PNG = "/api/v1/posts/{pk}/qr.png"
SVG = "/api/v1/posts/{pk}/qr.svg"
CARDS = "/api/v1/enterprises/{pk}/cards.pdf"
SCAN = "/api/v1/scan/{token}/"


def images(post) -> list[str]:
    return [PNG.format(pk=post.pk), SVG.format(pk=post.pk)]


def cards(enterprise) -> str:
    return CARDS.format(pk=enterprise.pk)


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def issued(world):
    """Every post of both enterprises has its code, as `seed_demo` and a manager's POST leave them."""
    return {post.pk: qr_token_issue(post=post).token for post in (world.post, world.other_post)}


# ---------------------------------------------------------------------------------------------
# Item 14: who gets the codes


@pytest.mark.parametrize("who", ["holder", "colleague"])
def test_a_worker_may_not_download_the_codes_of_any_post(api, world, issued, who):
    person = world.worker if who == "holder" else factories.MembershipFactory(enterprise=world.enterprise).person
    for url in [*images(world.post), cards(world.enterprise)]:
        response = api.as_(person).get(url, HTTP_ACCEPT="*/*")
        assert response.status_code == 403, (url, response.status_code)
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == "permission_denied"
        assert issued[world.post.pk] not in response.content.decode(errors="replace")
    assert api.as_(person).post(cards(world.enterprise)).status_code == 403


@pytest.mark.usefixtures("cjk_font")
def test_a_worker_may_not_read_a_rendered_card_sheet(api, world, issued, settings, django_capture_on_commit_callbacks):
    settings.CARDS_PDF_SYNC_MAX_POSTS = 0
    with django_capture_on_commit_callbacks(execute=True):
        sheet = api.as_(world.officer).post(cards(world.enterprise)).json()
    assert CardSheet.objects.get(pk=sheet["id"]).status == CardSheetStatus.DONE
    assert api.as_(world.worker).get(sheet["url"]).status_code == 403
    assert api.as_(world.regulator).get(sheet["url"]).status_code == 200
    assert api.as_(world.outsider).get(sheet["url"]).status_code == 404


@pytest.mark.usefixtures("cjk_font")
@pytest.mark.parametrize("role", sorted(SAFETY_MANAGER_ROLES))
def test_every_safety_manager_role_gets_the_codes(api, world, issued, role):
    manager = factories.MembershipFactory(enterprise=world.enterprise, role=role).person
    for url in [*images(world.post), cards(world.enterprise)]:
        assert api.as_(manager).get(url, HTTP_ACCEPT="*/*").status_code == 200, url


@pytest.mark.usefixtures("cjk_font")
def test_a_regulator_in_scope_and_a_superuser_read_the_codes(api, world, issued):
    root = factories.PersonFactory(username="root", is_superuser=True, is_staff=True)
    for person in (world.regulator, root):
        for url in [*images(world.post), cards(world.enterprise)]:
            assert api.as_(person).get(url, HTTP_ACCEPT="*/*").status_code == 200, url


def test_other_tenants_hear_the_codes_do_not_exist(api, world, issued):
    for person in (world.outsider, world.far_regulator):
        for url in [*images(world.post), cards(world.enterprise)]:
            assert api.as_(person).get(url, HTTP_ACCEPT="*/*").status_code == 404, url
        assert api.as_(person).post(cards(world.enterprise)).status_code == 404


def test_a_scan_shows_no_code_but_its_own(api, world, issued):
    second = factories.PostFactory(enterprise=world.enterprise)
    issued[second.pk] = qr_token_issue(post=second).token
    own = issued[world.post.pk]
    for person in (None, world.worker, world.officer, world.regulator, world.outsider):
        body = api.as_(person).get(SCAN.format(token=own)).content.decode()
        for pk, token in issued.items():
            if pk != world.post.pk:
                assert token not in body
    page = api.as_(None).get(f"/s/{own}").content.decode()
    assert all(token not in page for pk, token in issued.items() if pk != world.post.pk)


# ---------------------------------------------------------------------------------------------
# Item 13: a GET never writes


@pytest.mark.parametrize("who", ["regulator", "officer"])
def test_getting_the_codes_and_the_cards_writes_nothing(api, world, who, settings, django_capture_on_commit_callbacks):
    """No post has a code yet; a large enterprise's sheet was never rendered."""
    factories.PostFactory(enterprise=world.enterprise)
    person = getattr(world, who)
    before = row_counts()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        for url in images(world.post):
            api.as_(person).get(url, HTTP_ACCEPT="*/*")
        api.as_(person).get(cards(world.enterprise))
        settings.CARDS_PDF_SYNC_MAX_POSTS = 1
        api.as_(person).get(cards(world.enterprise))
    assert row_counts() == before
    assert queued == []


def test_a_post_without_a_code_answers_409_until_a_manager_makes_one(api, world):
    for url in images(world.post):
        response = api.as_(world.regulator).get(url, HTTP_ACCEPT="*/*")
        assert response.status_code == 409 and response["Content-Type"] == "application/json"
        body = response.json()
        assert body["code"] == "qr_not_issued" and "安全管理人员" in body["message"]
    assert not PostQrToken.objects.exists()

    made = api.as_(world.officer).post(f"/api/v1/posts/{world.post.pk}/rotate-qr/")
    assert made.status_code == 201
    assert api.as_(world.regulator).get(images(world.post)[0], HTTP_ACCEPT="*/*").status_code == 200
    assert PostQrToken.objects.get().token == made.json()["token"]


@pytest.mark.usefixtures("cjk_font")
def test_the_cards_of_posts_without_codes_are_made_by_a_managers_post(api, world):
    response = api.as_(world.officer).get(cards(world.enterprise))
    assert response.status_code == 409 and response.json()["code"] == "qr_not_issued"
    # A regulator reads; making codes and rendering sheets is the enterprise's.
    assert api.as_(world.regulator).post(cards(world.enterprise)).status_code == 403
    assert not PostQrToken.objects.exists()

    made = api.as_(world.officer).post(cards(world.enterprise))
    assert made.status_code == 200 and made["Content-Type"] == "application/pdf"
    assert PostQrToken.objects.filter(post=world.post, revoked_at__isnull=True).count() == 1
    again = api.as_(world.regulator).get(cards(world.enterprise))
    assert again.status_code == 200 and again["Content-Type"] == "application/pdf"


@pytest.mark.usefixtures("cjk_font")
def test_a_large_sheet_is_started_by_a_post_and_then_read_by_a_get(
    api, world, issued, settings, django_capture_on_commit_callbacks
):
    settings.CARDS_PDF_SYNC_MAX_POSTS = 0
    response = api.as_(world.regulator).get(cards(world.enterprise))
    assert response.status_code == 409 and response.json()["code"] == "cards_not_rendered"
    assert not CardSheet.objects.exists()

    assert api.as_(world.regulator).post(cards(world.enterprise)).status_code == 403
    assert not CardSheet.objects.exists()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        started = api.as_(world.officer).post(cards(world.enterprise))
    assert started.status_code == 202 and len(queued) == 1
    before = row_counts()
    pending = api.as_(world.officer).get(cards(world.enterprise))
    assert pending.status_code == 202 and pending.json()["status"] == "pending"
    assert row_counts() == before
    for callback in queued:
        callback()
    ready = api.as_(world.regulator).get(cards(world.enterprise))
    assert ready.status_code == 200 and ready["Content-Type"] == "application/pdf"
    assert CardSheet.objects.get().requested_by == world.officer
