"""Bad input: a clear 4xx in the error shape and nothing stored, whatever arrives.

(tests/checklists/test_photos.py and test_inspections.py cover plain non-images, GIFs, a pixel bomb,
the photo byte limit and per-field submission errors; this adds the rest of issue 6's list.)
"""

import hashlib
import io
import json
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from checklists.models import ChecklistTemplate, Inspection, InspectionResult, Photo
from hazards.models import Hazard
from orgs.models import Department
from tests.checklists.conftest import jpeg_bytes, submission

WRITES = {
    "inspection": "/api/v1/inspections/",
    "hazard": "/api/v1/hazards/",
    "template": "/api/v1/templates/",
    "department": "/api/v1/departments/",
}


def stored():
    return tuple(
        m.objects.count() for m in (Inspection, InspectionResult, Photo, Hazard, ChecklistTemplate, Department)
    )


def assert_refused(response, status=400, field=None, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) - {"request_id"} == {"code", "message", "field", "errors"} and body["message"], body
    if field is not None:
        assert body["field"] == field, body
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.mark.parametrize("url", WRITES.values())
@pytest.mark.parametrize(
    "raw",
    [b'{"client_uuid": ', b"\xff\xfe not utf-8", b"[1, 2", b"NaN", b'{"a": 1} trailing', b"\x00"],
    ids=["truncated", "not-utf8", "open-list", "nan", "trailing", "nul"],
)
def test_malformed_json_is_a_400_parse_error_and_stores_nothing(api, world, url, raw):
    before = stored()
    response = api.as_(world.officer).generic("POST", url, raw, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] in ("parse_error", "invalid")
    assert stored() == before


WRONG_TYPES = [
    ("inspection", lambda b: b | {"results": {"item": 1}}, "results"),
    ("inspection", lambda b: b | {"results": "ok"}, "results"),
    ("inspection", lambda b: b | {"post": "岗位"}, "post"),
    ("inspection", lambda b: b | {"post": [1]}, "post"),
    ("inspection", lambda b: b | {"started_at": 1720000000}, "started_at"),
    ("inspection", lambda b: b | {"client_uuid": "not-a-uuid"}, "client_uuid"),
    ("inspection", lambda b: b | {"results": [{"item": {"id": 1}, "value": "ok"}]}, "results[0].item"),
    ("inspection", lambda b: b | {"results": [["ok"]]}, "results[0]"),
    ("inspection", lambda b: b | {"results": [{"item": 2**70, "value": "ok"}]}, None),
    ("hazard", lambda b: b | {"grade": ["general"]}, "grade"),
    ("hazard", lambda b: b | {"description": {"x": 1}}, "description"),
    ("hazard", lambda b: b | {"enterprise": 1e300}, "enterprise"),
    ("hazard", lambda b: b | {"photos": "1,2"}, "photos"),
]


@pytest.mark.parametrize("kind, change, field", WRONG_TYPES)
def test_wrong_types_are_a_400_naming_the_field(api, world, daily, kind, change, field):
    base = {
        "inspection": submission(daily, world.post),
        "hazard": {"enterprise": world.enterprise.id, "grade": "general", "description": "通道堵塞"},
    }[kind]
    before = stored()
    body = assert_refused(api.as_(world.worker).post(WRITES[kind], change(base), format="json"))
    if field:
        assert body["field"] == field, body
    assert stored() == before


def test_a_list_value_for_a_check_item_is_a_400_not_a_500(api, world, daily):
    """Found by hypothesis: `value: []` reached a set lookup and raised TypeError."""
    body = submission(daily, world.post)
    body["results"][0]["value"] = ["ok"]
    assert_refused(api.as_(world.worker).post(WRITES["inspection"], body, format="json"), field="results[0].value")
    assert Inspection.objects.count() == 0


@pytest.mark.parametrize(
    "text, field",
    [("a\ud800b", "results[2].value"), ("a\x00b", "results[2].value")],
    ids=["lone-surrogate", "nul"],
)
def test_unstorable_unicode_in_a_text_value_is_a_400(api, world, daily, text, field):
    """A lone surrogate parsed from JSON could not be encoded for the database: it was a 500."""
    body = submission(daily, world.post)
    body["results"][2]["value"] = text
    raw = json.dumps(body)  # escapes the surrogate as \\ud800, as a phone's JSON encoder would
    response = api.as_(world.worker).generic("POST", WRITES["inspection"], raw, content_type="application/json")
    assert_refused(response, field=field)
    assert Inspection.objects.count() == 0


