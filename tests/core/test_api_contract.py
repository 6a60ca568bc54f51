"""Issue 18: what generated clients rely on. One request content type per operation, a v1 that only
grows (compared with the released schema in core/openapi/), and other origins only when configured."""

import copy
import json
from io import StringIO

import pytest
from django.core.management import call_command

from core.schema_compat import breaking_changes, deliberate_breaks, facts, released_v1

FILE_UPLOADS = {
    ("post", "/api/v1/photos/"),
    ("post", "/api/v1/enterprises/{id}/onboarding/"),
    ("post", "/api/v1/hazards/ledger/"),
    ("put", "/api/v1/enterprises/{id}/site-plan/"),
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    out = StringIO()
    with django_db_blocker.unblock():
        call_command("spectacular", "--format", "openapi-json", stdout=out)
    return json.loads(out.getvalue())


def operations(schema):
    for path, ops in schema["paths"].items():
        for method, operation in ops.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method, path, operation


def test_every_body_is_json_but_the_file_uploads_which_are_multipart(schema):
    content_types = {
        (method, path): list(op["requestBody"]["content"])
        for method, path, op in operations(schema)
        if "requestBody" in op
    }
    assert len(content_types) > 40
    for key, types in content_types.items():
        assert types == (["multipart/form-data"] if key in FILE_UPLOADS else ["application/json"]), key


def test_a_form_encoded_body_is_refused_with_415_in_the_error_shape(world, api):
    response = api.as_(world.worker).post(
        "/api/v1/inspections/", "client_uuid=x&post=1", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_todays_schema_keeps_every_path_field_and_enum_value_of_the_released_v1(schema):
    assert breaking_changes(released_v1(), schema) == []


def test_every_deliberate_break_still_matches_something_released():
    released = facts(released_v1())
    from fnmatch import fnmatchcase

    stale = [p for p in deliberate_breaks() if not any(fnmatchcase(fact, p) for fact in released)]
    assert stale == []


@pytest.fixture
def released():
    return copy.deepcopy(released_v1())


def test_a_removed_path_is_a_break(released):
    current = copy.deepcopy(released)
    del current["paths"]["/api/v1/me/"]
    assert "operation GET /api/v1/me/" in breaking_changes(released, current, [])


def test_a_removed_response_field_is_a_break(released):
    current = copy.deepcopy(released)
    del current["components"]["schemas"]["Me"]["properties"]["phone"]
    assert "field Me.phone" in breaking_changes(released, current, [])


def test_a_removed_enum_value_is_a_break(released):
    current = copy.deepcopy(released)
    current["components"]["schemas"]["RoleEnum"]["enum"].remove("admin")
    assert "enum RoleEnum = 'admin'" in breaking_changes(released, current, [])


def test_a_request_field_becoming_required_is_a_break(released):
    current = copy.deepcopy(released)
    current["components"]["schemas"]["PatchedMemberUpdateRequest"]["required"] = ["role"]
    assert "optional PatchedMemberUpdateRequest.role" in breaking_changes(released, current, [])


def test_an_added_field_is_not_a_break(released):
    current = copy.deepcopy(released)
    current["components"]["schemas"]["Me"]["properties"]["nickname"] = {"type": "string"}
    assert breaking_changes(released, current, []) == []


def test_a_listed_deliberate_break_is_allowed(released):
    current = copy.deepcopy(released)
    del current["components"]["schemas"]["Me"]["properties"]["phone"]
    assert breaking_changes(released, current, ["field Me.*"]) == []


def test_no_origin_is_allowed_by_default(api):
    response = api.options(
        "/api/v1/auth/token/", HTTP_ORIGIN="https://h5.example.com", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert "access-control-allow-origin" not in response.headers


def test_a_configured_origin_may_call_the_api_with_a_bearer_token(api, settings, world):
    settings.CORS_ALLOWED_ORIGINS = ["https://h5.example.com"]
    preflight = api.options(
        "/api/v1/me/",
        HTTP_ORIGIN="https://h5.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )
    assert preflight.headers["access-control-allow-origin"] == "https://h5.example.com"
    assert "authorization" in preflight.headers["access-control-allow-headers"]
    response = api.as_(world.worker).get("/api/v1/me/", HTTP_ORIGIN="https://h5.example.com")
    assert response.headers["access-control-allow-origin"] == "https://h5.example.com"
    other = api.get("/api/v1/me/", HTTP_ORIGIN="https://evil.example.com")
    assert "access-control-allow-origin" not in other.headers
    assert "access-control-allow-credentials" not in response.headers
