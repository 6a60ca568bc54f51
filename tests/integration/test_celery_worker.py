"""A real `celery worker` process on Redis and the PostgreSQL test database delivers a major hazard's
webhook to a local robot, and a worker killed mid-task leaves the task to a fresh worker, which
delivers it once (acks_late + reject_on_worker_lost + a short visibility timeout)."""

import os
import signal
import socket
import subprocess
import sys
import time
from importlib import import_module
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection

from hazards.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from orgs.models import Role
from tests import factories
from tests.conftest import require_service
from tests.integration import WebhookReceiver

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REDIS = ("127.0.0.1", 6379)
BROKER_URL = "redis://127.0.0.1:6379/15"  # a database of its own, flushed around each test
WAIT = 60  # seconds, for anything a test waits for
VISIBILITY_TIMEOUT = 3  # seconds before Redis hands a dead worker's task to another


def redis_reachable() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
        return True
    except OSError:
        return False


def worker_database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(condition, what: str, timeout: float = WAIT, explain=lambda: ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"waited {timeout} s for {what}\n{explain()}")


class Processes:
    """Workers (and one-off commands) against the test database and the test broker; all killed at the end."""

    def __init__(self, logs: Path, broker):
        self.logs = logs
        self.broker = broker
        self.running: list[subprocess.Popen] = []

    def env(self, **extra) -> dict:
        return {
            **os.environ,
            "DATABASE_URL": worker_database_url(),
            "CELERY_BROKER_URL": BROKER_URL,
            "CELERY_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "DJANGO_SETTINGS_MODULE": "backend.settings",
            # The local robot's origin, put on the allow-list by the `robot` fixture, for the workers too.
            "WEBHOOK_ALLOWED_ORIGINS": ",".join(settings.WEBHOOK_ALLOWED_ORIGINS),
            **extra,
        }

    def worker(self, name: str, delay: int = 0) -> tuple[subprocess.Popen, Path]:
        """A worker; with `delay`, one that stops that many seconds in webhook_deliver before it claims
        the delivery (tests/integration/slow_worker.py), for the test to kill it there."""
        log = self.logs / f"{name}.log"
        entry = ["-m", "tests.integration.slow_worker"] if delay else ["-m", "celery", "-A", "backend"]
        command = [sys.executable, *entry, "worker", "--pool", "solo", "--concurrency", "1"]
        command += ["-l", "info", "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        with open(log, "w") as out:
            process = subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                env=self.env(SLOW_WORKER_DELAY=str(delay)),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed whole
            )
        self.running.append(process)
        started = lambda: process.poll() is not None or " ready." in log.read_text()  # noqa: E731
        wait_for(started, f"{name} to start", explain=self.explain)
        assert process.poll() is None, log.read_text()
        return process, log

    def shell(self, code: str) -> str:
        """Run Python in a fresh Django process configured like the workers (enqueues to Redis)."""
        done = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=settings.BASE_DIR,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=WAIT,
        )
        assert done.returncode == 0, done.stderr
        (self.logs / "shell.log").write_text(done.stderr)
        return done.stdout.strip()

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=WAIT)

    def explain(self) -> str:
        """The logs of every process so far and what the broker holds, for a failure message."""
        logs = "".join(f"--- {log.name}\n{log.read_text()}\n" for log in sorted(self.logs.glob("*.log")))
        keys = self.broker.keys("*")
        return f"{logs}--- broker keys: {keys}, queue length: {self.broker.llen('celery')}"

    def kill_all(self) -> None:
        for process in self.running:
            self.kill(process)


