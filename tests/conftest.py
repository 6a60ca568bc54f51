import os
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import translation
from rest_framework.test import APIClient

from orgs.models import Enterprise, Person, Post, Role
from tests import factories

# On CI (.ci/run sets it) a test that would skip for want of PostgreSQL, Redis or Chromium fails.
REQUIRE_SERVICES = os.environ.get("MINGBAI_REQUIRE_SERVICES") == "1"


def cjk_fonts_missing() -> list[str]:
    """The font files the PDFs draw Chinese with (Debian fonts-wqy-microhei) that this machine lacks."""
    from django.conf import settings

    return [settings.CARDS_PDF_FONT] if not os.path.exists(settings.CARDS_PDF_FONT) else []


@pytest.fixture
def cjk_font():
    """One rule for every test that draws Chinese (the PDFs, the phone page's glyphs): without the CJK
    font it is skipped with the reason on a laptop and fails under MINGBAI_REQUIRE_SERVICES=1 (CI), as
    for the other services."""
    missing = cjk_fonts_missing()
    require_service(
        not missing, f"needs the CJK font: apt-get install fonts-wqy-microhei ({', '.join(missing)} missing)"
    )


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    skip = pytest.mark.skip(reason="needs PostgreSQL: runs in the PostgreSQL leg of `make test`")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip)


def require_service(available: bool, reason: str):
    """Skip (on a laptop) or fail (on CI) when a service the test needs is missing."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (MINGBAI_REQUIRE_SERVICES=1 turns this skip into a failure)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    cache.clear()
    # A request with Accept-Language: en leaves English active in this thread (LocaleMiddleware does
    # not reset it): each test starts in the default language.
    translation.deactivate()
    yield
    translation.deactivate()
    cache.clear()


@dataclass
class World:
    """Three fixed people (a member, a colleague with another role, an outsider) and a regulator."""

    enterprise: Enterprise
    post: Post
    worker: Person  # holds `post`
    officer: Person  # safety officer of the same enterprise
    outsider: Person  # worker of another enterprise
    other_enterprise: Enterprise
    other_post: Post
    regulator: Person  # scope 鄂州市, sees both enterprises
    far_regulator: Person  # scope of another city, sees neither


@pytest.fixture
def world(db) -> World:
    city = factories.RegionFactory(code="420700", name="鄂州市")
    district = factories.RegionFactory(code="420704", name="鄂城区", parent=city)
    elsewhere = factories.RegionFactory(code="420100", name="武汉市")
    enterprise = factories.EnterpriseFactory(region=district)
    other = factories.EnterpriseFactory(region=district)
    post = factories.PostFactory(enterprise=enterprise)
    other_post = factories.PostFactory(enterprise=other)
    worker = factories.MembershipFactory(enterprise=enterprise, role=Role.WORKER).person
    post.holders.add(worker)
    officer = factories.MembershipFactory(enterprise=enterprise, role=Role.SAFETY_OFFICER).person
    outsider = factories.MembershipFactory(enterprise=other, role=Role.WORKER).person
    other_post.holders.add(outsider)
    regulator = factories.RegulatorScopeFactory(region=city).person
    far_regulator = factories.RegulatorScopeFactory(region=elsewhere).person
    return World(enterprise, post, worker, officer, outsider, other, other_post, regulator, far_regulator)


class Client(APIClient):
    def as_(self, person):
        # A fresh copy per request, as authentication would load it: no per-request caches leak.
        self.force_authenticate(Person.objects.get(pk=person.pk) if person else None)
        return self


@pytest.fixture
def api() -> Client:
    # One request id for all (core.observability): answers that must be byte-identical stay so.
    return Client(HTTP_X_REQUEST_ID="test-request-0001")


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"
