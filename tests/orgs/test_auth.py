from rest_framework.test import APIClient

from tests import factories
from tests.orgs.conftest import assert_error

LOGIN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/refresh/"


def login(client, username, password=factories.PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password}, format="json")


def test_a_member_logs_in_and_uses_the_access_token(world):
    client = APIClient()
    response = login(client, world.worker.username)
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"access", "refresh"}
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == world.worker.username


def test_a_wrong_password_is_a_401_in_the_error_shape(world):
    response = login(APIClient(), world.worker.username, "not-the-password")
    body = assert_error(response, 401)
    assert body["code"] == "no_active_account"
    assert body["message"]


def test_an_unknown_username_gets_the_same_401(world):
    body = assert_error(login(APIClient(), "nobody-by-that-name"), 401)
    assert body["code"] == "no_active_account"


def test_a_login_without_a_password_is_a_400_naming_password(world):
    response = APIClient().post(LOGIN, {"username": world.worker.username}, format="json")
    assert_error(response, 400, "password")


def test_an_inactive_person_cannot_log_in(world):
    world.worker.is_active = False
    world.worker.save()
    assert_error(login(APIClient(), world.worker.username), 401)


def test_a_refresh_token_gives_a_new_access_token(world):
    client = APIClient()
    tokens = login(client, world.worker.username).json()
    response = client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert client.get("/api/v1/me/").status_code == 200


def test_an_access_token_is_not_a_refresh_token(world):
    client = APIClient()
    tokens = login(client, world.worker.username).json()
    body = assert_error(client.post(REFRESH, {"refresh": tokens["access"]}, format="json"), 401)
    assert body["code"] == "token_not_valid"


def test_the_api_without_a_token_is_a_401(world):
    assert_error(APIClient().get("/api/v1/me/"), 401)


def test_the_tenth_failed_login_locks_the_username_and_the_address(world):
    # Issue 11: counted by django-axes per address and per username (tests/security/test_auth.py); the
    # failure that reaches LOGIN_FAILURE_LIMIT is already answered with the lockout.
    client = APIClient()
    for _ in range(9):
        assert login(client, world.worker.username, "guessing").status_code == 401
    assert_error(login(client, world.worker.username, "guessing"), 429)
    response = login(client, world.worker.username)  # even the right password now waits
    body = assert_error(response, 429)
    assert body["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_refreshing_has_a_budget_per_address(world):
    # Each refresh uses up its token and answers with the next one (issue 11).
    client = APIClient()
    token = login(client, world.worker.username).json()["refresh"]
    for _ in range(10):
        response = client.post(REFRESH, {"refresh": token}, format="json")
        assert response.status_code == 200
        token = response.json()["refresh"]
    assert_error(client.post(REFRESH, {"refresh": token}, format="json"), 429)
