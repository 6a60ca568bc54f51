import pytest
from django.utils import timezone

from cards.models import Card, CardVersion
from cards.services import card_acknowledge, card_publish
from orgs.models import PostQrToken, Role
from qr.services import qr_token_issue, qr_token_rotate, qr_url
from tests import factories
from tests.conftest import Client
from tests.qr.conftest import decode_png, svg_root

GONE_MESSAGE = "此二维码已失效,请扫描岗位上的新二维码"


def png_url(post, **query):
    suffix = "".join(f"?{k}={v}" for k, v in query.items())
    return f"/api/v1/posts/{post.id}/qr.png{suffix}"


def scan_url(token: str) -> str:
    return f"/api/v1/scan/{token}/"


def publish_card(post, **changes) -> CardVersion:
    card = Card.objects.filter(post=post).first() or factories.CardFactory(post=post)
    for field, value in changes.items():
        setattr(card, field, value)
    card.save()
    return card_publish(card=card, by=None)


def daily_template(world, name="反应釜岗位日检"):
    template = factories.TemplateFactory(enterprise=world.enterprise, posts=[world.post], name=name)
    item = factories.ItemFactory(template=template, label="阀门无泄漏")
    return template, item


# qr.png / qr.svg: safety managers and regulators in scope, once a manager made the code (issue 11:
# workers get 403, and a GET never issues a token; see tests/security/test_qr_access.py)


def test_a_safety_manager_gets_a_png_that_decodes_to_the_posts_scan_url(api, world):
    qr_token_issue(post=world.post)
    response = api.as_(world.officer).get(png_url(world.post, size=300))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    token = PostQrToken.objects.get(post=world.post, revoked_at__isnull=True)
    text = decode_png(response.content).text
    assert text == qr_url(token.token) and text.isascii()


def test_the_png_works_whatever_image_type_the_client_accepts(api, world):
    qr_token_issue(post=world.post)
    for accept in ("image/png", "image/*", "*/*", "image/avif,image/webp,image/png,*/*;q=0.8"):
        response = api.as_(world.officer).get(png_url(world.post), HTTP_ACCEPT=accept)
        assert response.status_code == 200, accept
        assert response["Content-Type"] == "image/png"


def test_the_png_answers_406_in_json_to_a_client_that_accepts_only_json(api, world):
    response = api.as_(world.worker).get(png_url(world.post), HTTP_ACCEPT="application/json")

    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_acceptable"


def test_the_same_token_is_printed_until_it_is_rotated(api, world):
    qr_token_issue(post=world.post)
    first = decode_png(api.as_(world.regulator).get(png_url(world.post)).content).text
    again = decode_png(api.as_(world.officer).get(png_url(world.post)).content).text

    assert first == again
    assert PostQrToken.objects.filter(post=world.post).count() == 1


def test_the_png_is_size_pixels_square(api, world):
    from io import BytesIO

    from PIL import Image

    qr_token_issue(post=world.post)
    response = api.as_(world.officer).get(png_url(world.post, size=128))

    assert Image.open(BytesIO(response.content)).size == (128, 128)


@pytest.mark.parametrize("size", ["63", "2049", "big", "12.5"])
def test_a_bad_size_is_a_400_in_json_naming_size(api, world, size):
    response = api.as_(world.worker).get(png_url(world.post, size=size), HTTP_ACCEPT="image/png")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["field"] == "size"


def test_a_safety_manager_gets_an_svg_document(api, world):
    qr_token_issue(post=world.post)
    response = api.as_(world.officer).get(f"/api/v1/posts/{world.post.id}/qr.svg")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    svg_root(response.content.decode())


def test_a_regulator_in_scope_reads_the_png(api, world):
    qr_token_issue(post=world.post)
    response = api.as_(world.regulator).get(png_url(world.post))

    assert response.status_code == 200
    assert decode_png(response.content).text.startswith("http://192.168.100.200:8000/s/")


@pytest.mark.parametrize("suffix", ["qr.png", "qr.svg"])
def test_an_outsider_gets_a_json_404_for_the_images_and_no_token_is_issued(api, world, suffix):
    response = api.as_(world.outsider).get(f"/api/v1/posts/{world.post.id}/{suffix}", HTTP_ACCEPT="image/*")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"
    assert not PostQrToken.objects.filter(post=world.post).exists()


