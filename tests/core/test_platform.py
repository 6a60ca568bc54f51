import re

import pytest
from django.core.management import call_command


def test_the_openapi_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text()
    assert "/api/v1/inspections/" in text and "ErrorSerializer" not in text  # component is named Error


def test_the_schema_and_swagger_ui_are_served_without_internet(client, db):
    assert client.get("/api/schema/").status_code == 200
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html
    # Every script and stylesheet comes from this server (drf-spectacular-sidecar), none from a CDN.
    # (Searching the page for "cdn" failed at random: the CSRF token can contain those letters.)
    assets = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', html)
    assert assets and not [url for url in assets if url.startswith(("http:", "https:", "//"))]


def test_an_unknown_api_url_answers_404_in_the_error_shape(client, db):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_unauthenticated_requests_get_401_in_the_error_shape(client, db):
    response = client.get("/api/v1/inspections/")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "not_authenticated" and body["message"] and body["errors"]


def test_healthz_reports_database_and_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_is_503_when_the_broker_is_unreachable(client, db, monkeypatch):
    from backend.celery import app

    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "down" and response.json()["database"] == "ok"


@pytest.mark.parametrize(
    "language, expected",
    [("zh-hans", "身份认证信息未提供。"), ("en", "Authentication credentials were not provided.")],
)
def test_messages_are_chinese_by_default_and_english_on_request(client, db, language, expected):
    response = client.get("/api/v1/inspections/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.json()["message"] == expected