@pytest.mark.parametrize("text", ["a\ud800b", "a\x00b"], ids=["lone-surrogate", "nul"])
@pytest.mark.parametrize("where", ["note", "hazard", "department"])
def test_unstorable_unicode_anywhere_else_is_a_400_naming_the_field(api, world, daily, org_admin, text, where):
    if where == "note":
        body = submission(daily, world.post)
        body["results"][0]["note"] = text
        url, person, field = WRITES["inspection"], world.worker, "results[0].note"
    elif where == "hazard":
        body = {"enterprise": world.enterprise.id, "grade": "general", "description": text}
        url, person, field = WRITES["hazard"], world.worker, "description"
    else:
        body = {"enterprise": world.enterprise.id, "name": text}
        url, person, field = WRITES["department"], org_admin, "name"
    before = stored()
    response = api.as_(person).generic("POST", url, json.dumps(body), content_type="application/json")
    assert_refused(response, field=field)
    assert stored() == before


@pytest.mark.parametrize(
    "text",
    ["明白卡 \u200b\u200d", "e\u0301", "👷‍♀️🦺", "\u202eRTL", "ｆｕｌｌｗｉｄｔｈ", "𠮷野家", "x" * 1000],
    ids=["zero-width", "combining", "emoji-zwj", "bidi", "fullwidth", "astral", "longest"],
)
def test_unusual_but_valid_unicode_is_stored_exactly(api, world, daily, text):
    body = submission(daily, world.post)
    body["results"][2]["value"] = text
    response = api.as_(world.worker).post(WRITES["inspection"], body, format="json")
    assert response.status_code == 201, response.content
    assert InspectionResult.objects.get(inspection_id=response.data["id"], item=daily.remark).value == text


# --- Size limits


def test_a_json_body_over_the_limit_is_a_413_in_the_error_shape(api, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    raw = json.dumps({"enterprise": world.enterprise.id, "grade": "general", "description": "x" * 100_000})
    response = api.as_(world.worker).generic("POST", WRITES["hazard"], raw, content_type="application/json")
    assert_refused(response, 413, code="request_too_large")
    assert Hazard.objects.count() == 0


def test_a_body_over_the_request_limit_is_refused_before_it_is_read(api, world, settings):
    settings.MAX_REQUEST_BYTES = 1024
    image = SimpleUploadedFile("p.jpg", jpeg_bytes(size=(400, 400)) + b"\0" * 2048, "image/jpeg")
    response = api.as_(world.worker).post(
        "/api/v1/photos/", {"client_uuid": str(uuid.uuid4()), "image": image}, format="multipart"
    )
    assert_refused(response, 413, code="request_too_large")
    assert Photo.objects.count() == 0


def test_the_limits_are_set():
    from django.conf import settings

    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 2 * 1024 * 1024
    assert settings.MAX_REQUEST_BYTES <= settings.PHOTO_MAX_BYTES + 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS is not None


# --- Uploads


def upload(api, person, data: bytes, name="p.jpg", content_type="image/jpeg"):
    image = SimpleUploadedFile(name, data, content_type)
    return api.as_(person).post(
        "/api/v1/photos/", {"client_uuid": str(uuid.uuid4()), "image": image}, format="multipart"
    )


def png_bomb() -> bytes:
    """A tiny PNG that claims 30000 x 30000 pixels (900 MP): all zeros compress to a few hundred kB."""
    out = io.BytesIO()
    Image.new("1", (30000, 30000)).save(out, format="PNG", optimize=True)
    return out.getvalue()


@pytest.mark.parametrize(
    "data, name, content_type",
    [
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "scan.jpg", "image/jpeg"),
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "p.svg", "image/svg+xml"),
        (b"MZ\x90\x00" + b"\x00" * 64, "setup.exe.jpg", "image/jpeg"),
        (jpeg_bytes()[:200], "truncated.jpg", "image/jpeg"),
        (b"", "empty.jpg", "image/jpeg"),
    ],
    ids=["pdf", "svg", "exe", "truncated-jpeg", "empty"],
)
def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_stored(api, world, data, name, content_type, settings):
    response = upload(api, world.worker, data, name, content_type)
    assert_refused(response, field="image")
    assert Photo.objects.count() == 0
    assert not (settings.MEDIA_ROOT / "photos").exists() or not any((settings.MEDIA_ROOT / "photos").rglob("*.*"))


