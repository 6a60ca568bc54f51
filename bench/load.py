"""The morning peak of a city: many workers submitting their daily checks at once.

Starts gunicorn (DEBUG off) on loopback against a fresh PostgreSQL database, seeds a city (enterprises,
posts, daily templates of 8 items, one worker per post), then runs two closed-loop phases with the same
number of concurrent clients (threads with keep-alive connections, standard library only):

  1. a trivial authenticated endpoint (GET /api/v1/me/), the ceiling of this server;
  2. daily-check submissions (POST /api/v1/inspections/), each from a worker on their own post.

Prints requests per second, p50/p99 latency and errors for both, the rows stored versus the 201/200
acknowledged (must be equal), and the ratio of submission throughput to the trivial endpoint.
Exits non-zero on any error or lost/duplicated row.

    .venv/bin/python bench/load.py --seconds 20
    .venv/bin/python bench/load.py --seconds 20 --clients 16 --gunicorn-workers 4 --enterprises 40

Not part of `make test`: it takes the whole machine for its duration.
"""

import argparse
import http.client
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
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-key-not-for-production-0123456789abcdef"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="length of each phase (bounded to 120)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (bounded to 64)")
    parser.add_argument("--gunicorn-workers", type=int, default=4)
    parser.add_argument("--enterprises", type=int, default=40)
    parser.add_argument("--posts", type=int, default=10, help="posts (and workers) per enterprise")
    parser.add_argument("--port", type=int, default=8765)
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
    assert name.startswith("mingbai_bench"), "refusing to drop a database not named mingbai_bench*"
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def seed(args) -> list[dict]:
    """A city of enterprises; returns one phone per worker: token, post, template, items."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    django.setup()
    from django.core.management import call_command
    from rest_framework_simplejwt.tokens import AccessToken

    from checklists.models import ChecklistItem, ChecklistTemplate, ItemKind
    from orgs.models import Enterprise, Industry, Membership, Person, Post, Region, Role
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
        items = [
            ChecklistItem(template=template, order=i, label=f"检查项{i}", kind=ItemKind.CHECK) for i in range(1, 7)
        ]
        items.append(
            ChecklistItem(template=template, order=7, label="可燃气体", kind=ItemKind.NUMBER, min_value=0, max_value=99)
        )
        items.append(ChecklistItem(template=template, order=8, label="备注", kind=ItemKind.TEXT, required=False))
        items = ChecklistItem.objects.bulk_create(items)
        for p in range(args.posts):
            post = Post.objects.create(enterprise=enterprise, name=f"岗位{p}", risk_level="yellow")
            template.posts.add(post)
            person = Person.objects.create(username=f"w{e}-{p}", name=f"工人{e}-{p}")
            Membership.objects.create(person=person, enterprise=enterprise, role=Role.WORKER)
            post.holders.add(person)
            phones.append(
                {
                    "token": str(AccessToken.for_user(person)),
                    "post": post.id,
                    "template": template.id,
                    "items": [(item.id, item.kind) for item in items],
                }
            )
    # A city's workers are spread over its enterprises: arrivals do not come one enterprise at a time.
    random.Random(7).shuffle(phones)
    return phones


def daily_check(phone) -> bytes:
    results = []
    for item_id, kind in phone["items"]:
        value = {"check": "ok", "number": 12.5, "text": "正常"}[kind]
        results.append({"item": item_id, "value": value})
    body = {
        "client_uuid": str(uuid.uuid4()),
        "template": phone["template"],
        "post": phone["post"],
        "started_at": datetime.now(UTC).isoformat(),
        "results": results,
    }
    return json.dumps(body).encode()


def run_phase(args, phones, kind: str) -> dict:
    deadline = time.monotonic() + args.seconds
    lock = threading.Lock()
    latencies, statuses, failures = [], {}, []

    def client(index: int):
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        turn = index
        mine_lat, mine_status = [], {}
        while time.monotonic() < deadline:
            phone = phones[turn % len(phones)]
            turn += args.clients
            headers = {"Authorization": f"Bearer {phone['token']}", "Host": "127.0.0.1"}
            started = time.perf_counter()
            try:
                if kind == "me":
                    conn.request("GET", "/api/v1/me/", headers=headers)
                else:
                    headers["Content-Type"] = "application/json"
                    conn.request("POST", "/api/v1/inspections/", body=daily_check(phone), headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
                with lock:
                    failures.append(repr(exc))
                continue
            mine_lat.append(time.perf_counter() - started)
            mine_status[status] = mine_status.get(status, 0) + 1
        conn.close()
        with lock:
            latencies.extend(mine_lat)
            for status, n in mine_status.items():
                statuses[status] = statuses.get(status, 0) + n

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(args.seconds + 60)
    elapsed = time.monotonic() - started
    ok = sum(n for s, n in statuses.items() if 200 <= s < 300)
    errors = sum(n for s, n in statuses.items() if not 200 <= s < 300) + len(failures)
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [0] * 99
    return {
        "requests": len(latencies) + len(failures),
        "ok": ok,
        "acknowledged": statuses.get(201, 0) + statuses.get(200, 0),
        "errors": errors,
        "statuses": dict(sorted(statuses.items())),
        "failures": failures[:5],
        "rps": ok / elapsed,
        "p50_ms": quantiles[49] * 1000,
        "p99_ms": quantiles[98] * 1000,
    }


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

    from checklists.models import Inspection

    connection.close()
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "backend.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
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
        submit = run_phase(args, phones, "submit")
    finally:
        gunicorn.terminate()
        gunicorn.wait(30)
    stored = Inspection.objects.count()
    ratio = submit["rps"] / trivial["rps"] if trivial["rps"] else 0
    setup = f"clients {args.clients}, gunicorn {args.gunicorn_workers} workers x 4 threads"
    print(f"{setup}, {args.seconds:.0f} s per phase")
    for name, phase in (("GET /api/v1/me/ (trivial)", trivial), ("POST /api/v1/inspections/", submit)):
        print(
            f"{name:28} {phase['rps']:7.1f} req/s  p50 {phase['p50_ms']:6.1f} ms  p99 {phase['p99_ms']:6.1f} ms  "
            f"errors {phase['errors']}  statuses {phase['statuses']}"
        )
        for failure in phase["failures"]:
            print(f"    failure: {failure}")
    print(f"rows stored {stored}, acknowledged (201/200) {submit['acknowledged']}")
    print(f"ratio submissions/trivial {ratio:.2f} (goal >= 0.5)")
    if trivial["errors"] or submit["errors"] or stored != submit["acknowledged"]:
        raise SystemExit("FAILED: errors, or rows stored differ from submissions acknowledged")


if __name__ == "__main__":
    main()
