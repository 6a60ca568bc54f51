"""One login serves the phone page and the supervisor pages (issue 14): the session of the pages gets the
phone page's tokens (CSRF-checked), and the phone page's token opens a session."""

import pytest
from django.test import Client

from qr.services import qr_token_issue
from tests import factories

pytestmark = pytest.mark.django_db
SESSION_TOKEN = "/api/v1/auth/session-token/"
SESSION = "/api/v1/auth/session/"
JSON = "application/json"


def logged_in_browser(person) -> tuple[Client, str]:
    browser = Client(enforce_csrf_checks=True)
    browser.get("/m/login/")
    csrf = browser.cookies["csrftoken"].value
    response = browser.post(
        "/m/login/", {"username": person.username, "password": factories.PASSWORD, "csrfmiddlewaretoken": csrf}
    )
    assert response.status_code == 302
    return browser, browser.cookies["csrftoken"].value


def test_the_pages_session_hands_the_phone_page_its_tokens(world):
    browser, csrf = logged_in_browser(world.worker)
    assert (
        browser.post(SESSION_TOKEN, content_type=JSON).status_code == 403
    )  # no CSRF header: another site could post this
    response = browser.post(SESSION_TOKEN, content_type=JSON, HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 200
    me = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert me.status_code == 200 and me.json()["id"] == world.worker.id
    refreshed = Client().post("/api/v1/auth/refresh/", {"refresh": response.json()["refresh"]}, "application/json")
    assert refreshed.status_code == 200


def test_without_a_session_there_is_no_token(client):
    assert Client(enforce_csrf_checks=True).post(SESSION_TOKEN, content_type=JSON).status_code == 403


def test_the_phone_pages_token_opens_a_session_for_the_pages(world):
    tokens = (
        Client()
        .post(
            "/api/v1/auth/token/",
            {"username": world.officer.username, "password": factories.PASSWORD},
            "application/json",
        )
        .json()
    )
    phone = Client(enforce_csrf_checks=True)
    assert phone.post(SESSION, content_type=JSON).status_code == 401
    assert phone.post(SESSION, content_type=JSON, HTTP_AUTHORIZATION="Bearer nonsense").status_code == 401
    assert phone.post(SESSION, content_type=JSON, HTTP_AUTHORIZATION=f"Bearer {tokens['access']}").status_code == 204
    html = phone.get("/").content.decode()
    assert f"/m/daily/?enterprise={world.enterprise.id}" in html


def test_logging_out_of_the_pages_ends_the_session_and_tells_the_phone_page(world):
    browser, csrf = logged_in_browser(world.worker)
    response = browser.post("/m/logout/", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 302 and response["Location"] == "/m/login/"
    signed_out = response.cookies["mingbai_signed_out"]
    assert signed_out.value == "1" and not signed_out["httponly"]  # the phone page's script reads it
    assert browser.post(SESSION_TOKEN, content_type=JSON, HTTP_X_CSRFTOKEN=csrf).status_code == 403
    assert browser.get("/m/hazards/").status_code == 302


def test_the_phone_page_knows_the_cookies_and_the_logout_of_the_pages(world):
    token = qr_token_issue(post=world.post).token
    html = Client().get(f"/s/{token}").content.decode()
    assert '"csrfCookie": "csrftoken"' in html and '"logout": "/m/logout/"' in html
    assert '"signedOut": "mingbai_signed_out"' in html
