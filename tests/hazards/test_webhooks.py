import base64
import hashlib
import hmac
import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from hazards import notifications, tasks, webhooks
from hazards.models import DeliveryStatus, Hazard, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests import factories
from tests.hazards.conftest import report
from tests.integration import ROBOT_OK, WebhookReceiver

PRINCIPAL_PHONE = "13800000001"
CONTROLLER_PHONE = "13900000002"


@pytest.fixture
def phones(world, staff):
    staff.principal.phone = PRINCIPAL_PHONE
    staff.principal.save(update_fields=["phone"])
    world.enterprise.actual_controller_phone = CONTROLLER_PHONE
    world.enterprise.save(update_fields=["actual_controller_phone"])
    return staff


@pytest.fixture
def robot(settings):
    with WebhookReceiver() as receiver:
        yield receiver.allow(settings)


def endpoint(enterprise, receiver, kind="wecom", secret="", **fields) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        enterprise=enterprise, name=f"{kind} 安全群", kind=kind, url=receiver.url, secret=secret, **fields
    )


def reported(world, capture, **kwargs) -> Hazard:
    """Report a hazard and run what its transaction enqueued (the deliveries, eagerly)."""
    with capture(execute=True):
        return report(world, **kwargs)


def attempts(delivery) -> list[tuple[bool, int | None]]:
    return list(WebhookAttempt.objects.filter(delivery=delivery).values_list("ok", "status_code"))


def test_a_major_hazard_reaches_a_wecom_robot_with_a_mention_of_the_principal_and_the_controller(
    world, phones, robot, django_capture_on_commit_callbacks
):
    endpoint(world.enterprise, robot)
    hazard = reported(world, django_capture_on_commit_callbacks, grade="major", location="液氯库")
    markdown, mention = (post["body"] for post in robot.posts)
    assert markdown["msgtype"] == "markdown" and set(markdown) == {"msgtype", "markdown"}
    content = markdown["markdown"]["content"]
    assert content.startswith("**重大隐患:消防通道堵塞**\n")
    assert "> 企业:" + world.enterprise.name in content and "> 位置:液氯库" in content
    assert "> 判定依据:安监总管三〔2017〕121号 第二项" in content
    assert mention == {
        "msgtype": "text",
        "text": {"content": "重大隐患:消防通道堵塞", "mentioned_mobile_list": [PRINCIPAL_PHONE, CONTROLLER_PHONE]},
    }
    deliveries = WebhookDelivery.objects.order_by("key")
    assert [(d.key, d.status, d.attempts) for d in deliveries] == [
        (f"hazard:{hazard.id}:reported", "delivered", 1),
        (f"hazard:{hazard.id}:reported:at", "delivered", 1),
    ]


def test_a_general_hazard_reaches_the_robot_without_mentions(world, phones, robot, django_capture_on_commit_callbacks):
    endpoint(world.enterprise, robot)
    reported(world, django_capture_on_commit_callbacks)
    (post,) = robot.posts
    assert post["body"]["markdown"]["content"].startswith("**新隐患:消防通道堵塞**")


def test_a_dingtalk_robot_gets_markdown_with_at_mobiles_and_a_verifiable_signature(
    world, phones, robot, django_capture_on_commit_callbacks
):
    secret = "SEC0123456789abcdef+/="
    endpoint(world.enterprise, robot, kind="dingtalk", secret=secret)
    with time_machine.travel(datetime(2024, 7, 3, 1, 0, tzinfo=UTC), tick=False):
        reported(world, django_capture_on_commit_callbacks, grade="major")
    (post,) = robot.posts
    body = post["body"]
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "重大隐患:消防通道堵塞"
    assert body["markdown"]["text"].startswith("#### 重大隐患:消防通道堵塞\n\n> 企业:")
    assert body["markdown"]["text"].endswith(f"@{PRINCIPAL_PHONE} @{CONTROLLER_PHONE}")
    assert "> 发现:" in body["markdown"]["text"] and "2024-07-03 09:00" in body["markdown"]["text"]
    assert body["at"] == {"atMobiles": [PRINCIPAL_PHONE, CONTROLLER_PHONE], "isAtAll": False}
    # The signature as 钉钉 checks it, computed here independently of the code under test.
    (timestamp,), (sign,) = post["query"]["timestamp"], post["query"]["sign"]
    assert timestamp == str(int(datetime(2024, 7, 3, 1, 0, tzinfo=UTC).timestamp() * 1000))
    expected = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    assert base64.b64decode(sign) == expected
    assert post["query"]["access_token"] == ["test"]


def test_a_dingtalk_robot_without_a_secret_is_called_on_its_plain_url(
    world, phones, robot, django_capture_on_commit_callbacks
):
    endpoint(world.enterprise, robot, kind="dingtalk")
    reported(world, django_capture_on_commit_callbacks)
    (post,) = robot.posts
    assert post["query"] == {"access_token": ["test"]} and post["body"]["at"]["atMobiles"] == []


