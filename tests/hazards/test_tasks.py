import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from backend.celery import app as celery_app
from checklists.selectors import DueStatus, checklists_due
from hazards import escalation, services, tasks
from hazards.models import Hazard, HazardEvent, Notification, WebhookDelivery, WebhookEndpoint
from tests import factories
from tests.checklists.conftest import submission
from tests.hazards.conftest import assign, fresh, report, submit
from tests.integration import WebhookReceiver

SCHEDULED = {
    "hazards.tasks.retry_webhooks",
    "hazards.tasks.remind_due_checks",
    "hazards.tasks.escalate_overdue_hazards",
    "hazards.tasks.remind_expiring_certificates",
}
DEADLINE = datetime(2024, 7, 10, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


def run(task, at: datetime):
    with time_machine.travel(at, tick=False):
        return task.delay().get()


def notices(kind: str) -> list[tuple[int, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient_id", "key"))


def beijing(*args) -> datetime:
    """An instant given as Beijing wall time (UTC+8, no DST)."""
    return datetime(*args, tzinfo=UTC) - timedelta(hours=8)


# ---------------------------------------------------------------------------------------------
# The schedule


def test_the_beat_schedule_runs_the_scheduled_tasks_on_beijing_time(transactional_db):
    # transactional: the scheduler closes "old" connections, which ends a test transaction.
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai" == str(celery_app.timezone)
    DatabaseScheduler(app=celery_app)  # beat copies the settings' entries into its tables at start
    rows = {row.task: row for row in PeriodicTask.objects.select_related("crontab") if row.task.startswith("hazards")}
    assert set(rows) == SCHEDULED
    assert {str(row.crontab.timezone) for row in rows.values()} == {"Asia/Shanghai"}
    assert all(name in celery_app.tasks for name in rows)
    # The weekly and monthly drafts are the reports app's (tests/reports/test_tasks.py).


def test_the_scheduled_tasks_use_no_countdowns():
    # Redis re-delivers a task whose countdown outlives the visibility timeout: beat scans instead.
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert not {"countdown", "eta"} & set(entry.get("options", {}))


# ---------------------------------------------------------------------------------------------
# Overdue escalation


@pytest.fixture
def late(world, staff) -> Hazard:
    """A general hazard the worker must rectify by DEADLINE."""
    with time_machine.travel(DEADLINE - timedelta(days=2), tick=False):
        return assign(report(world), by=world.officer, responsible=world.worker, days=2)


def escalations(hazard) -> list[tuple]:
    return list(
        HazardEvent.objects.filter(hazard=hazard, action="escalate").values_list(
            "from_status", "to_status", "actor_id", "note"
        )
    )


def test_an_overdue_hazard_climbs_from_the_responsible_to_the_officers_to_the_principal(world, staff, late):
    assert run(tasks.escalate_overdue_hazards, DEADLINE - timedelta(minutes=1)) == 0
    assert run(tasks.escalate_overdue_hazards, DEADLINE + timedelta(minutes=1)) == 1
    level_1 = f"hazard:{late.id}:overdue:1:{DEADLINE.isoformat()}"
    assert notices("hazard_overdue") == [(world.worker.id, level_1)]
    assert Notification.objects.get(key=level_1).body == "整改期限 2024-07-10 10:00 已到,尚未整改完成。"
    assert run(tasks.escalate_overdue_hazards, DEADLINE + timedelta(hours=23)) == 0
    assert run(tasks.escalate_overdue_hazards, DEADLINE + timedelta(days=1, minutes=1)) == 1
    level_2 = f"hazard:{late.id}:overdue:2:{DEADLINE.isoformat()}"
    assert set(notices("hazard_overdue")) == {
        (world.worker.id, level_1),
        (world.officer.id, level_2),
        (staff.director.id, level_2),
    }
    assert run(tasks.escalate_overdue_hazards, DEADLINE + timedelta(days=3, minutes=1)) == 1
    level_3 = f"hazard:{late.id}:overdue:3:{DEADLINE.isoformat()}"
    assert (staff.principal.id, level_3) in notices("hazard_overdue") and len(notices("hazard_overdue")) == 4
    assert run(tasks.escalate_overdue_hazards, DEADLINE + timedelta(days=30)) == 0  # the top rung
    assert Hazard.objects.get(pk=late.pk).escalation_level == 3
    assert escalations(late) == [
        ("rectifying", "rectifying", None, "逾期升级至第1级,通知整改责任人。"),
        ("rectifying", "rectifying", None, "逾期升级至第2级,通知安全员、安全总监。"),
        ("rectifying", "rectifying", None, "逾期升级至第3级,通知主要负责人。"),
    ]
    (message,) = Notification.objects.filter(recipient=staff.principal, kind="hazard_overdue")
    assert message.title == "隐患逾期未整改:消防通道堵塞" and "已逾期 3 天" in message.body
    assert "2024-07-10 10:00" in message.body  # the deadline in Beijing time


def test_escalating_twice_at_the_same_moment_notifies_once(world, staff, late):
    assert run(tasks.escalate_overdue_hazards, DEADLINE + timedelta(days=1, hours=1)) == 1
    before = (notices("hazard_overdue"), escalations(late))
    assert run(tasks.escalate_overdue_hazards, DEADLINE + timedelta(days=1, hours=1)) == 0
    assert (notices("hazard_overdue"), escalations(late)) == before


def test_a_hazard_found_days_overdue_passes_every_rung_at_once(world, staff, late):
    assert run(tasks.escalate_overdue_hazards, DEADLINE + timedelta(days=4)) == 1
    assert {recipient for recipient, _key in notices("hazard_overdue")} == {
        world.worker.id,
        world.officer.id,
        staff.director.id,
        staff.principal.id,
    }
    assert len(escalations(late)) == 3 and Hazard.objects.get(pk=late.pk).escalation_level == 3


def test_a_closed_hazard_is_not_escalated_and_one_awaiting_acceptance_is(api, world, staff, late):
    with time_machine.travel(DEADLINE - timedelta(days=1), tick=False):
        other = assign(report(world), by=world.officer, responsible=world.worker, days=1)  # due at DEADLINE too
        submit(api, late, by=world.worker)
        services.hazard_accept(hazard=submit(api, other, by=world.worker), by=fresh(world.officer))
    assert run(tasks.escalate_overdue_hazards, DEADLINE + timedelta(hours=1)) == 1
    assert Hazard.objects.get(pk=late.pk).status == "pending_acceptance" and len(escalations(late)) == 1
    assert escalations(other) == []


def test_a_new_deadline_starts_a_new_ladder(world, staff, late):
    run(tasks.escalate_overdue_hazards, DEADLINE + timedelta(days=1, hours=1))
    with time_machine.travel(DEADLINE + timedelta(days=2), tick=False):
        again = assign(Hazard.objects.get(pk=late.pk), by=world.officer, responsible=world.worker, days=1)
    assert again.escalation_level == 0
    assert run(tasks.escalate_overdue_hazards, again.deadline + timedelta(minutes=1)) == 1
    keys = {key for recipient, key in notices("hazard_overdue") if recipient == world.worker.id}
    assert keys == {
        f"hazard:{late.id}:overdue:1:{DEADLINE.isoformat()}",
        f"hazard:{late.id}:overdue:1:{again.deadline.isoformat()}",
    }


def test_an_escalation_reaches_the_robot_and_mentions_whom_it_escalates_to(
    world, staff, late, django_capture_on_commit_callbacks, settings
):
    staff.director.phone = "13700000003"
    staff.director.save(update_fields=["phone"])
    with WebhookReceiver() as robot:
        robot.allow(settings)
        WebhookEndpoint.objects.create(enterprise=world.enterprise, name="钉钉群", kind="dingtalk", url=robot.url)
        with django_capture_on_commit_callbacks(execute=True):
            run(tasks.escalate_overdue_hazards, DEADLINE + timedelta(days=1, hours=1))
        with django_capture_on_commit_callbacks(execute=True):
            run(tasks.escalate_overdue_hazards, DEADLINE + timedelta(days=1, hours=2))
    (post,) = robot.posts
    text = post["body"]["markdown"]["text"]
    assert post["body"]["markdown"]["title"] == "隐患逾期未整改:消防通道堵塞"
    assert "> 整改期限:2024-07-10 10:00(已逾期 1 天)" in text and "> 升级:第2级,通知安全员、安全总监" in text
    assert post["body"]["at"]["atMobiles"] == ["13700000003"]
    assert WebhookDelivery.objects.get().key == f"hazard:{late.id}:overdue:2:{DEADLINE.isoformat()}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_escalating_at_once_escalate_once(world, staff, monkeypatch):
    with time_machine.travel(DEADLINE - timedelta(days=2), tick=False):
        hazard = assign(report(world), by=world.officer, responsible=world.worker, days=2)
    barrier = threading.Barrier(2)
    target_level = escalation._target_level

    def both_have_read(deadline, now):
        barrier.wait(10)  # each worker has read the hazard at level 0 before either claims it
        return target_level(deadline, now)

    monkeypatch.setattr(escalation, "_target_level", both_have_read)
    moved = []

    def worker():
        try:
            moved.append(escalation.hazards_escalate_overdue(now=DEADLINE + timedelta(days=1, hours=1)))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(moved) == [0, 1]
    assert len(escalations(hazard)) == 2 and len(notices("hazard_overdue")) == 3


# ---------------------------------------------------------------------------------------------
# Reminders for checks still due


def test_a_daily_check_still_due_two_hours_before_midnight_is_reminded_once(world, daily):
    assert run(tasks.remind_due_checks, beijing(2024, 7, 3, 21, 59)) == 0
    assert run(tasks.remind_due_checks, beijing(2024, 7, 3, 22, 0)) == 1
    assert run(tasks.remind_due_checks, beijing(2024, 7, 3, 22, 30)) == 0
    key = f"due:{world.post.id}:{daily.template.id}:2024-07-03"
    assert notices("check_due") == [(world.worker.id, key)]
    (message,) = Notification.objects.filter(kind="check_due")
    assert message.title == f"请完成日管控:反应釜岗位日检({world.post.name})"
    assert message.body == "本期(2024-07-03)尚无检查记录,截止 2024-07-04 00:00。"
    assert message.enterprise_id == world.enterprise.id
    assert run(tasks.remind_due_checks, beijing(2024, 7, 4, 0, 10)) == 0  # a new day, far from its end


def test_a_check_recorded_in_its_period_is_not_reminded(api, world, daily):
    with time_machine.travel(beijing(2024, 7, 3, 20, 0), tick=False):
        assert api.as_(world.worker).post("/api/v1/inspections/", submission(daily, world.post)).status_code == 201
    assert run(tasks.remind_due_checks, beijing(2024, 7, 3, 23, 0)) == 0
    assert run(tasks.remind_due_checks, beijing(2024, 7, 4, 23, 0)) == 1  # the next day is due again


def test_weekly_and_monthly_checks_are_reminded_on_their_last_day(world):
    weekly = factories.TemplateFactory(enterprise=world.enterprise, posts=[world.post], tier="weekly")
    # The principal-led quarterly inspection runs monthly in a high-risk industry (the factory's).
    quarterly = factories.TemplateFactory(enterprise=world.enterprise, posts=[world.post], tier="quarterly")
    factories.TemplateFactory(enterprise=world.enterprise, posts=[world.post], tier="weekly", active=False)
    assert run(tasks.remind_due_checks, beijing(2024, 7, 6, 23, 59)) == 0  # Saturday
    assert run(tasks.remind_due_checks, beijing(2024, 7, 7, 0, 0)) == 1  # Sunday, the week's last day
    assert run(tasks.remind_due_checks, beijing(2024, 7, 31, 9, 0)) == 1  # July's last day
    assert notices("check_due") == sorted(
        [
            (world.worker.id, f"due:{world.post.id}:{weekly.id}:2024-W27"),
            (world.worker.id, f"due:{world.post.id}:{quarterly.id}:2024-07"),
        ]
    )
    # The same verdict as the post's due list.
    with time_machine.travel(beijing(2024, 7, 31, 9, 0), tick=False):
        due = checklists_due(post=world.post)
    assert [(d.template.id, d.period.key) for d in due if d.status == DueStatus.DUE] == [
        (quarterly.id, "2024-07"),
        (weekly.id, "2024-W31"),
    ]


def test_reminders_go_to_every_holder_and_take_a_constant_number_of_queries(world, django_assert_max_num_queries):
    counts = []
    for size in (1, 8):
        template = factories.TemplateFactory(enterprise=world.enterprise)
        for _n in range(size):
            post = factories.PostFactory(enterprise=world.enterprise)
            post.holders.add(factories.PersonFactory(), factories.PersonFactory())
            template.posts.add(post)
        Notification.objects.all().delete()
        with time_machine.travel(beijing(2024, 7, 3, 23, 0), tick=False):
            # links, records, holders, notifications sent already, new ones; a savepoint and its release
            with django_assert_max_num_queries(7) as captured:
                made = escalation.checks_remind_due()
        counts.append(len(captured))
        assert (
            made
            == Notification.objects.count()
            == 2 * world.enterprise.posts.filter(checklist_templates__isnull=False).count()
        )
    assert counts[0] == counts[1]


def test_the_reminder_window_follows_the_enterprise_time_zone(world, daily):
    world.enterprise.timezone = "Asia/Urumqi"  # UTC+6: its midnight is two hours after Beijing's
    world.enterprise.save(update_fields=["timezone"])
    assert run(tasks.remind_due_checks, beijing(2024, 7, 3, 23, 30)) == 0  # 21:30 in Urumqi
    assert run(tasks.remind_due_checks, beijing(2024, 7, 4, 0, 30)) == 1  # 22:30 in Urumqi, 3 July
    assert notices("check_due")[0][1].endswith(":2024-07-03")


# ---------------------------------------------------------------------------------------------
# Every task twice


def test_every_scheduled_task_run_twice_notifies_and_delivers_once(world, staff, late, daily):
    WebhookEndpoint.objects.create(enterprise=world.enterprise, name="群", kind="wecom", url="http://127.0.0.1:9/x")
    sunday_night = beijing(2024, 7, 14, 23, 0)  # the day's check is due, the hazard days late
    names = sorted(SCHEDULED)
    for name in names:
        run(celery_app.tasks[name], sunday_night)
    first = (
        sorted(Notification.objects.values_list("recipient_id", "key")),
        sorted(WebhookDelivery.objects.values_list("endpoint_id", "key")),
        HazardEvent.objects.count(),
    )
    for name in names:
        run(celery_app.tasks[name], sunday_night)
    second = (
        sorted(Notification.objects.values_list("recipient_id", "key")),
        sorted(WebhookDelivery.objects.values_list("endpoint_id", "key")),
        HazardEvent.objects.count(),
    )
    assert first == second
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {"hazard_overdue", "check_due"} <= kinds
