"""The morning peak of a city: many workers making their daily checks at once, as the phone page does.

Starts gunicorn (DEBUG off) on loopback against a fresh PostgreSQL database, seeds a city (enterprises,
posts with a published card and a QR code, half of them with an electronic fence, daily templates of 8
items, one worker per post, a safety officer per enterprise), then runs two closed-loop phases with the
same number of concurrent clients (threads with keep-alive connections, standard library only):

  1. a trivial authenticated endpoint (GET /api/v1/me/), the ceiling of this server;
  2. the morning mix: each daily check as a phone makes it, by a worker on their own post:
     POST /api/v1/scan/{token}/ (the scan event), then for 1 check in 10 a failed item with a photo
     (POST /api/v1/photos/, a small JPEG made in memory, each one different, with its EXIF time), then
     POST /api/v1/inspections/ citing the scan event, with the phone's position (inside the fence) on
     a fenced post.

Prints requests per second, p50/p99 latency and errors for GET /me/ and for each request of the mix,
the checks per second, the rows stored versus the answers acknowledged (records, scans, photos: must be
equal), the share of the records stored on site and flagged, and the ratios of the mix's requests and
of its checks per second to the trivial endpoint. Exits non-zero on any error or lost/duplicated row.

    .venv/bin/python bench/load.py --seconds 20
    .venv/bin/python bench/load.py --seconds 20 --clients 16 --gunicorn-workers 4 --enterprises 40
    .venv/bin/python bench/load.py --seconds 20 --failed-every 0        # no photos: scans and records only
    .venv/bin/python bench/load.py --seconds 20 --profile /tmp/spy      # py-spy on the workers (pip install py-spy)
    .venv/bin/python bench/load.py --seconds 20 --production            # nginx in front (deploy/nginx.py)

With --production the clients talk to Debian's nginx on --port, configured as in production
(deploy/nginx.py: keep-alive upstream, X-Request-ID, photos by X-Accel-Redirect), and gunicorn listens
behind it on another loopback port. Both modes end with the rows and bytes each stored record costs in
PostgreSQL (per table) and on disk (photos): the figures of the README's capacity table.

Not part of `make test`: it takes the whole machine for its duration.
"""

import argparse
import http.client
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-key-not-for-production-0123456789abcdef"
BEIJING = ZoneInfo("Asia/Shanghai")  # the server's TIME_ZONE: a photo's EXIF time is read in it
FAILED_EVERY = 10  # one check in ten has a failed item, with a photo
FENCE_CENTRE = (30.391830, 114.894843)  # Ezhou
FENCE_RADIUS_M = 150
# The phone's clock runs PHONE_BEHIND behind the server's (within INSPECTION_CLOCK_SKEW_SECONDS): the
# bench sends at once what a worker fills in over half a minute after the scan, and a record must not
# finish later than its receipt. started_at = scan - 39 s, finished_at = scan - 9 s: 30 s for 8 items.
PHONE_BEHIND, CHECK_SECONDS = timedelta(seconds=40), timedelta(seconds=30)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="length of each phase (bounded to 120)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (bounded to 64)")
    parser.add_argument("--gunicorn-workers", type=int, default=4)
    parser.add_argument("--enterprises", type=int, default=40)
    parser.add_argument("--posts", type=int, default=10, help="posts (and workers) per enterprise")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--failed-every", type=int, default=FAILED_EVERY, help="one check in N fails an item with a photo (0: none)"
    )
    parser.add_argument("--profile", metavar="DIR", help="py-spy the gunicorn workers during the mix into DIR")
    parser.add_argument("--production", action="store_true", help="nginx in front of gunicorn, as deploy/ runs it")
    parser.add_argument(
        "--database",
        default="postgres://postgres@127.0.0.1:5432/mingbai_bench",
        help="dropped and created again: never point this at real data",
    )
    args = parser.parse_args()
    args.seconds = min(args.seconds, 120)
    args.clients = max(1, min(args.clients, 64))
    return args