def test_a_regulator_out_of_scope_gets_404_for_the_png(api, world):
    assert api.as_(world.far_regulator).get(png_url(world.post)).status_code == 404


def test_the_images_need_a_login(api, world):
    response = api.get(png_url(world.post))

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


# rotate-qr


def rotate_url(post) -> str:
    return f"/api/v1/posts/{post.id}/rotate-qr/"


def test_a_safety_officer_rotates_the_code_and_the_old_one_is_gone(api, world):
    old = qr_token_issue(post=world.post)

    response = api.as_(world.officer).post(rotate_url(world.post))

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "url", "created_at"}
    assert body["token"] != old.token and body["url"] == qr_url(body["token"])
    assert api.get(scan_url(old.token)).status_code == 410
    assert api.get(scan_url(body["token"])).status_code == 200
    assert decode_png(api.as_(world.officer).get(png_url(world.post)).content).text == body["url"]
    assert list(
        PostQrToken.objects.filter(post=world.post, revoked_at__isnull=True).values_list("token", flat=True)
    ) == [body["token"]]


def test_a_worker_may_not_rotate(api, world):
    token = qr_token_issue(post=world.post)

    response = api.as_(world.worker).post(rotate_url(world.post))

    assert response.status_code == 403
    assert api.get(scan_url(token.token)).status_code == 200


def test_a_regulator_may_not_rotate(api, world):
    response = api.as_(world.regulator).post(rotate_url(world.post))

    assert response.status_code == 403
    assert not PostQrToken.objects.filter(post=world.post).exists()


def test_an_outsider_gets_404_on_rotate(api, world):
    response = api.as_(world.outsider).post(rotate_url(world.post))

    assert response.status_code == 404
    assert not PostQrToken.objects.filter(post=world.post).exists()


# scan


def test_an_anonymous_scan_shows_the_post_and_card_but_no_checklists(api, world):
    department = factories.DepartmentFactory(enterprise=world.enterprise, name="合成车间")
    world.post.department, world.post.location = department, "合成车间二楼"
    world.post.save()
    version = publish_card(world.post)
    daily_template(world)
    token = qr_token_issue(post=world.post)

    response = api.get(scan_url(token.token))

    assert response.status_code == 200
    body = response.json()
    assert body["post"] == {
        "id": world.post.id,
        "name": world.post.name,
        "risk_level": "orange",
        "location": "合成车间二楼",
        "department": {"id": department.id, "name": "合成车间"},
        "fenced": False,  # whether the phone will be asked for its position; never where the fence is
    }
    assert body["enterprise"] == {"id": world.enterprise.id, "name": world.enterprise.name}
    assert body["card"]["version"] == version.version
    assert body["checklists"] is None
    assert body["acknowledged"] is None


def test_a_scan_of_a_post_without_a_card_has_a_null_card(api, world):
    token = qr_token_issue(post=world.post)

    body = api.as_(world.worker).get(scan_url(token.token)).json()

    assert body["card"] is None
    assert body["acknowledged"] is None
    assert body["post"]["department"] is None


def test_the_holder_sees_the_checklists_due_with_their_status(api, world):
    publish_card(world.post)
    done_template, item = daily_template(world, "反应釜岗位日检")
    open_template, _item = daily_template(world, "消防设施日检")
    token = qr_token_issue(post=world.post)
    submitted = api.as_(world.worker).post(
        "/api/v1/inspections/",
        {
            "client_uuid": "6f1c1b8e-4a52-4bde-9d8e-1f0f8f0c9a11",
            "template": done_template.id,
            "post": world.post.id,
            "scan_token": token.token,
            "started_at": timezone.now().isoformat(),
            "results": [{"item": item.id, "value": "ok"}],
        },
        format="json",
    )
    assert submitted.status_code == 201

    body = api.as_(world.worker).get(scan_url(token.token)).json()

    by_name = {c["template"]["name"]: c for c in body["checklists"]}
    assert by_name["反应釜岗位日检"]["status"] == "done"
    assert by_name["反应釜岗位日检"]["inspection"] == submitted.json()["id"]
    assert by_name["消防设施日检"]["status"] == "due"
    assert by_name["消防设施日检"]["inspection"] is None
    entry = by_name["消防设施日检"]
    assert entry["template"] == {"id": open_template.id, "name": "消防设施日检"}
    assert entry["tier"] == "daily" and entry["period"] == timezone.localdate().isoformat()
    assert entry["period_start"] < entry["period_end"]
    assert body["acknowledged"] is False


