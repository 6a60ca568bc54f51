import json
import re

from orgs.models import PostQrToken
from qr.services import qr_token_issue, qr_token_rotate
from tests.mobile.conftest import PAGE_BUDGET, page_weight, publish_card


def config_of(html: str) -> dict:
    match = re.search(r'<script id="mobile-config" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_anyone_with_the_code_sees_the_card_in_chinese_with_the_five_steps_and_numbers_to_call(client, world):
    publish_card(world.post)
    token = qr_token_issue(post=world.post).token
    response = client.get(f"/s/{token}")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-CN">' in html
    assert world.post.name in html and world.enterprise.name in html
    assert 'class="risk risk-orange"' in html and "较大风险(橙)" in html
    steps = re.findall(r'<li class="step"><b>(.)</b>', html)
    assert steps == ["关", "避", "喊", "报", "助"]
    assert 'href="tel:0711-3200000"' in html
    assert "火灾爆炸" in html and "防护手套" in html


def test_the_page_hands_its_script_the_token_post_and_enterprise(client, world):
    publish_card(world.post)
    token = qr_token_issue(post=world.post).token
    config = config_of(client.get(f"/s/{token}").content.decode())
    assert config["token"] == token
    assert config["post"] == world.post.id and config["enterprise"] == world.enterprise.id
    assert config["api"] == "/api/v1/"


def test_a_post_without_a_published_card_says_so(client, world):
    token = qr_token_issue(post=world.post).token
    response = client.get(f"/s/{token}")
    assert response.status_code == 200
    assert "本岗位的明白卡尚未发布" in response.content.decode()


def test_a_rotated_code_answers_410_with_a_chinese_page(client, world):
    old = qr_token_issue(post=world.post).token
    qr_token_rotate(post=world.post, by=world.officer)
    response = client.get(f"/s/{old}")
    assert response.status_code == 410
    html = response.content.decode()
    assert "此二维码已失效,请扫描岗位上的新二维码。" in html
    assert world.post.name not in html


def test_an_unknown_code_answers_404_with_a_chinese_page(client, db):
    response = client.get("/s/NoSuchToken1")
    assert response.status_code == 404
    assert "未找到此二维码。" in response.content.decode()


def test_the_page_loads_only_its_own_files_and_says_so_in_its_policy(client, world):
    token = qr_token_issue(post=world.post).token
    response = client.get(f"/s/{token}")
    html = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html), "no CDN: every file comes from this server"
    assert response["Cache-Control"] == "no-cache"


def test_the_page_with_its_script_and_styles_stays_under_100_kb(client, world):
    publish_card(world.post)
    token = qr_token_issue(post=world.post).token
    assert page_weight(client.get(f"/s/{token}").content) < PAGE_BUDGET


def test_the_page_takes_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    publish_card(world.post)
    token = qr_token_issue(post=world.post).token
    with django_assert_max_num_queries(3):
        assert client.get(f"/s/{token}").status_code == 200


def test_rendering_the_page_writes_nothing(client, world):
    token = qr_token_issue(post=world.post).token
    before = list(PostQrToken.objects.values_list("id", "token", "revoked_at"))
    client.get(f"/s/{token}")
    assert list(PostQrToken.objects.values_list("id", "token", "revoked_at")) == before
