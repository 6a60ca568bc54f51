from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from orgs.models import Person, PostQrToken
from qr.management.commands.seed_demo import DEMO_PASSWORD, PEOPLE
from qr.services import qr_terminal_text, qr_url


def run(name: str) -> str:
    out = StringIO()
    call_command(name, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True
    settings.PUBLIC_BASE_URL = "http://192.168.1.20:8000"
    call_command("seed_demo", "--no-history", stdout=StringIO())  # the banner needs the base data only


def test_the_banner_shows_the_scan_url_of_the_workers_post_and_its_qr_code(seeded):
    post = Person.objects.get(username="worker").posts_held.get()
    url = qr_url(PostQrToken.objects.get(post=post, revoked_at__isnull=True).token)
    output = run("demo_banner")
    assert url.startswith("http://192.168.1.20:8000/s/") and url in output
    assert qr_terminal_text(url) in output
    for path in ("/api/v1/", "/api/docs/", "/admin/", "/healthz"):
        assert f"http://192.168.1.20:8000{path}" in output
    # The way in comes first: the page that sends each login to its work.
    lines = output.splitlines()
    assert lines[lines.index("mingbai demo") + 1].split()[:3] == ["Start", "here", "http://192.168.1.20:8000/"]


def test_the_banner_lists_every_demo_login_with_its_role_and_the_password(seeded):
    output = run("demo_banner")
    assert f"password {DEMO_PASSWORD}" in output
    lines = output.splitlines()
    for username, name, *_ in PEOPLE:
        assert any(line.split()[:2] == [username, name] for line in lines if line.strip()), username
    for role in ("worker", "safety_officer", "safety_director", "principal", "admin", "regulator"):
        assert role in output


def test_the_banner_tells_that_phones_cannot_reach_a_loopback_address(seeded, settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    assert "PUBLIC_BASE_URL=http://<this machine's LAN IP>:8000" in run("demo_banner")


def test_the_banner_names_the_port_the_demo_runs_on(seeded, settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8001"  # `make run PORT=8001` sets it so
    output = run("demo_banner")
    assert "http://127.0.0.1:8001/api/v1/" in output and "http://127.0.0.1:8001/s/" in output
    assert "PUBLIC_BASE_URL=http://<this machine's LAN IP>:8001" in output and ":8000" not in output


def test_the_banner_changes_nothing(seeded):
    tokens = list(PostQrToken.objects.values_list("id", "token"))
    run("demo_banner")
    assert list(PostQrToken.objects.values_list("id", "token")) == tokens


def test_the_banner_without_demo_data_says_to_seed_first(db):
    with pytest.raises(CommandError, match="seed_demo"):
        run("demo_banner")


def test_the_banners_phone_url_opens_the_phone_page_of_the_workers_post(seeded, client):
    post = Person.objects.get(username="worker").posts_held.get()
    url = qr_url(PostQrToken.objects.get(post=post, revoked_at__isnull=True).token)
    output = run("demo_banner")
    assert f"Phone page    {url}" in output and "http://192.168.1.20:8000/m/hazards/" in output
    page = client.get(url.removeprefix("http://192.168.1.20:8000"))
    assert page.status_code == 200 and post.name in page.content.decode()