def server_env(args, var_dir: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CACHE_", "CELERY_"))}
    return env | {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": args.database,
        "DATABASE_CONN_MAX_AGE": "60",
        # Production refuses a per-process cache (login lockouts); the bench mints its tokens, so the
        # cache is never reached unless someone logs in.
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/15"),
        "MINGBAI_VAR_DIR": var_dir,
        "LOG_LEVEL": "WARNING",
    }


def recreate_database(url: str) -> None:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = conninfo_to_dict(url)["dbname"]
    assert name.startswith("mingbai_") and "bench" in name, "refusing to drop a database not named mingbai_*bench*"
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def seed(args) -> list[dict]:
    """A city of enterprises; returns one phone per worker: token, post, QR code, template, items, fence."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    django.setup()
    from django.core.management import call_command
    from rest_framework_simplejwt.tokens import AccessToken

    from cards.models import Card, CardVersion
    from checklists.models import ChecklistItem, ChecklistTemplate, ItemKind
    from orgs.models import Enterprise, Industry, Membership, Person, Post, Region, Role
    from qr.services import qr_token_issue
    from tests.factories import make_credit_code

    call_command("migrate", verbosity=0)
    city = Region.objects.create(code="420700", name="鄂州市")
    industry = Industry.objects.create(code="C26", name="化学原料和化学制品制造业", high_risk=True)
    phones = []
    for e in range(args.enterprises):
        enterprise = Enterprise.objects.create(
            name=f"压测企业{e}", credit_code=make_credit_code(e), region=city, industry=industry
        )
        template = ChecklistTemplate.objects.create(enterprise=enterprise, name="岗位日检", tier="daily")
        officer = Person.objects.create(username=f"o{e}", name=f"安全员{e}")  # told of the hazards found
        Membership.objects.create(person=officer, enterprise=enterprise, role=Role.SAFETY_OFFICER)
        items = [
            # The first item needs a photo when it fails (and opens a general hazard, the default).
            ChecklistItem(template=template, order=i, label=f"检查项{i}", kind=ItemKind.CHECK, photo_on_fail=i == 1)
            for i in range(1, 7)
        ]
        items.append(
            ChecklistItem(template=template, order=7, label="可燃气体", kind=ItemKind.NUMBER, min_value=0, max_value=99)
        )
        items.append(ChecklistItem(template=template, order=8, label="备注", kind=ItemKind.TEXT, required=False))
        items = ChecklistItem.objects.bulk_create(items)
        for p in range(args.posts):
            fenced = p % 2 == 0  # half of the posts have an electronic fence
            latitude, longitude = FENCE_CENTRE
            fence = {"fence_latitude": latitude, "fence_longitude": longitude, "fence_radius_m": FENCE_RADIUS_M}
            post = Post.objects.create(
                enterprise=enterprise, name=f"岗位{p}", risk_level="yellow", **(fence if fenced else {})
            )
            template.posts.add(post)
            card = Card.objects.create(post=post, enterprise=enterprise, duties=["按规程操作"])
            CardVersion.objects.create(card=card, version=1, content=card.content(), published_at=datetime.now(BEIJING))
            person = Person.objects.create(username=f"w{e}-{p}", name=f"工人{e}-{p}")
            Membership.objects.create(person=person, enterprise=enterprise, role=Role.WORKER)
            post.holders.add(person)
            phones.append(
                {
                    "token": str(AccessToken.for_user(person)),
                    "post": post.id,
                    "qr": qr_token_issue(post=post).token,
                    "fenced": fenced,
                    "template": template.id,
                    "items": [(item.id, item.kind) for item in items],
                }
            )
    # A city's workers are spread over its enterprises: arrivals do not come one enterprise at a time.
    random.Random(7).shuffle(phones)
    return phones


class Photos:
    """Small JPEGs (320 x 240, about 18 KB), each different (a random 48 x 36 colour grid, smoothed: no
    two of 90 within the reuse check's thresholds; a coarser 16 x 12 grid made regions that matched), with
    an EXIF time of now in Beijing time.
    Made before the mix so that the clients spend no CPU on them; more are made if they run out."""

    def __init__(self, count: int):
        self.lock = threading.Lock()
        self.made = [self.make() for _ in range(count)]

    @staticmethod
    def make() -> bytes:
        from PIL import Image

        image = Image.frombytes("RGB", (48, 36), os.urandom(48 * 36 * 3)).resize((320, 240), Image.BILINEAR)
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9003] = datetime.now(BEIJING).strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=80, exif=exif)
        return out.getvalue()

    def take(self) -> bytes:
        with self.lock:
            if self.made:
                return self.made.pop()
        return self.make()


def multipart(fields: dict, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="{filename}"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def daily_check(phone, *, scan: dict, photo: int | None) -> bytes:
    """The body the phone page sends: citing the scan event (and its token), with the phone's times and,
    on a fenced post, its position inside the fence; with `photo`, the first item failed with it."""
    results = []
    for item_id, kind in phone["items"]:
        value = {"check": "ok", "number": 12.5, "text": "正常"}[kind]
        results.append({"item": item_id, "value": value})
    if photo is not None:
        results[0] = {"item": results[0]["item"], "value": "not_ok", "note": "压力不足", "photos": [photo]}
    scanned = datetime.fromisoformat(scan["scanned_at"])
    body = {
        "client_uuid": str(uuid.uuid4()),
        "template": phone["template"],
        "post": phone["post"],
        "scan_token": phone["qr"],
        "scan_event": scan["id"],
        "started_at": (scanned - PHONE_BEHIND + timedelta(seconds=1)).isoformat(),
        "finished_at": (scanned - PHONE_BEHIND + timedelta(seconds=1) + CHECK_SECONDS).isoformat(),
        "results": results,
    }
    if phone["fenced"]:  # about 20 m from the centre, 15 m accuracy: inside a fence of 150 m
        latitude, longitude = FENCE_CENTRE
        body["position"] = {"latitude": latitude + 0.00015, "longitude": longitude + 0.0001, "accuracy": 15}
    return json.dumps(body).encode()


def morning_check(conn, phone, *, failed: bool, photos: Photos, record) -> bool:
    """One daily check as the phone makes it: the scan, a photo when an item fails, the record. Each
    request is `record`ed (kind, status, seconds); False when one of them failed (the check stops)."""
    headers = {"Authorization": f"Bearer {phone['token']}", "Host": "127.0.0.1"}

    def call(kind, method, url, body=None, content_type=None, ok=(201,)):
        sent = dict(headers, **({"Content-Type": content_type} if content_type else {}))
        started = time.perf_counter()
        conn.request(method, url, body=body, headers=sent)
        response = conn.getresponse()
        data = response.read()
        record(kind, response.status, time.perf_counter() - started)
        return json.loads(data) if response.status in ok else None

    scan = call("scan", "POST", f"/api/v1/scan/{phone['qr']}/")
    if scan is None:
        return False
    photo = None
    if failed:
        body, content_type = multipart({"client_uuid": str(uuid.uuid4())}, "photo.jpg", photos.take())
        uploaded = call("photo", "POST", "/api/v1/photos/", body, content_type)
        if uploaded is None:
            return False
        photo = uploaded["id"]
    body = daily_check(phone, scan=scan["scan_event"], photo=photo)
    return call("inspection", "POST", "/api/v1/inspections/", body, "application/json") is not None


def run_phase(args, phones, kind: str) -> dict:
    """Closed loop: each client runs one unit after the other (a GET /me/, or a morning check of
    several requests) until the deadline. Returns, per kind of request, its figures, and `units` done."""
    every = args.failed_every
    photos = Photos(int(args.seconds * 100 / every) + 50) if kind == "mix" and every else None
    deadline = time.monotonic() + args.seconds
    lock = threading.Lock()
    latencies, statuses, failures = {}, {}, []
    units = [0]

    def client(index: int):
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        turn = index
        mine_lat, mine_status, done = {}, {}, 0

        def record(name, status, seconds):
            mine_lat.setdefault(name, []).append(seconds)
            counts = mine_status.setdefault(name, {})
            counts[status] = counts.get(status, 0) + 1

        while time.monotonic() < deadline:
            phone = phones[turn % len(phones)]
            turn += args.clients
            try:
                if kind == "me":
                    started = time.perf_counter()
                    headers = {"Authorization": f"Bearer {phone['token']}", "Host": "127.0.0.1"}
                    conn.request("GET", "/api/v1/me/", headers=headers)
                    response = conn.getresponse()
                    response.read()
                    record("me", response.status, time.perf_counter() - started)
                    done += response.status == 200
                else:
                    failed = bool(every) and (turn // args.clients) % every == index % every
                    done += morning_check(conn, phone, failed=failed, photos=photos, record=record)
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
                with lock:
                    failures.append(repr(exc))
                continue
        conn.close()
        with lock:
            units[0] += done
            for name, values in mine_lat.items():
                latencies.setdefault(name, []).extend(values)
            for name, counts in mine_status.items():
                total = statuses.setdefault(name, {})
                for status, n in counts.items():
                    total[status] = total.get(status, 0) + n

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(args.seconds + 60)
    elapsed = time.monotonic() - started
    figures = {}
    for name in latencies:
        counts = statuses[name]
        quantiles = statistics.quantiles(latencies[name], n=100) if len(latencies[name]) >= 2 else [0] * 99
        ok = sum(n for s, n in counts.items() if 200 <= s < 300)
        figures[name] = {
            "requests": len(latencies[name]),
            "acknowledged": counts.get(201, 0) + counts.get(200, 0),
            "created": counts.get(201, 0),
            "errors": sum(n for s, n in counts.items() if not 200 <= s < 300),
            "statuses": dict(sorted(counts.items())),
            "rps": ok / elapsed,
            "p50_ms": quantiles[49] * 1000,
            "p99_ms": quantiles[98] * 1000,
        }
    ok_requests = sum(f["rps"] for f in figures.values())
    errors = sum(f["errors"] for f in figures.values()) + len(failures)
    return {
        "kinds": figures,
        "units_per_s": units[0] / elapsed,
        "rps": ok_requests,
        "errors": errors,
        "failures": failures[:5],
    }


def profile_workers(args, master: int) -> list:
    """py-spy (pip install py-spy; not a requirement) on each gunicorn worker for the mix phase: collapsed
    stacks in DIR/worker-<pid>.txt (--idle left out: time waiting for PostgreSQL is not counted)."""
    Path(args.profile).mkdir(parents=True, exist_ok=True)
    workers = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    spy = str(Path(sys.executable).parent / "py-spy")
    return [
        subprocess.Popen(
            [
                spy,
                "record",
                "--nonblocking",
                "--rate",
                "50",
                "--format",
                "raw",
                "--duration",
                str(int(args.seconds)),
                "--output",
                f"{args.profile}/worker-{pid}.txt",
                "--pid",
                pid,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in workers
    ]


def start_nginx(args, var_dir: str):
    """Debian's nginx on args.port with the production config (deploy/nginx.py); gunicorn behind it."""
    import shutil
    import socket

    sys.path.insert(0, str(ROOT))
    from deploy.nginx import nginx_conf

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        app_port = sock.getsockname()[1]
    os.environ["MEDIA_ACCEL_REDIRECT_PREFIX"] = "/_media/"
    os.environ["TRUSTED_PROXY_COUNT"] = "1"
    prefix = Path(var_dir) / "nginx"
    conf = nginx_conf(
        prefix=prefix,
        listen=f"127.0.0.1:{args.port}",
        upstreams=[f"127.0.0.1:{app_port}"],
        static_root=Path(var_dir) / "static",
        media_root=Path(os.environ.get("MEDIA_ROOT", Path(var_dir) / "media")),
        workers=1,
        user="root root" if os.geteuid() == 0 else None,
    )
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    nginx = subprocess.Popen([binary, "-c", str(conf), "-p", str(prefix), "-g", "daemon off;"])
    return nginx, app_port


def print_storage_per_record(records: int, var_dir: str) -> None:
    """Rows and bytes (heap, indexes, TOAST) per stored record of each table that grows with the
    records, and the photo bytes on disk: what the README's capacity table multiplies."""
    from django.db import connection

    if not records or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' "
            "AND c.relname ~ '^(checklists_(inspection|inspectionresult|inspectionresult_photos|scanevent|photo"
            "|photouse)|hazards_(hazard|notification|webhookdelivery))$' ORDER BY 1"
        )
        sizes = cursor.fetchall()
        total_rows = total_bytes = 0
        print(f"per stored record ({records} records), PostgreSQL:")
        for table, size in sizes:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            rows = cursor.fetchone()[0]
            total_rows, total_bytes = total_rows + rows, total_bytes + size
            print(f"    {table:36} {rows / records:6.2f} rows  {size / records:8.0f} bytes")
        print(f"    {'all of them':36} {total_rows / records:6.2f} rows  {total_bytes / records:8.0f} bytes")
    media = Path(os.environ.get("MEDIA_ROOT", Path(var_dir) / "media"))
    files = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    photo_bytes = sum(p.stat().st_size for p in files)
    if files:
        print(f"photos on disk: {len(files)} files (copies + thumbnails), {photo_bytes / records:.0f} bytes per record")


def wait_for_server(port: int, process) -> None:
    for _ in range(100):
        if process.poll() is not None:
            raise SystemExit("gunicorn exited at start")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/me/", headers={"Host": "127.0.0.1"})
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 20 seconds")


def main():
    args = parse_args()
    var_dir = tempfile.mkdtemp(prefix="mingbai-bench-")
    os.environ.update(server_env(args, var_dir))
    recreate_database(args.database)
    phones = seed(args)
    print(f"seeded {args.enterprises} enterprises, {len(phones)} workers; database {args.database}")

    from django.db import connection

    from checklists.models import Inspection, Photo, ScanEvent

    connection.close()
    nginx, app_port = None, args.port
    if args.production:
        nginx, app_port = start_nginx(args, var_dir)
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "backend.wsgi",
            "--bind",
            f"127.0.0.1:{app_port}",
            "--workers",
            str(args.gunicorn_workers),
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    try:
        wait_for_server(args.port, gunicorn)
        run_phase(argparse.Namespace(**{**vars(args), "seconds": 2}), phones, "me")  # warm-up, not counted
        trivial = run_phase(args, phones, "me")
        spies = profile_workers(args, gunicorn.pid) if args.profile else []
        mix = run_phase(args, phones, "mix")
        for spy in spies:
            spy.wait(60)
    finally:
        gunicorn.terminate()
        gunicorn.wait(30)
        if nginx is not None:
            nginx.terminate()
            nginx.wait(30)
    setup = f"clients {args.clients}, gunicorn {args.gunicorn_workers} workers x 4 threads"
    if args.production:
        setup += ", nginx in front"
    print(f"{setup}, {args.seconds:.0f} s per phase")
    names = {
        "me": "GET /api/v1/me/ (trivial)",
        "scan": "POST /api/v1/scan/{token}/",
        "photo": "POST /api/v1/photos/",
        "inspection": "POST /api/v1/inspections/",
    }
    for phase in (trivial, mix):
        for kind, f in phase["kinds"].items():
            print(
                f"{names[kind]:28} {f['rps']:7.1f} req/s  p50 {f['p50_ms']:6.1f} ms  p99 {f['p99_ms']:6.1f} ms  "
                f"errors {f['errors']}  statuses {f['statuses']}"
            )
        for failure in phase["failures"]:
            print(f"    failure: {failure}")
    kinds = mix["kinds"]
    print(
        f"morning mix: {mix['rps']:.1f} req/s, {mix['units_per_s']:.1f} checks/s (each: scan, "
        + (f"1 in {args.failed_every} a failed item with a photo, " if args.failed_every else "no photo, ")
        + "record)"
    )

    stored = {
        "inspection": Inspection.objects.count(),
        "scan": ScanEvent.objects.count(),
        "photo": Photo.objects.count(),
    }
    lost = {
        k: (n, kinds.get(k, {}).get("created", 0)) for k, n in stored.items() if n != kinds.get(k, {}).get("created", 0)
    }
    print(
        "rows stored = created (201): "
        + ", ".join(f"{k} {n} / {kinds.get(k, {}).get('created', 0)}" for k, n in stored.items())
    )
    records = stored["inspection"] or 1
    on_site = Inspection.objects.filter(on_site=True).count()
    flagged = Inspection.objects.filter(flagged=True).count()
    failed = Inspection.objects.filter(failed_count__gt=0).count()
    positioned = Inspection.objects.filter(position_latitude__isnull=False).count()
    print(
        f"records: on site {on_site} ({on_site / records:.0%}), flagged {flagged} ({flagged / records:.0%}), "
        f"with a failed item and its photo {failed} ({failed / records:.0%}), with a position {positioned} "
        f"({positioned / records:.0%})"
    )
    if flagged:
        codes = {}
        for flags in Inspection.objects.filter(flagged=True).values_list("flags", flat=True):
            for one in flags:
                codes[one["code"]] = codes.get(one["code"], 0) + 1
        print(f"    flags: {codes}")
    ratio = mix["rps"] / trivial["rps"] if trivial["rps"] else 0
    checks = mix["units_per_s"] / trivial["rps"] if trivial["rps"] else 0
    inspections = kinds.get("inspection", {}).get("rps", 0) / trivial["rps"] if trivial["rps"] else 0
    print(
        f"ratio mix requests/trivial {ratio:.2f} (goal >= 0.5); checks/trivial {checks:.2f}; "
        f"POST /inspections/ alone/trivial {inspections:.2f}"
    )
    print_storage_per_record(stored["inspection"], var_dir)
    if trivial["errors"] or mix["errors"] or lost:
        raise SystemExit(f"FAILED: errors, or rows stored differ from answers acknowledged {lost}")


if __name__ == "__main__":
    main()
