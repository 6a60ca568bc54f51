"""Starting the real parts for the production tests: PostgreSQL databases cloned from the test
database, Redis databases 11-13, a moto S3 server, gunicorn app nodes and nginx in front, each on a
free loopback port, each stopped (and its database dropped) at the end.

Every test here skips with a reason when a part is missing, and fails instead on CI
(MINGBAI_REQUIRE_SERVICES=1, tests.conftest.require_service).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from deploy.nginx import nginx_conf
from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REDIS_BASE = os.environ.get("MINGBAI_TEST_REDIS", "redis://127.0.0.1:6379")
CACHE_DB, BROKER_DB, LOCK_DB = 11, 12, 13  # this suite's Redis databases


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(f"{REDIS_BASE}/{CACHE_DB}", socket_timeout=1).ping())
    except Exception:
        return False


def redis_flush() -> None:
    import redis

    for db in (CACHE_DB, BROKER_DB, LOCK_DB):
        redis.Redis.from_url(f"{REDIS_BASE}/{db}").flushdb()


def require_parts(*, nginx=False, redis=False, moto=False):
    if nginx:
        require_service(os.path.exists(NGINX), "needs nginx (apt-get install nginx; .ci/run installs it)")
    if redis:
        require_service(redis_up(), f"needs Redis at {REDIS_BASE}")
    if moto:
        try:
            import moto.server  # noqa: F401

            ok = True
        except ImportError:
            ok = False
        require_service(ok, "needs moto[server] (requirements-dev.txt)")


def wait_http(url: str, *, seconds: float = 30, process=None, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the process ended ({process.returncode}): {tail(log)}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s: {tail(log)}")


def wait_until(condition, *, seconds: float) -> bool:
    """Whether `condition()` came true within `seconds` (asked every 0.1 s): for what another process
    writes after it has answered, such as nginx's access line."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def tail(log: Path | None, lines: int = 30) -> str:
    if log is None or not log.exists():
        return ""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


# --- PostgreSQL ------------------------------------------------------------------------------------


def pg_admin():
    """A connection to the server's maintenance database, autocommit."""
    import psycopg
    from django.db import connection

    params = connection.settings_dict
    return psycopg.connect(
        dbname="postgres",
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        autocommit=True,
    )


def pg_url(name: str) -> str:
    from django.db import connection

    p = connection.settings_dict
    auth = p["USER"] + (f":{p['PASSWORD']}" if p["PASSWORD"] else "")
    return f"postgres://{auth}@{p['HOST'] or '127.0.0.1'}:{p['PORT'] or 5432}/{name}"


def scratch_database_name(suffix: str) -> str:
    """<the configured database>_<suffix>: mingbai_prod_nodes on a laptop, mingbai_nodes on CI."""
    from django.conf import settings

    configured = settings.DATABASES["default"].get("TEST", {}).get("NAME") or settings.DATABASES["default"]["NAME"]
    base = configured.removeprefix("test_")
    return f"{base}_{suffix}"


@contextmanager
def cloned_database(suffix: str, *, empty: bool = False):
    """A new database: a copy of the (migrated, empty) test database, or an empty one; dropped after."""
    from django.db import connections

    template = connections["default"].settings_dict["NAME"]
    name = scratch_database_name(suffix)
    for conn in connections.all():
        conn.close()  # CREATE DATABASE ... TEMPLATE needs the template unused
    with pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"' + ("" if empty else f' TEMPLATE "{template}"'))
    try:
        yield name
    finally:
        with pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_manage(args: list[str], env: dict, *, timeout: float = 120) -> str:
    done = subprocess.run(
        [str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)}: {done.stdout}\n{done.stderr}")
    return done.stdout


def seed(env: dict, records: int = 0) -> dict:
    done = subprocess.run(
        [str(BIN / "python"), str(Path(__file__).with_name("seed.py")), str(records)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- processes -------------------------------------------------------------------------------------


@dataclass
class Processes:
    folder: Path
    started: list = field(default_factory=list)

    def start(self, name: str, argv: list[str], env: dict | None = None) -> subprocess.Popen:
        log = self.folder / f"{name}.log"
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=open(log, "wb"),  # noqa: SIM115 - closed with the process
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log = log
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.started):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for process in self.started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def moto_start(processes: Processes, bucket: str) -> str:
    port = free_port()
    process = processes.start("moto", [str(BIN / "python"), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)])
    url = f"http://127.0.0.1:{port}"
    wait_http(url, process=process, log=process.log)
    import boto3

    s3 = boto3.client(
        "s3", endpoint_url=url, aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    s3.create_bucket(Bucket=bucket)
    return url


def s3_env(url: str, bucket: str) -> dict:
    return {
        "STORAGE_S3_BUCKET": bucket,
        "STORAGE_S3_ENDPOINT_URL": url,
        "STORAGE_S3_REGION": "us-east-1",
        "STORAGE_S3_ACCESS_KEY_ID": "test",
        "STORAGE_S3_SECRET_ACCESS_KEY": "test",
        "STORAGE_S3_ADDRESSING_STYLE": "path",
    }


def production_env(database: str, folder: Path, **extra) -> dict:
    """The environment of a production node: DEBUG off, PostgreSQL, Redis, nginx in front."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "STORAGE_S3_", "PYTEST"))}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="production-test-secret-key-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=pg_url(database),
        CACHE_URL=f"{REDIS_BASE}/{CACHE_DB}",
        CELERY_BROKER_URL=f"{REDIS_BASE}/{BROKER_DB}",
        BEAT_LOCK_URL=f"{REDIS_BASE}/{LOCK_DB}",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        TRUSTED_PROXY_COUNT="1",
        MINGBAI_VAR_DIR=str(folder),
        MEDIA_ROOT=str(folder / "media"),
        STATIC_ROOT=str(folder / "static"),
        LOG_LEVEL="WARNING",
        CELERY_TASK_ALWAYS_EAGER="1",  # no worker in these tests: webhooks and reports run in the request
    )
    env.update(extra)
    return env


def gunicorn_start(processes: Processes, name: str, env: dict, *, workers: int = 2) -> str:
    port = free_port()
    metrics = Path(env["MINGBAI_VAR_DIR"]) / "metrics"
    metrics.mkdir(parents=True, exist_ok=True)
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers)}
    env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
    process = processes.start(name, [str(BIN / "gunicorn"), "backend.wsgi", "-c", "deploy/gunicorn.conf.py"], env)
    wait_http(f"http://127.0.0.1:{port}/healthz", process=process, log=process.log, seconds=60)
    process.address = f"127.0.0.1:{port}"
    return process


def nginx_start(processes: Processes, folder: Path, upstreams: list[str], static_root: Path, media_root: Path) -> str:
    port = free_port()
    conf = nginx_conf(
        prefix=folder / "nginx",
        listen=f"127.0.0.1:{port}",
        upstreams=upstreams,
        static_root=static_root,
        media_root=media_root,
        workers=1,
        user="root root" if os.geteuid() == 0 else None,
    )
    process = processes.start("nginx", [NGINX, "-c", str(conf), "-p", str(folder / "nginx"), "-g", "daemon off;"])
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/healthz", process=process, log=folder / "nginx" / "error.log")
    return url


def login(client: httpx.Client, base: str, username: str, password: str) -> dict:
    response = client.post(f"{base}/api/v1/auth/token/", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access']}"}