@pytest.fixture
def broker():
    require_service(redis_reachable(), "needs Redis on 127.0.0.1:6379 for the real Celery worker test")
    import redis

    client = redis.Redis.from_url(BROKER_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def processes(transactional_db, broker, tmp_path):
    # Depends on the database fixture so the workers die before the test database is flushed.
    running = Processes(tmp_path, broker)
    try:
        yield running
    finally:
        running.kill_all()


@pytest.fixture
def robot(settings):
    with WebhookReceiver() as receiver:
        yield receiver.allow(settings)


@pytest.fixture
def enterprise_with_robot(robot):
    """An enterprise with a member who reports, a principal and a controller to mention, a 钉钉 robot."""
    # The judgment standards come from a data migration; an earlier transactional test's flush emptied
    # the table, so seed them again (the migration's own function, idempotent) for the major hazard.
    import_module("hazards.migrations.0004_seed_judgment_standards").seed(apps, None)
    enterprise = factories.EnterpriseFactory(actual_controller_phone="13900000002")
    reporter = factories.MembershipFactory(enterprise=enterprise, role=Role.SAFETY_OFFICER).person
    principal = factories.MembershipFactory(enterprise=enterprise, role=Role.PRINCIPAL).person
    principal.phone = "13800000001"
    principal.save(update_fields=["phone"])
    WebhookEndpoint.objects.create(
        enterprise=enterprise, name="钉钉安全群", kind="dingtalk", url=robot.url, secret="SECtest"
    )
    return enterprise, reporter


def report_major_hazard(processes: Processes, enterprise, reporter) -> int:
    """Report through the service in another process: its transaction enqueues the delivery on commit."""
    code = (
        "from hazards import services\n"
        "from hazards.models import JudgmentClause\n"
        "from orgs.models import Enterprise, Person\n"
        f"hazard = services.hazard_report(by=Person.objects.get(pk={reporter.pk}), data={{"
        f"'enterprise': Enterprise.objects.get(pk={enterprise.pk}), 'grade': 'major',"
        "'description': '液氯储罐区泄漏报警失效', 'basis_clause': JudgmentClause.objects.get("
        "standard__issuing_order='安监总管三〔2017〕121号', number='第五项')})\n"
        "print(hazard.pk)\n"
    )
    return int(processes.shell(code).splitlines()[-1])


def delivered() -> WebhookDelivery | None:
    return WebhookDelivery.objects.filter(status="delivered").first()


def test_a_worker_delivers_a_major_hazard_to_the_robot_once(processes, robot, enterprise_with_robot):
    processes.worker("steady")
    hazard_id = report_major_hazard(processes, *enterprise_with_robot)
    delivery = wait_for(delivered, "the delivery", explain=processes.explain)
    time.sleep(2)  # room for a duplicate to show up
    assert robot.count() == 1
    body = robot.posts[0]["body"]
    assert body["msgtype"] == "markdown" and body["at"]["atMobiles"] == ["13800000001", "13900000002"]
    assert {"timestamp", "sign"} <= set(robot.posts[0]["query"])
    assert delivery.key == f"hazard:{hazard_id}:reported" and delivery.attempts == 1
    assert list(WebhookAttempt.objects.values_list("ok", "status_code")) == [(True, 200)]


def test_a_task_whose_worker_is_killed_mid_task_reruns_on_a_fresh_worker_and_delivers_once(
    processes, robot, enterprise_with_robot
):
    doomed, log = processes.worker("doomed", delay=30)  # sleeps in webhook_deliver before claiming
    report_major_hazard(processes, *enterprise_with_robot)
    arrived = lambda: "deliver_webhook[" in log.read_text()  # noqa: E731
    wait_for(arrived, "the task to arrive", explain=processes.explain)
    time.sleep(1)  # now inside the task's sleep
    processes.kill(doomed)
    assert robot.count() == 0
    assert list(WebhookDelivery.objects.values_list("status", "attempts")) == [("pending", 0)]

    _fresh, fresh_log = processes.worker("fresh")  # gets the unacknowledged task after the visibility timeout
    delivery = wait_for(delivered, "the rerun to deliver", explain=processes.explain)
    time.sleep(2)
    assert robot.count() == 1 and delivery.attempts == 1
    assert "deliver_webhook[" in fresh_log.read_text()  # the same task, run again by the fresh worker
    assert WebhookAttempt.objects.count() == 1
