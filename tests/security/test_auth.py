"""Issue 11, items 3, 6 and 13: login lockouts that a forged X-Forwarded-For cannot escape, tokens that
end with a password change or a deactivation, a demo secret key of its own, clean auth error bodies."""

import os
import secrets
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from tests import factories
from tests.orgs.conftest import assert_error

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/refresh/"
ME = "/api/v1/me/"
PAGE_LOGIN = "/m/login/"
ADMIN_LOGIN = "/admin/login/"
LIMIT = 10  # LOGIN_FAILURE_LIMIT's default


def login(client, username, password=factories.PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, format="json", **extra)


def forged(n: int) -> dict:
    """A different X-Forwarded-For on every request, from the same socket address."""
    return {"HTTP_X_FORWARDED_FOR": f"203.0.113.{n % 250}, 198.51.100.{n // 250}"}


def assert_locked(response):
    body = assert_error(response, 429)
    assert body["code"] == "throttled"
    assert "登录尝试过于频繁" in body["message"]
    assert "ErrorDetail" not in response.content.decode()
    assert int(response["Retry-After"]) > 0
    return body


# ---------------------------------------------------------------------------------------------
# Item 3: lockouts per address and per username


def test_a_forged_x_forwarded_for_on_every_request_does_not_escape_the_api_lockout(world):
    client = APIClient()
    for n in range(LIMIT - 1):
        assert login(client, world.worker.username, "guessing", **forged(n)).status_code == 401
    assert_locked(login(client, world.worker.username, "guessing", **forged(LIMIT)))
    # Even the right password, from the same socket with yet another forged header, now waits.
    assert_locked(login(client, world.worker.username, **forged(LIMIT + 1)))


def test_many_usernames_from_one_address_lock_the_address_for_longer_than_a_minute(world):
    client = APIClient()
    for n in range(LIMIT):
        login(client, f"guess-{n}", "guessing", **forged(n))
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert_locked(login(client, world.officer.username, **forged(99)))
    # Another address is not locked out by it.
    assert login(APIClient(), world.officer.username, REMOTE_ADDR="192.0.2.77").status_code == 200


def test_one_username_from_many_addresses_locks_the_username(world):
    client = APIClient()
    for n in range(LIMIT):
        login(client, world.worker.username, "guessing", REMOTE_ADDR=f"192.0.2.{n + 1}")
    assert_locked(login(client, world.worker.username, REMOTE_ADDR="198.51.100.200"))
    # Other people log in as usual from the same addresses.
    assert login(client, world.officer.username, REMOTE_ADDR="192.0.2.1").status_code == 200


def test_a_username_that_is_an_address_does_not_lock_that_address(world):
    victim = "192.0.2.50"
    for n in range(LIMIT + 2):
        login(APIClient(), victim, "guessing", REMOTE_ADDR=f"198.51.100.{n + 1}")
    assert login(APIClient(), world.worker.username, REMOTE_ADDR=victim).status_code == 200


def test_the_lockout_ends_after_the_cool_off(world):
    client = APIClient()
    for _ in range(LIMIT):
        login(client, world.worker.username, "guessing")
    assert_locked(login(client, world.worker.username))
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert login(client, world.worker.username).status_code == 200


