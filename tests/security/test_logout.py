"""Logging out of the phone page revokes its refresh token (issue 14's logout, left open): a copy of the
token kept on a shared phone, or taken from it, gets no new access token afterwards."""

from rest_framework.test import APIClient

from tests import factories
from tests.orgs.conftest import assert_error

LOGIN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/refresh/"
LOGOUT = "/api/v1/auth/logout/"


def tokens(world) -> dict:
    response = APIClient().post(LOGIN, {"username": world.worker.username, "password": factories.PASSWORD})
    assert response.status_code == 200, response.content
    return response.data


def test_after_logout_the_refresh_token_gets_no_new_access_token(world):
    pair = tokens(world)
    client = APIClient()
    assert client.post(LOGOUT, {"refresh": pair["refresh"]}, format="json").status_code == 204
    assert_error(client.post(REFRESH, {"refresh": pair["refresh"]}, format="json"), 401)
    # Logging out twice, or with a token that is no token, answers the same and changes nothing.
    assert client.post(LOGOUT, {"refresh": pair["refresh"]}, format="json").status_code == 204
    assert client.post(LOGOUT, {"refresh": "not-a-token"}, format="json").status_code == 204


def test_logging_out_one_phone_leaves_the_other_logged_in(world):
    first, second = tokens(world), tokens(world)
    assert APIClient().post(LOGOUT, {"refresh": first["refresh"]}, format="json").status_code == 204
    assert APIClient().post(REFRESH, {"refresh": second["refresh"]}, format="json").status_code == 200


def test_an_expired_access_token_does_not_stop_a_logout_and_the_body_is_checked(world):
    pair = tokens(world)
    client = APIClient(HTTP_AUTHORIZATION="Bearer expired.or.bad")
    body = assert_error(client.post(LOGOUT, {}, format="json"), 400, "refresh")
    assert body["message"]
    assert client.post(LOGOUT, {"refresh": pair["refresh"]}, format="json").status_code == 204
