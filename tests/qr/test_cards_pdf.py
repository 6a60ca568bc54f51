"""Printable cards: one A5 page per post, Chinese text extractable, the font embedded, a QR code that a
real decoder reads; large enterprises rendered by Celery behind a status URL."""

from io import BytesIO

import pytest
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader
from reportlab.lib.pagesizes import A5

from cards.models import CardVersion
from orgs.models import PostQrToken, Role
from qr import services
from qr.models import CardSheet, CardSheetStatus
from tests import factories
from tests.qr.conftest import TYPICAL_BASE_URL, decode


def cards_url(enterprise) -> str:
    return f"/api/v1/enterprises/{enterprise.pk}/cards.pdf"


def publish(post, **content) -> CardVersion:
    card = factories.CardFactory(post=post, **content)
    latest = CardVersion.objects.filter(card=card).count()
    return CardVersion.objects.create(
        card=card, version=latest + 1, content=card.content(), published_at=timezone.now()
    )


@pytest.fixture
def posts(world):
    """world.post (orange, published card), a red post with a card, a blue post with none yet."""
    publish(world.post, emergency_contacts=[{"name": "值班室", "phone": "0711-3200000"}])
    red = factories.PostFactory(enterprise=world.enterprise, name="反应釜操作岗", risk_level="red")
    publish(red, hazards=[{"name": "中毒窒息", "risk_level": "red", "description": "硫化氢泄漏"}])
    blue = factories.PostFactory(enterprise=world.enterprise, name="门卫岗", risk_level="blue")
    return [world.post, red, blue]


def read(body: bytes) -> PdfReader:
    assert body.startswith(b"%PDF-")
    return PdfReader(BytesIO(body))


def page_qr(page) -> str:
    images = list(page.images)
    assert len(images) == 1
    return decode(Image.open(BytesIO(images[0].data))).text


@pytest.mark.usefixtures("cjk_font")
def test_every_post_gets_one_a5_card_with_its_band_steps_contacts_and_qr(api, world, posts):
    # A safety manager's POST issues the posts' missing codes, then answers like the GET (issue 11).
    response = api.as_(world.officer).post(cards_url(world.enterprise))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-cache"
    pdf = read(response.content)
    assert len(pdf.pages) == len(posts)
    tokens = dict(PostQrToken.objects.filter(revoked_at__isnull=True).values_list("post_id", "token"))
    for page, post in zip(pdf.pages, posts, strict=True):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width, 1), round(height, 1)) == (round(A5[0], 1), round(A5[1], 1))  # 148 x 210 mm
        text = page.extract_text()
        assert post.name in text and world.enterprise.name in text
        assert "岗位安全生产明白卡" in text
        for step in "关避喊报助":
            assert step in text
        assert page_qr(page) == f"{TYPICAL_BASE_URL}/s/{tokens[post.id]}"
    first, red, blue = (page.extract_text() for page in pdf.pages)
    assert "较大风险" in first and "0711-3200000" in first and "值班室" in first
    assert "重大风险" in red and "中毒窒息" in red and "硫化氢泄漏" in red
    assert "低风险" in blue and "尚未发布" in blue and "立即关闭设备" in blue  # the default five steps


@pytest.mark.usefixtures("cjk_font")
def test_the_chinese_font_is_embedded(api, world, posts):
    pdf = read(api.as_(world.officer).post(cards_url(world.enterprise)).content)
    fonts = pdf.pages[0]["/Resources"]["/Font"]
    embedded = []
    for ref in fonts.values():
        font = ref.get_object()
        descriptor = font.get("/FontDescriptor")
        embedded.append((descriptor is not None and "/FontFile2" in descriptor.get_object(), str(font["/BaseFont"])))
    assert embedded and all(has_file for has_file, _name in embedded), embedded
    assert any("WenQuanYiMicroHei" in name for _has, name in embedded)


@pytest.mark.usefixtures("cjk_font")
def test_managers_and_regulators_may_print_and_other_tenants_hear_it_does_not_exist(api, world, posts):
    services.qr_tokens_issue_all(enterprise=world.enterprise)
    assert api.as_(world.regulator).get(cards_url(world.enterprise)).status_code == 200
    assert api.as_(world.officer).get(cards_url(world.enterprise)).status_code == 200
    assert api.as_(world.worker).get(cards_url(world.enterprise)).status_code == 403  # issue 11
    assert api.as_(world.outsider).get(cards_url(world.enterprise)).status_code == 404
    assert api.as_(world.far_regulator).get(cards_url(world.enterprise)).status_code == 404
    assert api.as_(None).get(cards_url(world.enterprise)).status_code == 401


