"""The production pieces one by one, in process (SQLite leg too): how a photo is handed over in each
deployment, /metrics and who may read it, request ids, the beat lock, backup retention, nginx's config."""

import json
import logging
import subprocess
import uuid
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core import beat_lock
from core.backup import backups_to_delete
from core.observability import JsonFormatter
from deploy.nginx import nginx_conf
from tests.checklists.conftest import jpeg_bytes
from tests.production import harness


def upload(api, person, size=(900, 600)):
    image = SimpleUploadedFile("p.jpg", jpeg_bytes(size=size), content_type="image/jpeg")
    response = api.as_(person).post(
        "/api/v1/photos/", {"client_uuid": str(uuid.uuid4()), "image": image}, format="multipart"
    )
    assert response.status_code == 201, response.content
    return response.json()


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_photo_urls_in_answers_lead_to_the_original_the_thumbnail_and_the_display_copy(api, world):
    photo = upload(api, world.worker)
    assert photo["image"].endswith(f"/api/v1/photos/{photo['id']}/original")
    assert photo["thumbnail"].endswith(f"/api/v1/photos/{photo['id']}/thumb.jpg")
    original = api.as_(world.worker).get(photo["image"])
    assert original.status_code == 200 and original["Content-Type"] == "image/jpeg"
    assert Image.open(BytesIO(body(original))).size == (900, 600)  # the stored copy, unmarked
    thumb = api.as_(world.worker).get(photo["thumbnail"])
    assert thumb.status_code == 200 and max(Image.open(BytesIO(thumb.content)).size) <= 320
    assert thumb["ETag"] != api.as_(world.worker).get(photo["display"])["ETag"]
    assert api.as_(world.outsider).get(photo["image"]).status_code == 404  # not cited: the uploader's only


def test_behind_nginx_the_original_is_an_x_accel_redirect_to_the_internal_location(api, world, settings):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/_media/"
    photo = upload(api, world.worker)
    answer = api.as_(world.worker).get(f"/api/v1/photos/{photo['id']}/original")
    from checklists.models import Photo

    name = Photo.objects.get(pk=photo["id"]).image.name
    assert answer.status_code == 200 and answer["X-Accel-Redirect"] == f"/_media/{name}"
    assert answer.content == b"" and answer["Content-Type"] == "image/jpeg"


@pytest.fixture(scope="module")
def moto_s3(tmp_path_factory):
    harness.require_parts(moto=True)
    processes = harness.Processes(tmp_path_factory.mktemp("moto"))
    try:
        yield harness.moto_start(processes, "unit-photos")
    finally:
        processes.stop_all()


def test_with_object_storage_photos_go_to_the_bucket_and_are_read_through_signed_urls(api, world, settings, moto_s3):
    import boto3
    import httpx

    env = harness.s3_env(moto_s3, "unit-photos")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env["STORAGE_S3_BUCKET"],
                "endpoint_url": moto_s3,
                "region_name": "us-east-1",
                "access_key": "test",
                "secret_key": "test",
                "addressing_style": "path",
                "default_acl": None,
                "querystring_expire": 300,
                "file_overwrite": False,
            },
        },
    }
    photo = upload(api, world.worker)
    s3 = boto3.client(
        "s3", endpoint_url=moto_s3, aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="unit-photos")["Contents"]]
    assert len(keys) == 2 and not (settings.MEDIA_ROOT).exists()  # the stored copy and the thumbnail
    answer = api.as_(world.worker).get(f"/api/v1/photos/{photo['id']}/original")
    assert answer.status_code == 302 and answer["Cache-Control"] == "private, no-store"
    fetched = httpx.get(answer["Location"])
    assert fetched.status_code == 200 and Image.open(BytesIO(fetched.content)).size == (900, 600)
    shown = api.as_(world.worker).get(f"/api/v1/photos/{photo['id']}/display.jpg")  # read via the storage API
    assert shown.status_code == 200 and Image.open(BytesIO(shown.content)).size == (900, 600)


def test_metrics_answer_the_configured_addresses_and_the_token_holder_only(api, world, settings):
    api.as_(world.worker).get("/api/v1/inspections/")
    settings.METRICS_TOKEN = "s3cret-token"
    allowed = api.get("/metrics")  # the test client's address is 127.0.0.1
    text = allowed.content.decode()
    assert allowed.status_code == 200 and allowed["Content-Type"].startswith("text/plain")
    assert 'mingbai_http_requests_total{method="GET",route="api/v1/inspections/$",status="200"}' in text
    assert "mingbai_http_request_duration_seconds_bucket" in text
    assert 'mingbai_webhook_deliveries{status="failed"} 0.0' in text
    settings.METRICS_ALLOWED_ADDRESSES = ["10.0.0.0/8"]
    assert api.get("/metrics").status_code == 404
    assert api.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert api.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200