def test_a_png_decompression_bomb_is_refused_without_decoding_it(api, world, settings):
    body = assert_refused(upload(api, world.worker, png_bomb(), "bomb.png", "image/png"), field="image")
    assert body["code"] in ("image_too_large", "invalid_image")
    assert Photo.objects.count() == 0


def heic_bytes(size=(120, 80)) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, format="HEIF")
    return out.getvalue()


def test_an_iphone_heic_photo_is_accepted_and_stored_as_jpeg(api, world):
    data = heic_bytes()
    response = upload(api, world.worker, data, "IMG_0001.HEIC", "image/heic")
    assert response.status_code == 201, response.content
    photo = Photo.objects.get()
    assert (photo.width, photo.height) == (120, 80)
    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    with photo.image.open("rb") as stored_copy:
        assert Image.open(stored_copy).format == "JPEG"


@pytest.mark.parametrize(
    "name",
    [
        "../../../../etc/passwd.jpg",
        "..\\..\\windows\\win.ini.jpg",
        "/abs/path.jpg",
        "a\x00b.jpg",
        "照片 (1).jpg",
        ".jpg",
        "p.php",
    ],
)
def test_file_names_cannot_steer_where_a_photo_is_stored(api, world, settings, name):
    """The client's file name is never used: every photo is accepted (it is a real JPEG) and stored as
    photos/<year>/<month>/<client_uuid>.jpg, its thumbnail under photos/thumbs/, whatever it was called."""
    # Built by hand: the test client's SimpleUploadedFile would cut the name to its base name first.
    boundary = "mingbai-boundary"
    raw = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="client_uuid"\r\n\r\n{uuid.uuid4()}\r\n'.encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="{name}"\r\n'.encode(),
            b"Content-Type: image/jpeg\r\n\r\n",
            jpeg_bytes(color=(len(name), 1, 2)),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    response = api.as_(world.worker).generic(
        "POST", "/api/v1/photos/", raw, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 201, response.content
    photo = Photo.objects.get()
    assert re.fullmatch(rf"photos/\d{{4}}/\d{{2}}/{photo.client_uuid}\.jpg", photo.image.name), photo.image.name
    assert re.fullmatch(rf"photos/thumbs/\d{{4}}/\d{{2}}/{photo.client_uuid}\.jpg", photo.thumbnail.name)
    photos_dir = (settings.MEDIA_ROOT / "photos").resolve()
    for field in (photo.image, photo.thumbnail):
        assert (settings.MEDIA_ROOT / field.name).resolve().is_relative_to(photos_dir)
        assert (settings.MEDIA_ROOT / field.name).is_file()
    assert not any(part in json.dumps(response.json()) for part in ("passwd", "win.ini", "abs/path", "php"))


def test_query_ids_that_are_not_integers_are_a_400_and_huge_ones_do_not_crash(api, world):
    """Found by schemathesis: ?enterprise=1e24 reached SQLite as an integer too large (a 500)."""
    for url in ("/api/v1/posts/", "/api/v1/members/", "/api/v1/hazards/", "/api/v1/inspections/", "/api/v1/cards/"):
        for value in ("1.0837546341443446e+24", "1.5", "abc", str(2**70)):
            response = api.as_(world.officer).get(url, {"enterprise": value})
            assert_refused(response, field="enterprise")


def test_a_template_filter_says_the_same_for_a_missing_and_a_foreign_enterprise(api, world, daily):
    """It used a model-choice filter: 400 for an id that does not exist, 200 for another tenant's."""
    foreign = api.as_(world.outsider).get("/api/v1/templates/", {"enterprise": world.enterprise.id})
    missing = api.as_(world.outsider).get("/api/v1/templates/", {"enterprise": 10**9})
    assert foreign.status_code == missing.status_code == 200
    assert foreign.json()["results"] == missing.json()["results"] == []
    foreign = api.as_(world.outsider).get("/api/v1/inspections/", {"post": world.post.id})
    missing = api.as_(world.outsider).get("/api/v1/inspections/", {"post": 10**9})
    assert foreign.status_code == missing.status_code == 200


def test_an_inspection_for_a_post_of_another_tenant_is_a_documented_404(api, world, daily):
    body = submission(daily, world.other_post)
    response = api.as_(world.worker).post(WRITES["inspection"], body, format="json")
    assert_refused(response, 404)
    from django.core.management import call_command

    out = io.StringIO()
    call_command("spectacular", "--format", "openapi-json", stdout=out)
    responses = json.loads(out.getvalue())["paths"]["/api/v1/inspections/"]["post"]["responses"]
    assert {"201", "200", "400", "404", "409", "413"} <= set(responses)