def test_behind_a_trusted_proxy_the_address_is_what_the_proxy_saw(world, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = APIClient()
    # The proxy appends the address it saw; whatever the client put before it is ignored.
    for n in range(LIMIT):
        login(client, f"guess-{n}", "guessing", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 203.0.113.9")
    assert_locked(login(client, world.worker.username, HTTP_X_FORWARDED_FOR="10.1.1.1, 203.0.113.9"))
    # Another client behind the same proxy (same socket address) is not locked out.
    assert login(client, world.worker.username, HTTP_X_FORWARDED_FOR="203.0.113.10").status_code == 200


def test_the_phone_page_login_is_locked_whatever_x_forwarded_for_says(client, world):
    for n in range(LIMIT):
        client.post(PAGE_LOGIN, {"username": world.officer.username, "password": "nope"}, **forged(n))
    response = client.post(
        PAGE_LOGIN, {"username": world.officer.username, "password": factories.PASSWORD}, **forged(99)
    )
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "登录尝试过于频繁" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_admin_login_is_locked_too(client, db):
    root = factories.PersonFactory(username="root", is_superuser=True, is_staff=True)
    for n in range(LIMIT):
        client.post(ADMIN_LOGIN, {"username": root.username, "password": "nope"}, **forged(n))
    response = client.post(ADMIN_LOGIN, {"username": root.username, "password": factories.PASSWORD})
    assert response.status_code == 429
    assert "登录尝试过于频繁" in response.content.decode()
    assert client.get("/admin/").status_code == 302  # not logged in


def test_failures_on_the_page_count_for_the_api_and_the_admin(client, world):
    for n in range(LIMIT):
        client.post(PAGE_LOGIN, {"username": world.officer.username, "password": "nope"}, REMOTE_ADDR=f"192.0.2.{n}")
    assert_locked(login(APIClient(), world.officer.username, REMOTE_ADDR="198.51.100.1"))


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "mingbai.example.cn",
    "DATABASE_URL": "postgres://mingbai@127.0.0.1:5432/mingbai",  # not connected to by `check`
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def manage(*args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CACHE_", "CELERY_", "MINGBAI_", "TRUSTED_"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean | env, capture_output=True, text=True, timeout=60
    )


def test_production_refuses_to_start_with_a_per_process_cache():
    result = manage("check", **PRODUCTION)  # no CACHE_URL: the local-memory cache of each process
    assert result.returncode != 0
    assert "CACHE_URL must be set when DJANGO_DEBUG is off" in result.stderr


def test_production_refuses_a_negative_proxy_count():
    result = manage("check", **PRODUCTION, CACHE_URL="redis://127.0.0.1:6379/1", TRUSTED_PROXY_COUNT="-1")
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT" in result.stderr


# ---------------------------------------------------------------------------------------------
# Item 6: tokens end with a password change or a deactivation; refresh tokens are used once


def tokens(person) -> dict:
    response = login(APIClient(), person.username)
    assert response.status_code == 200, response.content
    return response.json()


def me(access: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get(ME)


def refresh(token: str):
    return APIClient().post(REFRESH, {"refresh": token}, format="json")


def change_password(person, new="a-new-password-456"):
    person.set_password(new)
    person.save()


def test_the_old_access_token_is_refused_after_a_password_change(world):
    old = tokens(world.worker)
    assert me(old["access"]).status_code == 200
    change_password(world.worker)
    body = assert_error(me(old["access"]), 401)
    assert body["code"] == "token_not_valid"
    assert "ErrorDetail" not in body["message"]


def test_the_old_refresh_token_is_refused_after_a_password_change(world):
    old = tokens(world.worker)
    change_password(world.worker)
    body = assert_error(refresh(old["refresh"]), 401)
    assert body["code"] == "token_not_valid"


def test_a_password_changed_in_the_admin_ends_the_tokens(client, world):
    old = tokens(world.worker)
    client.force_login(factories.PersonFactory(username="root", is_superuser=True, is_staff=True))
    response = client.post(
        f"/admin/orgs/person/{world.worker.pk}/password/",
        {"password1": "a-new-password-456", "password2": "a-new-password-456", "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert me(old["access"]).status_code == 401
    assert refresh(old["refresh"]).status_code == 401


def test_a_refresh_token_works_once_and_is_replaced(world):
    first = tokens(world.worker)["refresh"]
    response = refresh(first)
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"access", "refresh"}
    second = response.json()["refresh"]
    assert second != first
    body = assert_error(refresh(first), 401)  # used once already
    assert body["code"] == "token_not_valid"
    assert refresh(second).status_code == 200
    assert me(response.json()["access"]).status_code == 200


def test_a_deactivated_persons_tokens_are_refused(world):
    old = tokens(world.worker)
    deactivate(world.worker)
    assert_error(me(old["access"]), 401)
    assert_error(refresh(old["refresh"]), 401)
    world.worker.is_active = True
    world.worker.save()
    # Reactivating does not bring the old refresh token back: it was revoked with the deactivation.
    assert_error(refresh(old["refresh"]), 401)


def deactivate(person):
    person.is_active = False
    person.save()


@pytest.mark.parametrize("change", [change_password, deactivate])
def test_the_session_ends_with_a_password_change_or_a_deactivation(client, world, change):
    response = client.post(PAGE_LOGIN, {"username": world.officer.username, "password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.get("/m/hazards/").status_code == 200
    change(world.officer)
    assert client.get("/m/hazards/").status_code == 302


def test_a_token_for_someone_removed_is_a_clean_401(world):
    old = tokens(world.outsider)
    world.outsider.delete()
    assert_error(me(old["access"]), 401)
    assert_error(refresh(old["refresh"]), 401)


# ---------------------------------------------------------------------------------------------
# Item 13: auth error bodies, the phone login's default page, the demo's secret key


@pytest.mark.parametrize("header", ["Bearer abc.def.ghi", "Bearer " + "x" * 40])
def test_a_bad_token_is_a_clean_error_body(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(ME)
    body = assert_error(response, 401)
    assert body["code"] == "token_not_valid"
    assert "ErrorDetail" not in response.content.decode() and "{" not in body["message"]
    assert body["errors"] == [{"field": None, "code": "token_not_valid", "message": body["message"]}]


def test_a_bad_refresh_token_is_a_clean_error_body_in_chinese(db):
    response = refresh("not-a-token")
    body = assert_error(response, 401)
    assert body["code"] == "token_not_valid"
    assert "ErrorDetail" not in response.content.decode()
    assert body["message"] == "令牌无效或已过期。"


def test_the_page_login_without_next_goes_to_the_way_in(client, world):
    # Issue 14: / sends each person where their work is (it was the hazard board for everybody).
    response = client.post(PAGE_LOGIN, {"username": world.officer.username, "password": factories.PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"


def read_secret(var_dir: Path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    return manage("shell", "--no-imports", "-c", code, MINGBAI_VAR_DIR=str(var_dir), DJANGO_DEBUG="1")


def test_the_demo_makes_its_own_secret_key_and_keeps_it(tmp_path):
    first = read_secret(tmp_path)
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert key != "dev-only-insecure-key-do-not-use-in-production" and len(key) >= 50
    stored = tmp_path / "secret_key"
    assert stored.read_text().strip() == key
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert read_secret(tmp_path).stdout.strip() == key  # the next start signs with the same key
    other = tmp_path / "other"
    assert read_secret(other).stdout.strip() != key  # another installation, another key


@pytest.mark.parametrize("key", [None, "", "dev-only-insecure-key-do-not-use-in-production"])
def test_without_debug_a_secret_key_must_be_given(key, tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}
    env |= {"CACHE_URL": "redis://127.0.0.1:6379/1", "MINGBAI_VAR_DIR": str(tmp_path)}
    if key is not None:
        env["DJANGO_SECRET_KEY"] = key
    result = manage("check", **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_the_lockout_and_token_errors_speak_english_when_asked(world):
    client = APIClient()
    for _ in range(LIMIT):
        login(client, world.worker.username, "guessing", HTTP_ACCEPT_LANGUAGE="en")
    body = assert_error(login(client, world.worker.username, HTTP_ACCEPT_LANGUAGE="en"), 429)
    assert body["message"] == "Too many failed logins: try again in 15 minutes."
    response = APIClient().post(REFRESH, {"refresh": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert assert_error(response, 401)["message"] == "The token is invalid or has expired."


def test_expired_refresh_tokens_are_flushed_nightly(world, settings):
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from core.tasks import flush_expired_tokens

    assert settings.CELERY_BEAT_SCHEDULE["flush-expired-tokens"]["task"] == "core.tasks.flush_expired_tokens"
    old = tokens(world.worker)
    refresh(old["refresh"])  # the used one is blacklisted, the next one outstanding
    assert OutstandingToken.objects.count() == 2
    assert flush_expired_tokens.delay().get() == 0
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        assert flush_expired_tokens.delay().get() == 3  # two outstanding tokens and one blacklist entry
    assert not OutstandingToken.objects.exists()


def test_an_operator_lifts_a_lockout_with_the_axes_commands(world):
    from django.core.management import call_command

    client = APIClient()
    for n in range(LIMIT):
        login(client, world.worker.username, "guessing", REMOTE_ADDR=f"192.0.2.{n + 1}")
    assert_locked(login(client, world.worker.username))
    call_command("axes_reset_username", f"username:{world.worker.username.lower()}")
    assert login(client, world.worker.username).status_code == 200
