"""Group robots reach only the official robot hosts (issue 11, item 9).

The attack: a robot URL of http://127.0.0.1:... (or an allowed-looking host that redirects there) made
the worker call an internal address, follow redirects, and keep the first 500 characters of the answer
where staff read them. Now: robot URLs are checked against WEBHOOK_ALLOWED_ORIGINS (https to the
企业微信 and 钉钉 hosts) when saved and again before each delivery, redirects are not followed, and an
attempt stores the HTTP status and the platform's errcode only.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError

from hazards import webhooks
from hazards.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests import factories
from tests.hazards.conftest import report

SECRET = "INTERNAL-ADMIN-PAGE root:s3cret"
WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=abc123"

BAD_URLS = [
    "http://127.0.0.1:8000/x",
    "http://localhost/x",
    "https://127.0.0.1/x",
    "https://evil.example/",
    "https://qyapi.weixin.qq.com.evil.com/cgi-bin/webhook/send?key=x",
    "https://qyapi.weixin.qq.com@evil.com/cgi-bin/webhook/send?key=x",
    "https://evil.com\\@qyapi.weixin.qq.com/x",
    "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x",
    "http://oapi.dingtalk.com/robot/send?access_token=x",
    "https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send?key=x",
    "https://oapi.dingtalk.com./robot/send?access_token=x",
    "ftp://oapi.dingtalk.com/robot/send",
]


class Server:
    """A local HTTP server that records every request (method and path) and answers from `routes`:
    {path: (status, headers, body)}; other paths answer 200 with errcode 0."""

    def __init__(self, routes: dict[str, tuple[int, dict, str]]):
        self.requests: list[tuple[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length", 0) or 0)
                if length:
                    self.rfile.read(length)
                path = self.path.split("?")[0]
                server.requests.append((self.command, path))
                status, headers, body = routes.get(path, (200, {}, json.dumps({"errcode": 0, "errmsg": "ok"})))
                data = body.encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value.replace("{base}", server.base))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def admin_client(client, db):
    client.force_login(factories.PersonFactory(username="root", is_superuser=True, is_staff=True))
    return client


def delivery_to(world, url: str, monkeypatch) -> WebhookDelivery:
    """A stored robot (saved without validation, like a row from before the rule) and one pending
    delivery of a reported hazard to it."""
    WebhookEndpoint.objects.create(enterprise=world.enterprise, name="安全群", kind="wecom", url=url)
    monkeypatch.setattr(webhooks, "_enqueue", lambda ids: None)
    report(world)
    return WebhookDelivery.objects.get()


# ---------------------------------------------------------------------------------------------
# Saving


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_robot_url_off_the_allow_list_is_refused_by_the_model(world, url):
    endpoint = WebhookEndpoint(enterprise=world.enterprise, name="安全群", kind="wecom", url=url)
    with pytest.raises(ValidationError) as refused:
        endpoint.full_clean()
    assert "url" in refused.value.message_dict


@pytest.mark.parametrize("url", [WECOM, DINGTALK, "https://QYAPI.weixin.qq.com:443/cgi-bin/webhook/send?key=x"])
def test_the_official_robot_urls_are_accepted(world, url):
    WebhookEndpoint(enterprise=world.enterprise, name="安全群", kind="wecom", url=url).full_clean()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/x",
        "https://evil.example/",
        "https://qyapi.weixin.qq.com.evil.com/",
        "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x",
    ],
)
def test_the_admin_refuses_a_robot_url_off_the_allow_list_naming_the_url_field(admin_client, world, url):
    body = {"enterprise": world.enterprise.id, "name": "安全群", "kind": "wecom", "url": url, "active": "on"}
    response = admin_client.post("/admin/hazards/webhookendpoint/add/", body)
    assert response.status_code == 200  # the form again, with its errors
    assert "url" in response.context["adminform"].form.errors
    assert not WebhookEndpoint.objects.exists()


def test_the_admin_refuses_to_point_an_existing_robot_at_an_internal_address(admin_client, world):
    endpoint = WebhookEndpoint.objects.create(enterprise=world.enterprise, name="安全群", kind="wecom", url=WECOM)
    body = {
        "enterprise": world.enterprise.id,
        "name": "安全群",
        "kind": "wecom",
        "url": "http://10.0.0.5/",
        "active": "on",
    }
    response = admin_client.post(f"/admin/hazards/webhookendpoint/{endpoint.id}/change/", body)
    assert response.status_code == 200 and "url" in response.context["adminform"].form.errors
    endpoint.refresh_from_db()
    assert endpoint.url == WECOM


def test_the_allow_list_is_a_setting(world, settings):
    settings.WEBHOOK_ALLOWED_ORIGINS = ["https://robots.example.cn"]
    WebhookEndpoint(
        enterprise=world.enterprise, name="群", kind="wecom", url="https://robots.example.cn/x"
    ).full_clean()
    with pytest.raises(ValidationError):
        WebhookEndpoint(enterprise=world.enterprise, name="群", kind="wecom", url=WECOM).full_clean()


# ---------------------------------------------------------------------------------------------
# Delivering


def test_a_stored_robot_with_an_internal_address_is_never_called(world, monkeypatch):
    with Server({}) as internal:
        delivery = delivery_to(world, f"{internal.base}/admin", monkeypatch)
        outcome = webhooks.webhook_deliver(delivery_id=delivery.id)
    assert internal.requests == []
    delivery.refresh_from_db()
    assert outcome == "refused" and delivery.status == DeliveryStatus.FAILED
    (attempt,) = WebhookAttempt.objects.all()
    assert attempt.ok is False and attempt.status_code is None and "not allowed" in attempt.error


def test_a_redirect_from_an_allowed_robot_is_not_followed(world, monkeypatch, settings):
    with Server({"/robot": (302, {"Location": "{base}/internal"}, "")}) as robot:
        settings.WEBHOOK_ALLOWED_ORIGINS = [robot.base]
        delivery = delivery_to(world, f"{robot.base}/robot", monkeypatch)
        webhooks.webhook_deliver(delivery_id=delivery.id)
    assert robot.requests == [("POST", "/robot")]  # and never the GET of the redirect
    (attempt,) = WebhookAttempt.objects.all()
    assert (attempt.ok, attempt.status_code) == (False, 302)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING  # retried later, like any failure


def test_an_error_page_is_stored_as_its_status_only(world, monkeypatch, settings):
    with Server({"/robot": (500, {}, f"<html>{SECRET}</html>")}) as robot:
        settings.WEBHOOK_ALLOWED_ORIGINS = [robot.base]
        delivery = delivery_to(world, f"{robot.base}/robot", monkeypatch)
        webhooks.webhook_deliver(delivery_id=delivery.id)
    (attempt,) = WebhookAttempt.objects.all()
    assert (attempt.status_code, attempt.error) == (500, "HTTP 500")


def test_a_refusal_by_the_platform_is_stored_as_status_and_errcode_only(world, monkeypatch, settings):
    answer = json.dumps({"errcode": 93000, "errmsg": "invalid webhook url", "detail": SECRET, "x": SECRET * 50})
    with Server({"/robot": (200, {}, answer)}) as robot:
        settings.WEBHOOK_ALLOWED_ORIGINS = [robot.base]
        delivery = delivery_to(world, f"{robot.base}/robot", monkeypatch)
        webhooks.webhook_deliver(delivery_id=delivery.id)
    (attempt,) = WebhookAttempt.objects.all()
    assert attempt.status_code == 200 and attempt.ok is False
    assert attempt.error.startswith("errcode 93000")
    assert SECRET not in attempt.error and len(attempt.error) <= 200


def test_an_answer_that_is_not_the_platforms_json_is_not_stored(world, monkeypatch, settings):
    with Server({"/robot": (200, {}, SECRET)}) as robot:
        settings.WEBHOOK_ALLOWED_ORIGINS = [robot.base]
        delivery = delivery_to(world, f"{robot.base}/robot", monkeypatch)
        webhooks.webhook_deliver(delivery_id=delivery.id)
    (attempt,) = WebhookAttempt.objects.all()
    assert attempt.ok is False and SECRET not in attempt.error


def test_the_migration_drops_the_answers_that_attempts_kept(world, monkeypatch):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("hazards.migrations.0002_robot_urls_allow_list")
    delivery = delivery_to(world, WECOM, monkeypatch)
    kept = [
        f"HTTP 500 (<html>{SECRET}</html>)",
        f"errcode 93000: invalid webhook url ({{'detail': '{SECRET}'}})",
        f"response is not JSON ({SECRET})",
        "URLError: [Errno 111] Connection refused",
        "",
    ]
    for error in kept:
        WebhookAttempt.objects.create(
            delivery=delivery, at=delivery.created_at, ok=not error, error=error, duration_ms=1
        )
    migration.drop_stored_answers(apps, None)
    assert list(WebhookAttempt.objects.order_by("id").values_list("error", flat=True)) == [
        "HTTP 500",
        "errcode 93000: invalid webhook url",
        "response is not JSON",
        "URLError: [Errno 111] Connection refused",
        "",
    ]
