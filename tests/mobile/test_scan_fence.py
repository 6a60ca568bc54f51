"""Issue 12, place: the card page of a post with an electronic fence says that the position is recorded
(consent) and tells its script to send it; a post without a fence says nothing and sends nothing."""

from orgs.models import Post
from qr.services import qr_token_issue
from tests.mobile.conftest import publish_card
from tests.mobile.test_scan_page import config_of

CONSENT = "本岗位设有电子围栏:提交检查时会记录您的位置,仅用于核实在岗。"


def fence(post):
    Post.objects.filter(pk=post.pk).update(fence_latitude=30.391457, fence_longitude=114.894313, fence_radius_m=200)


def test_the_card_page_of_a_fenced_post_asks_consent_and_its_script_sends_the_position(client, world):
    publish_card(world.post)
    fence(world.post)
    token = qr_token_issue(post=world.post).token
    html = client.get(f"/s/{token}").content.decode()
    assert CONSENT in html
    assert config_of(html)["fenced"] is True
    assert "30.391457" not in html  # the public page does not tell where the fence is


def test_a_post_without_a_fence_records_no_position_and_says_nothing(client, world):
    publish_card(world.post)
    token = qr_token_issue(post=world.post).token
    html = client.get(f"/s/{token}").content.decode()
    assert CONSENT not in html and 'id="fence-consent"' not in html
    assert config_of(html)["fenced"] is False


def test_the_scan_answer_says_whether_the_post_is_fenced_but_not_where(api, world):
    token = qr_token_issue(post=world.post).token
    assert api.get(f"/api/v1/scan/{token}/").json()["post"]["fenced"] is False
    fence(world.post)
    post = api.get(f"/api/v1/scan/{token}/").json()["post"]
    assert post["fenced"] is True and "fence" not in post
