"""Production settings: `check --deploy` is clean, a default secret key is refused, security headers
are sent, and login lockouts count in Redis (shared by every web process)."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.core.cache import caches

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "mingbai.example.cn",
    "DATABASE_URL": "postgres://mingbai@127.0.0.1:5432/mingbai",  # not connected to by `check`
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CACHE_", "CELERY_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean | env, capture_output=True, text=True, timeout=60
    )


def test_check_deploy_is_clean_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_when_login_lockouts_would_count_per_process():
    # Issue 11: a refusal at start-up (gunicorn runs no system checks), no longer a deploy warning.
    env = {k: v for k, v in PRODUCTION.items() if k != "CACHE_URL"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "CACHE_URL must be set when DJANGO_DEBUG is off" in result.stderr


@pytest.mark.parametrize("key", [None, "dev-only-insecure-key-do-not-use-in-production"])
def test_the_default_secret_key_is_refused_when_debug_is_off(key):
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}
    if key:
        env["DJANGO_SECRET_KEY"] = key
    result = manage("check", **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off" in result.stderr


def test_security_headers_are_sent(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/api/v1/me/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_plain_http_is_redirected_to_https_except_the_health_probe(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/api/v1/me/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    assert client.get("/healthz").status_code in (200, 503)


@pytest.fixture
def redis_cache(settings):
    url = "redis://127.0.0.1:6379/13"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        up = True
    except redis.exceptions.RedisError:
        up = False
    require_service(up, "needs Redis at 127.0.0.1:6379")
    prefix = f"throttle-test-{secrets.token_hex(4)}"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": prefix}
    }
    yield caches["default"]
    caches["default"].clear()


@pytest.mark.redis
def test_login_lockouts_count_in_redis(api, world, redis_cache):
    from axes.handlers.proxy import AxesProxyHandler

    # The lockout handler binds the cache when it starts; point it at Redis as a fresh process would.
    AxesProxyHandler.get_implementation(force=True)
    try:
        statuses = [
            api.post("/api/v1/auth/token/", {"username": world.worker.username, "password": "wrong"}).status_code
            for _ in range(11)
        ]
        client = redis.Redis.from_url("redis://127.0.0.1:6379/13")
        counted = list(client.scan_iter(match=f"*{redis_cache.key_prefix}*axes-*"))
    finally:
        AxesProxyHandler.implementation = None  # the next test binds its own cache again
    assert statuses == [401] * 9 + [429] * 2
    assert len(counted) == 2  # one count for the address, one for the username