def test_an_enterprise_without_posts_has_nothing_to_print(api, world):
    empty = factories.EnterpriseFactory(region=world.enterprise.region)
    factories.MembershipFactory(person=world.officer, enterprise=empty, role=Role.SAFETY_OFFICER)
    for method in ("get", "post"):
        response = getattr(api.as_(world.officer), method)(cards_url(empty))
        assert response.status_code == 400 and response.json()["field"] == "enterprise"


def test_printing_issues_the_missing_tokens_in_a_constant_number_of_queries(
    api, world, posts, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8) as few:
        assert len(services.qr_tokens_issue_all(enterprise=world.enterprise)) == 3
    for extra in range(20):
        factories.PostFactory(enterprise=world.enterprise, name=f"岗位A{extra}")
    with django_assert_max_num_queries(8) as many:  # the 20 new posts' tokens
        tokens = services.qr_tokens_issue_all(enterprise=world.enterprise)
    assert len(few) == len(many)
    assert len(tokens) == 23 and len(set(tokens.values())) == 23
    assert services.qr_tokens_issue_all(enterprise=world.enterprise) == tokens  # again: the same tokens


@pytest.mark.usefixtures("cjk_font")
def test_a_large_enterprise_is_rendered_by_a_worker_behind_a_status_url(
    api, world, posts, settings, django_capture_on_commit_callbacks
):
    settings.CARDS_PDF_SYNC_MAX_POSTS = 2
    client = api.as_(world.officer)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(cards_url(world.enterprise))  # a GET only reads (issue 11)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "pending" and body["post_count"] == 3
    assert response["Location"] == body["url"] == f"/api/v1/card-sheets/{body['id']}/"
    assert len(queued) == 1
    pending = client.get(body["url"])
    assert pending.status_code == 202 and pending.json()["status"] == "pending"

    for callback in queued:  # the worker runs the task (eagerly in tests)
        callback()
    sheet = CardSheet.objects.get(pk=body["id"])
    assert sheet.status == CardSheetStatus.DONE and sheet.file.name.endswith(".pdf")
    ready = client.get(body["url"])
    assert ready.status_code == 200 and ready["Content-Type"] == "application/pdf"
    assert len(read(ready.content).pages) == 3

    # The task is idempotent, and asking again for the same cards serves the stored file.
    assert services.card_sheet_render(sheet_id=sheet.pk) == "done already"
    again = client.get(cards_url(world.enterprise))
    assert again.status_code == 200 and again.content == ready.content
    assert client.post(cards_url(world.enterprise)).content == ready.content
    assert CardSheet.objects.count() == 1

    # Another tenant cannot read the sheet.
    assert api.as_(world.outsider).get(body["url"]).status_code == 404


@pytest.mark.usefixtures("cjk_font")
def test_a_changed_card_makes_a_new_sheet_and_a_failed_one_is_queued_again(
    api, world, posts, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CARDS_PDF_SYNC_MAX_POSTS = 2
    client = api.as_(world.officer)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(cards_url(world.enterprise)).json()
    publish(posts[2])  # the blue post gets its first card
    monkeypatch.setattr(services, "cards_pdf", lambda pages, title: 1 / 0)
    assert client.get(cards_url(world.enterprise)).json()["code"] == "cards_not_rendered"  # a GET starts nothing
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(cards_url(world.enterprise)).status_code == 202
    failed = CardSheet.objects.exclude(pk=first["id"]).get()
    assert failed.status == CardSheetStatus.FAILED and "ZeroDivisionError" in failed.error
    assert client.get(f"/api/v1/card-sheets/{failed.pk}/").json()["status"] == "failed"

    assert client.get(cards_url(world.enterprise)).json()["status"] == "failed"
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(cards_url(world.enterprise))
    assert response.status_code == 202 and response.json()["id"] == failed.pk
    failed.refresh_from_db()
    assert failed.status == CardSheetStatus.DONE
    assert len(read(client.get(f"/api/v1/card-sheets/{failed.pk}/").content).pages) == 3
