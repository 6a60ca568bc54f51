from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from hazards.catalogue import COLUMNS
from hazards.models import JudgmentStandard, Notification, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests import factories
from tests.hazards.conftest import report


@pytest.fixture
def admin_client(client, db):
    client.force_login(factories.PersonFactory(username="root", is_superuser=True, is_staff=True))
    return client


@pytest.fixture
def endpoint(world) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        enterprise=world.enterprise, name="安全群", kind="wecom", url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
    )


@pytest.fixture
def delivery(endpoint) -> WebhookDelivery:
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, key="hazard:1:reported", payload={"msgtype": "text"}, next_attempt_at=now, created_at=now
    )
    WebhookAttempt.objects.create(
        delivery=delivery, at=now, ok=False, status_code=502, error="网关错误", duration_ms=80
    )
    return delivery


@pytest.mark.parametrize(
    "model",
    [
        "hazard",
        "notification",
        "webhookendpoint",
        "webhookdelivery",
        "judgmentstandard",
        "judgmentclause",
        "rectificationplan",
        "supervision",
        "publicreport",
    ],
)
def test_every_hazards_changelist_opens(admin_client, world, staff, delivery, model):
    report(world, grade="major")
    assert admin_client.get(f"/admin/hazards/{model}/").status_code == 200


def test_a_hazard_is_shown_with_its_events_and_cannot_be_changed_in_the_admin(admin_client, world, staff):
    hazard = report(world, description="配电房门未关")
    page = admin_client.get(f"/admin/hazards/hazard/{hazard.id}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "配电房门未关" in html and 'name="description"' not in html and 'name="events-0-note"' not in html
    assert admin_client.get("/admin/hazards/hazard/add/").status_code == 403
    assert admin_client.post(f"/admin/hazards/hazard/{hazard.id}/delete/", {"post": "yes"}).status_code == 403


def test_the_hazard_list_filters_by_status_grade_and_enterprise(admin_client, world, staff):
    major = report(world, grade="major", description="重大隐患甲")
    report(world, description="一般隐患乙")
    page = admin_client.get(
        "/admin/hazards/hazard/", {"grade": "major", "status": "open", "enterprise__id__exact": major.enterprise_id}
    )
    html = page.content.decode()
    assert page.status_code == 200 and "重大隐患甲" in html and "一般隐患乙" not in html


def test_notifications_are_read_only_in_the_admin(admin_client, world, staff):
    report(world)
    message = Notification.objects.first()
    assert admin_client.get(f"/admin/hazards/notification/{message.id}/change/").status_code == 200
    assert admin_client.get("/admin/hazards/notification/add/").status_code == 403


def test_a_webhook_endpoint_is_added_and_edited_in_the_admin(admin_client, world):
    response = admin_client.post(
        "/admin/hazards/webhookendpoint/add/",
        {
            "enterprise": world.enterprise.id,
            "name": "钉钉安全群",
            "kind": "dingtalk",
            "url": "https://oapi.dingtalk.com/robot/send?access_token=abc",
            "secret": "SEC123",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    endpoint = WebhookEndpoint.objects.get(name="钉钉安全群")
    assert endpoint.kind == "dingtalk" and endpoint.secret == "SEC123"
    assert admin_client.get(f"/admin/hazards/webhookendpoint/{endpoint.id}/change/").status_code == 200


def test_a_delivery_is_shown_with_its_attempts_and_is_read_only(admin_client, delivery):
    page = admin_client.get(f"/admin/hazards/webhookdelivery/{delivery.id}/change/")
    assert page.status_code == 200 and "网关错误" in page.content.decode()
    assert admin_client.get("/admin/hazards/webhookdelivery/add/").status_code == 403
    assert (
        admin_client.post(f"/admin/hazards/webhookdelivery/{delivery.id}/delete/", {"post": "yes"}).status_code == 403
    )


def test_a_worker_cannot_open_the_hazards_admin(client, world):
    client.force_login(world.worker)
    assert client.get("/admin/hazards/hazard/").status_code == 302


def standards_workbook(clause_text: str = "未设置紧急切断装置的") -> bytes:
    book = Workbook()
    book.remove(book.active)
    standards = book.create_sheet("标准")
    standards.append(COLUMNS["标准"])
    standards.append(["TEST-1", 1, "测试标准", "测试文号", "测试", "C26", "2024-01-01", None, "测试来源"])
    clauses = book.create_sheet("条款")
    clauses.append(COLUMNS["条款"])
    clauses.append(["TEST-1", 1, 1, "第一条", clause_text, None])
    clauses.append(["TEST-1", 1, 2, "第二条", "", None])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_admin_imports_a_standard_from_a_workbook_all_or_nothing(admin_client, world):
    url = "/admin/hazards/judgmentstandard/import/"
    assert "从工作簿导入" in admin_client.get("/admin/hazards/judgmentstandard/").content.decode()
    upload = SimpleUploadedFile("s.xlsx", standards_workbook(), "application/octet-stream")
    refused = admin_client.post(url, {"file": upload})
    assert refused.status_code == 200 and "条款!E3" in refused.content.decode()
    assert not JudgmentStandard.objects.filter(code="TEST-1").exists()
    book = standards_workbook()
    fixed = load_workbook(BytesIO(book))
    fixed["条款"]["E3"] = "未设置泄漏报警的"
    out = BytesIO()
    fixed.save(out)
    done = admin_client.post(url, {"file": SimpleUploadedFile("s.xlsx", out.getvalue())})
    assert done.status_code == 302
    standard = JudgmentStandard.objects.get(code="TEST-1")
    assert [c.number for c in standard.clauses.order_by("ordinal")] == ["第一条", "第二条"]