def test_every_answer_carries_a_request_id_and_errors_carry_it_in_the_body(client, world):
    answer = client.get("/api/v1/inspections/")  # anonymous: 401
    request_id = answer["X-Request-ID"]
    assert len(request_id) == 32 and answer.json()["request_id"] == request_id
    assert client.get("/healthz")["X-Request-ID"] != request_id
    given = client.get("/api/v1/nothing-here/", HTTP_X_REQUEST_ID="nginx-0123456789abcdef")
    assert given.status_code == 404 and given.json()["request_id"] == "nginx-0123456789abcdef"
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")
    assert forged["X-Request-ID"] != "<script>"


def test_json_log_lines_carry_the_request_id():
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/x",), None)
    record.request_id = "abc123def456"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "Not Found: /x" and line["request_id"] == "abc123def456"
    assert line["level"] == "WARNING" and line["time"].endswith("Z")


@pytest.fixture
def redis_lock_url():
    harness.require_parts(redis=True)
    harness.redis_flush()
    yield f"{harness.REDIS_BASE}/{harness.LOCK_DB}"
    harness.redis_flush()


def test_one_beat_holds_the_lock_a_second_one_sends_nothing(redis_lock_url, settings, monkeypatch):
    settings.BEAT_LOCK_URL = redis_lock_url
    sent = []
    monkeypatch.setattr(beat_lock.DatabaseScheduler, "__init__", lambda self, *a, **k: None)
    monkeypatch.setattr(beat_lock.DatabaseScheduler, "tick", lambda self, *a, **k: sent.append(self) or 1.0)
    monkeypatch.setattr(beat_lock.DatabaseScheduler, "close", lambda self: None)
    first, second = beat_lock.SingleBeatScheduler(), beat_lock.SingleBeatScheduler()
    assert first.tick() == 1.0 and second.tick() == beat_lock.RETRY_SECONDS
    assert first.tick() == 1.0 and second.tick() == beat_lock.RETRY_SECONDS
    assert sent == [first, first]  # the second never sent a task
    first.close()  # stopped: the second takes over at its next tick
    assert second.tick() == 1.0 and sent[-1] is second
    lock = beat_lock.BeatLock(redis_lock_url, key="mingbai:test-expiry", seconds=1)
    assert lock.hold() and lock.client.pttl("mingbai:test-expiry") <= 1000  # a dead beat's lock expires


def test_retention_keeps_the_newest_dailies_and_one_a_month():
    names = [f"2026{m:02d}{d:02d}T023000Z" for m in (9, 10, 11) for d in range(1, 31)]
    deleted = backups_to_delete(names, keep_daily=14, keep_monthly=3)
    kept = sorted(set(names) - set(deleted))
    assert kept[-14:] == sorted(names)[-14:]
    assert "20261030T023000Z" in kept and "20260930T023000Z" in kept and len(kept) == 16


def test_the_generated_nginx_config_is_valid(tmp_path):
    harness.require_parts(nginx=True)
    conf = nginx_conf(
        prefix=tmp_path,
        listen=f"127.0.0.1:{harness.free_port()}",
        upstreams=["127.0.0.1:8001", "127.0.0.1:8002"],
        static_root=tmp_path / "static",
        media_root=tmp_path / "media",
    )
    done = subprocess.run([harness.NGINX, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    text = conf.read_text()
    assert "internal;" in text and "server 127.0.0.1:8002" in text


def test_the_log_line_of_an_error_carries_the_id_its_answer_shows(client, world):
    from io import StringIO

    from core.observability import RequestIdFilter

    stream = StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        answer = client.get("/api/v1/photos/424242/")  # 401, logged by Django as a warning
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert answer.status_code == 401
    assert [line["request_id"] for line in lines] == [answer["X-Request-ID"]] == [answer.json()["request_id"]]


def test_a_bug_answers_500_in_the_error_shape_with_the_request_id(api, world, monkeypatch):
    from checklists import views

    def broken(self, request, pk):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views.PhotoDetailApi, "get", broken)
    api.raise_request_exception = False
    answer = api.as_(world.worker).get("/api/v1/photos/1/")
    assert answer.status_code == 500 and answer["Content-Type"] == "application/json"
    assert answer.json()["code"] == "server_error" and answer.json()["request_id"] == answer["X-Request-ID"]
