import re

from hazards.models import HazardStatus
from tests import factories
from tests.conftest import Client
from tests.mobile.conftest import PAGE_BUDGET, make_hazard, page_weight

BOARD = "/m/hazards/"


def rows(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr class="[^"]*" data-hazard="(\d+)">', response.content.decode())]


def test_the_board_asks_for_a_login_first(client, db):
    response = client.get(BOARD)
    assert response.status_code == 302
    assert response["Location"].startswith("/m/login/?next=/m/hazards/")


def test_the_login_page_logs_in_and_returns_to_the_board(client, world):
    page = client.get("/m/login/?next=/m/hazards/")
    assert "登录" in page.content.decode()
    response = client.post(
        "/m/login/", {"username": world.officer.username, "password": factories.PASSWORD, "next": BOARD}
    )
    assert response.status_code == 302 and response["Location"] == BOARD
    assert client.get(BOARD).status_code == 200


def test_a_wrong_password_is_said_in_chinese(client, world):
    response = client.post("/m/login/", {"username": world.officer.username, "password": "nope"})
    assert response.status_code == 200
    assert "账号或密码错误" in response.content.decode()


def test_overdue_hazards_come_first_then_major_ones_then_the_nearest_deadline(as_, world):
    later = make_hazard(world.enterprise, by=world.worker, days=5)
    major = make_hazard(world.enterprise, by=world.worker, days=9, grade="major")
    overdue = make_hazard(world.enterprise, by=world.worker, days=-1, status=HazardStatus.RECTIFYING)
    sooner = make_hazard(world.enterprise, by=world.worker, days=2)
    response = as_(world.officer).get(BOARD)
    assert rows(response) == [overdue.id, major.id, sooner.id, later.id]
    html = response.content.decode()
    assert '<b id="overdue-count">1</b>' in html
    assert "逾期" in html and "整改中" in html


def test_the_filters_narrow_the_board_like_the_api(as_, world):
    open_general = make_hazard(world.enterprise, by=world.worker, days=3)
    major = make_hazard(world.enterprise, by=world.worker, days=3, grade="major")
    overdue = make_hazard(world.enterprise, by=world.worker, days=-2)
    closed = make_hazard(world.enterprise, by=world.worker, status=HazardStatus.CLOSED)
    client = as_(world.officer)
    assert rows(client.get(BOARD, {"grade": "major"})) == [major.id]
    assert rows(client.get(BOARD, {"overdue": "true"})) == [overdue.id]
    assert rows(client.get(BOARD, {"status": "closed"})) == [closed.id]
    assert set(rows(client.get(BOARD, {"overdue": "false", "status": "open"}))) == {open_general.id, major.id}
    api = Client().as_(world.officer)
    listed = api.get("/api/v1/hazards/", {"overdue": "false", "status": "open"}).data["results"]
    assert [h["id"] for h in listed] == rows(client.get(BOARD, {"overdue": "false", "status": "open"}))


def test_a_bad_filter_value_is_shown_and_ignored(as_, world):
    hazard = make_hazard(world.enterprise, by=world.worker, days=3)
    response = as_(world.officer).get(BOARD, {"grade": "terrible"})
    assert response.status_code == 200
    assert rows(response) == [hazard.id]
    assert "部分筛选条件无效" in response.content.decode()


def test_another_enterprises_hazards_never_show_even_when_asked_for(as_, world):
    mine = make_hazard(world.enterprise, by=world.worker, days=3)
    theirs = make_hazard(world.other_enterprise, by=world.outsider, days=-3)
    client = as_(world.officer)
    assert rows(client.get(BOARD)) == [mine.id]
    assert rows(client.get(BOARD, {"enterprise": world.other_enterprise.id})) == []
    assert world.other_enterprise.name not in client.get(BOARD).content.decode()
    assert theirs.id not in rows(as_(world.worker).get(BOARD))


def test_a_regulator_reads_the_board_of_every_enterprise_in_scope(as_, world):
    mine = make_hazard(world.enterprise, by=world.worker, days=3)
    theirs = make_hazard(world.other_enterprise, by=world.outsider, days=-3)
    assert rows(as_(world.regulator).get(BOARD)) == [theirs.id, mine.id]
    assert rows(as_(world.far_regulator).get(BOARD)) == []


def test_the_board_pages_by_fifty_with_a_bounded_number_of_queries(as_, world, django_assert_max_num_queries):
    for _ in range(55):
        make_hazard(world.enterprise, by=world.worker, days=3, responsible=world.worker, post=world.post)
    client = as_(world.officer)
    with django_assert_max_num_queries(12):
        first = client.get(BOARD)
    assert len(rows(first)) == 50 and "下一页" in first.content.decode()
    assert len(rows(client.get(BOARD, {"page": 2}))) == 5


def test_the_board_stays_under_100_kb(as_, world):
    for _ in range(50):
        make_hazard(world.enterprise, by=world.worker, days=3, description="消防通道堵塞" * 10)
    assert page_weight(as_(world.officer).get(BOARD).content) < PAGE_BUDGET


def test_the_login_page_is_throttled_like_the_api_login(client, world, settings):
    for _ in range(10):
        client.post("/m/login/", {"username": world.officer.username, "password": "nope"})
    response = client.post("/m/login/", {"username": world.officer.username, "password": factories.PASSWORD})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "登录尝试过于频繁" in response.content.decode()
    assert client.get(BOARD).status_code == 302  # not logged in