def test_the_scan_says_whether_the_caller_acknowledged_the_current_card(api, world):
    publish_card(world.post)
    card_acknowledge(card=world.post.card, by=world.worker)
    token = qr_token_issue(post=world.post)
    assert api.as_(world.worker).get(scan_url(token.token)).json()["acknowledged"] is True

    publish_card(world.post, duties=["严格执行操作规程", "交接班时检查阀门"])

    body = api.as_(world.worker).get(scan_url(token.token)).json()
    assert body["card"]["version"] == 2
    assert body["acknowledged"] is False  # a new version must be read again
    card_acknowledge(card=world.post.card, by=world.worker)
    assert api.as_(world.worker).get(scan_url(token.token)).json()["acknowledged"] is True


def test_a_safety_manager_of_the_enterprise_sees_the_checklists(api, world):
    daily_template(world)
    token = qr_token_issue(post=world.post)

    body = api.as_(world.officer).get(scan_url(token.token)).json()

    assert [c["status"] for c in body["checklists"]] == ["due"]


@pytest.mark.parametrize("who", ["colleague", "regulator", "outsider"])
def test_people_who_are_not_on_the_post_see_the_card_but_not_the_checklists(api, world, who):
    daily_template(world)
    token = qr_token_issue(post=world.post)
    people = {
        "colleague": factories.MembershipFactory(enterprise=world.enterprise, role=Role.WORKER).person,
        "regulator": world.regulator,
        "outsider": world.outsider,
    }

    response = api.as_(people[who]).get(scan_url(token.token))

    assert response.status_code == 200
    assert response.json()["checklists"] is None


def test_a_revoked_code_answers_410_with_a_message_to_scan_the_new_one(api, world):
    old = qr_token_issue(post=world.post)
    qr_token_rotate(post=world.post, by=world.officer)

    response = api.get(scan_url(old.token))

    assert response.status_code == 410
    body = response.json()
    assert body["code"] == "gone" and body["field"] == "token"
    assert GONE_MESSAGE in body["message"]


def test_an_unknown_code_answers_404(api, world):
    response = api.get(scan_url("NoSuchToken1"))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# The scan is the hot path (every worker, every shift). A holder's scan: token with post, enterprise,
# industry and department, with the caller's role and whether they hold the post (1), the card version
# with the caller's acknowledgement (1), due templates and records (2). A JWT login adds one query for
# the user; force_authenticate does not.
HOLDER_SCAN_QUERIES = 4
ANONYMOUS_SCAN_QUERIES = 2


@pytest.mark.parametrize("templates", [1, 5])
def test_the_scan_takes_a_constant_number_of_queries(world, django_assert_max_num_queries, templates):
    publish_card(world.post)
    for number in range(templates):
        daily_template(world, f"检查表{number}")
    token = qr_token_issue(post=world.post)
    holder, anyone = Client().as_(world.worker), Client()

    with django_assert_max_num_queries(HOLDER_SCAN_QUERIES):
        body = holder.get(scan_url(token.token)).json()
    with django_assert_max_num_queries(ANONYMOUS_SCAN_QUERIES):
        anonymous = anyone.get(scan_url(token.token)).json()

    assert len(body["checklists"]) == templates and body["card"] is not None
    assert anonymous["card"] == body["card"]


def test_options_on_an_image_endpoint_answers_in_json(api, world):
    response = api.as_(world.worker).options(png_url(world.post), HTTP_ACCEPT="image/png")

    assert response.status_code == 200
    assert response.json()["renders"] == ["image/png"]