def test_only_the_active_robots_of_the_hazards_own_enterprise_are_called(
    world, phones, robot, django_capture_on_commit_callbacks
):
    endpoint(world.enterprise, robot, active=False)
    endpoint(world.other_enterprise, robot)
    reported(world, django_capture_on_commit_callbacks, grade="major")
    assert robot.posts == [] and not WebhookDelivery.objects.exists()


def test_a_500_then_a_200_makes_two_attempts_and_delivers(world, phones, django_capture_on_commit_callbacks, settings):
    with WebhookReceiver([(500, "oops"), (200, ROBOT_OK)]) as robot:
        robot.allow(settings)
        endpoint(world.enterprise, robot)
        with time_machine.travel(datetime(2024, 7, 3, 1, 0, tzinfo=UTC)) as clock:
            reported(world, django_capture_on_commit_callbacks)
            delivery = WebhookDelivery.objects.get()
            assert (delivery.status, delivery.attempts) == ("pending", 1)
            assert delivery.next_attempt_at == WebhookAttempt.objects.get().at + webhooks.BACKOFF[0]
            assert webhooks.webhook_deliver(delivery_id=delivery.id) == "busy"  # not due yet
            assert tasks.retry_webhooks.delay().get() == 0
            clock.shift(timedelta(minutes=1, seconds=1))
            assert tasks.retry_webhooks.delay().get() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2) and delivery.delivered_at is not None
    assert attempts(delivery) == [(False, 500), (True, 200)]
    assert "HTTP 500" in WebhookAttempt.objects.first().error and robot.count() == 2


def test_an_answer_with_a_nonzero_errcode_is_retried(world, phones, django_capture_on_commit_callbacks, settings):
    refused = {"errcode": 310000, "errmsg": "sign not match"}
    with WebhookReceiver([(200, refused), (200, ROBOT_OK)]) as robot:
        robot.allow(settings)
        endpoint(world.enterprise, robot, kind="dingtalk", secret="wrong")
        with time_machine.travel(datetime(2024, 7, 3, 1, 0, tzinfo=UTC)) as clock:
            reported(world, django_capture_on_commit_callbacks)
            clock.shift(timedelta(minutes=2))
            tasks.retry_webhooks.delay()
    delivery = WebhookDelivery.objects.get()
    assert attempts(delivery) == [(False, 200), (True, 200)] and delivery.status == "delivered"
    assert "errcode 310000: sign not match" in WebhookAttempt.objects.first().error


def test_it_gives_up_after_the_last_attempt(world, phones, django_capture_on_commit_callbacks, settings):
    with WebhookReceiver([(502, {"errcode": -1})]) as robot:
        robot.allow(settings)
        endpoint(world.enterprise, robot)
        with time_machine.travel(datetime(2024, 7, 3, 1, 0, tzinfo=UTC)) as clock:
            reported(world, django_capture_on_commit_callbacks)
            for _ in range(10):
                clock.shift(timedelta(hours=3))
                tasks.retry_webhooks.delay()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", webhooks.MAX_ATTEMPTS)
    assert robot.count() == webhooks.MAX_ATTEMPTS == len(attempts(delivery))


