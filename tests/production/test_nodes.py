"""Production, started for real: DJANGO_DEBUG=0, gunicorn nodes behind Debian's nginx (generated
config, loopback port), PostgreSQL (a database cloned from the test database), Redis, and for
several nodes a moto S3 server as the object store. README "Production".
"""

import re
import threading
import uuid
from io import BytesIO

import httpx
import psycopg
import pytest
from django.utils import timezone
from PIL import Image

from tests.production import harness

# transaction=True: the test database exists and is left unused (its clone serves the nodes).
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def jpeg(color=(30, 120, 200)) -> bytes:
    out = BytesIO()
    Image.new("RGB", (640, 480), color).save(out, format="JPEG")
    return out.getvalue()


def submission(world: dict, photo_id: int | None = None, client_uuid: str | None = None) -> dict:
    results = [{"item": item, "value": "ok"} for item in world["items"]]
    if photo_id:
        results[0]["photos"] = [photo_id]
    return {
        "client_uuid": client_uuid or str(uuid.uuid4()),
        "template": world["template"],
        "post": world["post"],
        "started_at": timezone.now().isoformat(),
        "results": results,
    }


def upload(client, base, headers) -> dict:
    files = {"image": ("site.jpg", jpeg(), "image/jpeg")}
    response = client.post(
        f"{base}/api/v1/photos/", headers=headers, data={"client_uuid": str(uuid.uuid4())}, files=files
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def database(django_db_blocker):
    with django_db_blocker.unblock(), harness.cloned_database("nodes") as name:
        yield name


def test_one_server_behind_nginx_with_debug_off(database, collected_static, processes, tmp_path):
    harness.require_parts(nginx=True, redis=True)
    harness.redis_flush()
    env = harness.production_env(
        database, tmp_path / "node", STATIC_ROOT=str(collected_static), MEDIA_ACCEL_REDIRECT_PREFIX="/_media/"
    )
    world = harness.seed(env)
    node = harness.gunicorn_start(processes, "node", env)
    base = harness.nginx_start(processes, tmp_path, [node.address], collected_static, tmp_path / "node" / "media")
    client = httpx.Client(timeout=30, follow_redirects=False)

    # The phone page names its script and style by their hashed names, and nginx serves them for a year.
    page = client.get(f"{base}/s/{world['qr_token']}", follow_redirects=True)
    assert page.status_code == 200, page.text[:500]
    assets = re.findall(r'(/static/mobile/app\.[0-9a-f]{12}\.(?:js|css))"', page.text)
    assert assets, page.text[:2000]
    for asset in assets:
        served = client.get(base + asset, headers={"Accept-Encoding": "gzip"})
        assert served.status_code == 200 and served.content
        assert "immutable" in served.headers["cache-control"]
    assert client.get(f"{base}/static/mobile/app.js").status_code in (200, 404)  # the unhashed name is not linked

    # A worker submits a check with a photo.
    worker = harness.login(client, base, world["worker"], world["password"])
    photo = upload(client, base, worker)
    stored = client.post(f"{base}/api/v1/inspections/", headers=worker, json=submission(world, photo["id"]))
    assert stored.status_code == 201, stored.text

    # The officer sees it: the watermarked copies from the app, the stored file from nginx (X-Accel-Redirect).
    officer = harness.login(client, base, world["officer"], world["password"])
    record = client.get(f"{base}/api/v1/inspections/{stored.json()['id']}/", headers=officer).json()
    assert photo["id"] in [p for r in record["results"] for p in r["photos"]]
    shown = client.get(f"{base}/api/v1/photos/{photo['id']}/", headers=officer).json()
    for key in ("display", "thumbnail"):
        answer = client.get(shown[key], headers=officer)
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg", (key, answer.text[:300])
        assert Image.open(BytesIO(answer.content)).size[0] <= (1280 if key == "display" else 320)
    original = client.get(shown["image"], headers=officer)
    assert original.status_code == 200 and "x-accel-redirect" not in original.headers
    files = list((tmp_path / "node" / "media").rglob("*.jpg"))
    assert original.content in {f.read_bytes() for f in files}
    assert client.get(shown["image"]).status_code == 401  # no token, no photo
    internal = next(f for f in files).relative_to(tmp_path / "node" / "media")
    assert client.get(f"{base}/_media/{internal}").status_code == 404  # nginx's internal location

    assert client.get(f"{base}/healthz").json() == {"status": "ok", "database": "ok", "broker": "ok"}
    failed = client.get(f"{base}/api/v1/inspections/999999/", headers=officer)
    assert failed.status_code == 404 and failed.json()["request_id"] == failed.headers["x-request-id"]
    # nginx writes the access line after the answer has gone out (its log phase): wait for it.
    line = f"request_id={failed.headers['x-request-id']}"
    assert harness.wait_until(lambda: line in (tmp_path / "nginx" / "access.log").read_text(), seconds=5), line
    metrics = client.get(f"{base}/metrics").text
    assert "mingbai_submissions_stored_total 1.0" in metrics
    assert re.search(r'mingbai_http_requests_total\{method="POST",route="api/v1/photos/",status="201"\} 1\.0', metrics)
    assert 'mingbai_celery_queue_length{queue="celery"}' in metrics


def test_two_nodes_share_photos_lockouts_and_lose_no_acknowledged_record(
    database, collected_static, processes, tmp_path
):
    harness.require_parts(nginx=True, redis=True, moto=True)
    harness.redis_flush()
    bucket = "mingbai-photos"
    s3 = harness.moto_start(processes, bucket)
    nodes = []
    for name in ("a", "b"):
        env = harness.production_env(
            database,
            tmp_path / name,  # each node its own local folders: nothing shared but the services
            STATIC_ROOT=str(collected_static),
            LOGIN_FAILURE_LIMIT="4",
            **harness.s3_env(s3, bucket),
        )
        if name == "a":
            world = harness.seed(env)
        nodes.append(harness.gunicorn_start(processes, f"node-{name}", env))
    a, b = (f"http://{node.address}" for node in nodes)
    base = harness.nginx_start(processes, tmp_path, [n.address for n in nodes], collected_static, tmp_path / "a")
    client = httpx.Client(timeout=30)
    worker = harness.login(client, base, world["worker"], world["password"])

    # A photo uploaded through node a is served through node b: a signed URL of the object store.
    photo = upload(client, a, worker)
    redirect = client.get(f"{b}/api/v1/photos/{photo['id']}/original", headers=worker)
    assert redirect.status_code == 302 and redirect.headers["location"].startswith(s3), redirect.text
    assert "X-Amz-Expires=300" in redirect.headers["location"]
    signed = client.get(redirect.headers["location"])
    assert signed.status_code == 200 and Image.open(BytesIO(signed.content)).size == (640, 480)
    assert client.get(f"{b}/api/v1/photos/{photo['id']}/display.jpg", headers=worker).status_code == 200
    assert not list((tmp_path / "a").rglob("*.jpg")) and not list((tmp_path / "b").rglob("*.jpg"))

    # Node a is killed (SIGKILL, master and workers) while submissions go through nginx: the phone
    # sends again what got no answer (same client_uuid); every acknowledged record is stored once.
    acknowledged, lock = [], threading.Lock()

    def phone(index: int):
        body = submission(world)
        with httpx.Client(timeout=30) as own:
            for _ in range(5):
                try:
                    answer = own.post(f"{base}/api/v1/inspections/", headers=worker, json=body)
                except httpx.HTTPError:
                    continue
                if answer.status_code in (200, 201):
                    with lock:
                        acknowledged.append(body["client_uuid"])
                    return

    threads = [threading.Thread(target=phone, args=(i,)) for i in range(30)]
    for i, thread in enumerate(threads):
        thread.start()
        if i == 10:
            import os
            import signal

            os.killpg(nodes[0].pid, signal.SIGKILL)
    for thread in threads:
        thread.join(120)
    assert len(acknowledged) == 30  # node b took over
    with psycopg.connect(harness.pg_url(database)) as conn:
        stored = [row[0] for row in conn.execute("SELECT client_uuid::text FROM checklists_inspection")]
    assert sorted(stored) == sorted(acknowledged)  # each once, none lost

    # Failed logins count across nodes (Redis): the limit is 4, reached on node b and through nginx
    # together; then the right password is refused on either.
    for i, target in enumerate((b, base, b, base)):
        wrong = client.post(f"{target}/api/v1/auth/token/", json={"username": world["officer"], "password": "wrong!"})
        assert wrong.status_code in ((400, 401) if i < 3 else (400, 401, 429)), wrong.text
    locked = client.post(f"{b}/api/v1/auth/token/", json={"username": world["officer"], "password": world["password"]})
    assert locked.status_code == 429, locked.text
