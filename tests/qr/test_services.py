import re
from io import BytesIO

import pytest
from django.db.models import Q
from PIL import Image

from core.errors import ApplicationError, Forbidden
from orgs.models import PostQrToken, Role
from qr import services
from qr.services import qr_png, qr_svg, qr_terminal_text, qr_token_issue, qr_token_rotate, qr_url
from tests import factories
from tests.qr.conftest import TYPICAL_BASE_URL, decode, decode_png, rasterize_svg, rasterize_terminal, svg_root

TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9]{12}$")


def active_tokens(post):
    return PostQrToken.objects.filter(Q(post=post) & Q(revoked_at__isnull=True))


def test_it_issues_a_twelve_character_alphanumeric_token_once_per_post(world):
    token = qr_token_issue(post=world.post)

    assert TOKEN_SHAPE.match(token.token)
    assert qr_token_issue(post=world.post) == token
    assert active_tokens(world.post).count() == 1


def test_it_issues_different_tokens_for_different_posts(world):
    assert qr_token_issue(post=world.post).token != qr_token_issue(post=world.other_post).token


def test_it_retries_when_a_new_token_collides_with_an_existing_one(world, monkeypatch):
    taken = factories.QrTokenFactory(post=world.other_post, token="TakenToken12")
    candidates = iter([taken.token, "FreshToken12"])
    monkeypatch.setattr(services, "_new_token", lambda: next(candidates))

    token = qr_token_issue(post=world.post)

    assert token.token == "FreshToken12"
    assert token.post == world.post


def test_rotating_revokes_the_active_token_and_leaves_exactly_one_active(world):
    old = qr_token_issue(post=world.post)

    new = qr_token_rotate(post=world.post, by=world.officer)

    old.refresh_from_db()
    assert old.revoked_at is not None
    assert new.token != old.token and new.is_active
    assert list(active_tokens(world.post)) == [new]


def test_rotating_a_post_without_a_token_just_issues_one(world):
    token = qr_token_rotate(post=world.post, by=world.officer)

    assert list(active_tokens(world.post)) == [token]


@pytest.mark.parametrize("who", ["worker", "regulator"])
def test_only_safety_managers_may_rotate(world, who):
    qr_token_issue(post=world.post)

    with pytest.raises(Forbidden):
        qr_token_rotate(post=world.post, by=getattr(world, who))

    assert active_tokens(world.post).count() == 1
    assert not PostQrToken.objects.filter(post=world.post, revoked_at__isnull=False).exists()


@pytest.mark.parametrize("role", [Role.SAFETY_DIRECTOR, Role.PRINCIPAL, Role.ADMIN])
def test_every_safety_manager_role_may_rotate(world, role):
    manager = factories.MembershipFactory(enterprise=world.enterprise, role=role).person

    assert qr_token_rotate(post=world.post, by=manager).is_active


def test_the_url_is_the_public_base_url_and_the_token():
    assert qr_url("Ab3dEf6hIj9k") == f"{TYPICAL_BASE_URL}/s/Ab3dEf6hIj9k"


def test_the_url_refuses_a_non_ascii_base_url(settings):
    settings.PUBLIC_BASE_URL = "http://明白.example"

    with pytest.raises(ValueError):
        qr_url("Ab3dEf6hIj9k")


@pytest.mark.parametrize("size", [64, 333, 512, 2048])
def test_the_png_is_size_pixels_square_and_decodes_to_the_url(size):
    url = qr_url("Ab3dEf6hIj9k")

    png = qr_png(url, size=size)

    assert Image.open(BytesIO(png)).size == (size, size)
    code = decode_png(png)
    assert code.text == url and code.text.isascii()
    assert code.ec_level == "Q"


def test_a_typical_url_fits_version_4_at_level_q_for_25_mm_print(world):
    url = qr_url(qr_token_issue(post=world.post).token)

    code = decode_png(qr_png(url, size=400))

    assert code.extra["ECLevel"] == "Q"
    assert int(code.extra["Version"]) <= 4  # 33 modules + quiet zone: about 0.6 mm a module at 25 mm


@pytest.mark.parametrize("size", [63, 2049, 0, -5, "400", 400.0, True])
def test_the_png_refuses_a_size_outside_64_to_2048_naming_size(size):
    with pytest.raises(ApplicationError) as raised:
        qr_png(qr_url("Ab3dEf6hIj9k"), size=size)

    assert raised.value.field == "size"


def test_the_png_refuses_a_size_too_small_for_a_long_url_rather_than_cropping_it(settings):
    settings.PUBLIC_BASE_URL = "https://" + "a" * 120 + ".example.com"

    with pytest.raises(ApplicationError) as raised:
        qr_png(qr_url("Ab3dEf6hIj9k"), size=64)

    assert raised.value.field == "size"


def test_the_svg_is_an_svg_document_that_decodes_to_the_url():
    url = qr_url("Ab3dEf6hIj9k")

    svg = qr_svg(url)

    root = svg_root(svg)
    assert root.get("viewBox")
    code = decode(rasterize_svg(svg))
    assert code.text == url and code.ec_level == "Q"


def test_the_terminal_drawing_reads_on_a_dark_terminal():
    url = qr_url("Ab3dEf6hIj9k")

    text = qr_terminal_text(url)

    assert decode(rasterize_terminal(text)).text == url
    assert text.splitlines()[0] == "█" * len(text.splitlines()[0])  # the quiet zone is drawn light