def test_an_unreachable_robot_is_an_attempt_without_a_status(
    world, phones, django_capture_on_commit_callbacks, settings
):
    with WebhookReceiver() as robot:
        url = robot.allow(settings).url
    WebhookEndpoint.objects.create(enterprise=world.enterprise, name="gone", kind="wecom", url=url)
    reported(world, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    (attempt,) = WebhookAttempt.objects.all()
    assert (delivery.status, attempt.ok, attempt.status_code) == ("pending", False, None)
    assert attempt.error


def test_delivering_twice_posts_once(world, phones, robot, django_capture_on_commit_callbacks):
    endpoint(world.enterprise, robot)
    reported(world, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert webhooks.webhook_deliver(delivery_id=delivery.id) == "already delivered"
    assert tasks.deliver_webhook.delay(delivery.id).get() == "already delivered"
    assert robot.count() == 1 and WebhookAttempt.objects.count() == 1


def test_reporting_twice_stores_each_delivery_once(world, phones, robot, django_capture_on_commit_callbacks):
    endpoint(world.enterprise, robot)
    endpoint(world.enterprise, robot, kind="dingtalk")
    hazard = reported(world, django_capture_on_commit_callbacks, grade="major")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notifications.hazards_reported([Hazard.objects.get(pk=hazard.pk)])
    assert callbacks == [] and WebhookDelivery.objects.count() == 3 and robot.count() == 3


class Killed(BaseException):
    """The worker process dies (SIGKILL) in the middle of the POST."""


def test_a_delivery_whose_worker_died_after_claiming_it_is_sent_after_the_lease(world, phones, robot, monkeypatch):
    endpoint(world.enterprise, robot)
    monkeypatch.setattr(webhooks, "_enqueue", lambda ids: None)
    with time_machine.travel(datetime(2024, 7, 3, 1, 0, tzinfo=UTC)) as clock:
        report(world)
        monkeypatch.setattr(webhooks, "_post", lambda url, payload: (_ for _ in ()).throw(Killed()))
        delivery = WebhookDelivery.objects.get()
        with pytest.raises(Killed):
            webhooks.webhook_deliver(delivery_id=delivery.id)
        monkeypatch.undo()
        assert webhooks.webhook_deliver(delivery_id=delivery.id) == "busy"  # the dead worker's lease holds
        assert tasks.retry_webhooks.delay().get() == 0
        clock.shift(webhooks.LEASE + timedelta(seconds=1))
        assert tasks.retry_webhooks.delay().get() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, robot.count()) == ("delivered", 1, 1)


def test_a_delivery_that_could_not_be_enqueued_is_sent_by_the_retry_scan(
    world, phones, robot, monkeypatch, django_capture_on_commit_callbacks
):
    endpoint(world.enterprise, robot)

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.deliver_webhook, "delay", broker_down)
    reported(world, django_capture_on_commit_callbacks)
    monkeypatch.undo()
    assert robot.count() == 0 and WebhookDelivery.objects.get().status == "pending"
    assert tasks.retry_webhooks.delay().get() == 1
    assert robot.count() == 1 and WebhookDelivery.objects.get().status == "delivered"


def test_a_delivery_to_a_robot_switched_off_since_is_dropped(world, phones, robot, monkeypatch):
    hook = endpoint(world.enterprise, robot)
    monkeypatch.setattr(webhooks, "_enqueue", lambda ids: None)
    report(world)
    hook.active = False
    hook.save()
    delivery = WebhookDelivery.objects.get()
    assert webhooks.webhook_deliver(delivery_id=delivery.id) == "failed"
    assert robot.count() == 0 and WebhookDelivery.objects.get().status == DeliveryStatus.FAILED


def test_a_missing_delivery_is_nothing_to_do(db):
    assert webhooks.webhook_deliver(delivery_id=987654) == "missing"


def test_reporting_many_hazards_to_robots_takes_a_constant_number_of_queries(
    world, phones, robot, monkeypatch, django_assert_max_num_queries
):
    endpoint(world.enterprise, robot)
    endpoint(world.enterprise, robot, kind="dingtalk", secret="s")
    monkeypatch.setattr(webhooks, "_enqueue", lambda ids: None)
    counts = []
    for size in (1, 20):
        hazards = [
            Hazard.objects.create(
                enterprise=world.enterprise,
                grade="major" if n % 2 else "general",
                description=f"隐患{n}",
                source="ad_hoc",
                found_by=world.worker,
                found_at=datetime(2024, 7, 3, tzinfo=UTC),
            )
            for n in range(size)
        ]
        # members, enterprises, notifications sent already, new ones; people, robots, deliveries, their ids
        with django_assert_max_num_queries(8) as captured:
            notifications.hazards_reported(hazards)
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert WebhookDelivery.objects.count() == 2 * 21 + 10  # a 企业微信 mention message per major hazard


def test_an_enterprise_without_robots_costs_no_webhook_queries(world, staff, django_assert_max_num_queries):
    other = factories.EnterpriseFactory()
    with WebhookReceiver() as robot:
        endpoint(other, robot)
    hazard = Hazard.objects.create(
        enterprise=world.enterprise,
        grade="major",
        description="隐患",
        source="ad_hoc",
        found_by=world.worker,
        found_at=datetime(2024, 7, 3, tzinfo=UTC),
    )
    with django_assert_max_num_queries(4):  # members, enterprises, notifications sent already, new ones
        notifications.hazards_reported([hazard])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_holding_the_same_delivery_post_it_once(world, phones, robot, monkeypatch):
    endpoint(world.enterprise, robot)
    monkeypatch.setattr(webhooks, "_enqueue", lambda ids: None)
    report(world)
    delivery = WebhookDelivery.objects.get()
    barrier = threading.Barrier(2)
    waited = set()

    def now():
        # The first reading of the clock is where both workers have read the row and neither has claimed it.
        if threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            barrier.wait(10)
        return timezone.now()

    monkeypatch.setattr(webhooks, "timezone", SimpleNamespace(now=now))
    outcomes = []

    def worker():
        try:
            outcomes.append(webhooks.webhook_deliver(delivery_id=delivery.id))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["busy", "delivered"]
    assert robot.count() == 1 and WebhookAttempt.objects.count() == 1
