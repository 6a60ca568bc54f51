from datetime import timedelta

import time_machine
from django.conf import settings
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from backend.celery import app as celery_app
from hazards.models import Notification
from orgs.models import Role
from reports import tasks
from reports.models import MonthlyDispatch, WeeklyReport
from reports.selectors import period_figures
from tests import factories
from tests.reports.conftest import beijing


def run(task, at):
    with time_machine.travel(at, tick=False):
        return task.delay().get()


def test_beat_prepares_the_drafts_every_morning_on_beijing_time(transactional_db):
    DatabaseScheduler(app=celery_app)  # beat copies the settings' entries into its tables at start
    rows = {row.task: row for row in PeriodicTask.objects.select_related("crontab") if row.task.startswith("reports")}
    assert set(rows) == {"reports.tasks.prepare_weekly_reports", "reports.tasks.prepare_monthly_dispatches"}
    assert all(name in celery_app.tasks for name in rows)
    weekly = rows["reports.tasks.prepare_weekly_reports"].crontab
    monthly = rows["reports.tasks.prepare_monthly_dispatches"].crontab
    assert (weekly.minute, weekly.hour, weekly.day_of_week) == ("5", "8", "*")
    assert (monthly.minute, monthly.hour, monthly.day_of_month) == ("10", "8", "*")
    assert {str(row.crontab.timezone) for row in rows.values()} == {"Asia/Shanghai"}
    # The entries keep the names of the hazards shells they replace: existing beat tables are updated.
    names = {row.name for row in rows.values()}
    assert names == {"weekly-report-snapshot", "monthly-dispatch-snapshot"}
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert not {"countdown", "eta"} & set(entry.get("options", {}))


def test_monday_morning_makes_last_weeks_draft_for_every_enterprise_once(world, archive):
    monday = beijing(2024, 7, 8, 8, 5)
    assert run(tasks.prepare_weekly_reports, monday) == 2  # both enterprises
    assert run(tasks.prepare_weekly_reports, monday + timedelta(days=1)) == 0
    report = WeeklyReport.objects.get(enterprise=world.enterprise)
    assert (report.week, report.generated_by, report.status) == ("2024-W27", None, "draft")
    with time_machine.travel(monday, tick=False):
        expected = period_figures(enterprise=world.enterprise, period=_week27(world))
    assert report.figures == expected
    notices = sorted(Notification.objects.filter(kind="weekly_report").values_list("recipient_id", "key"))
    key = f"report:weekly:{world.enterprise.id}:2024-W27"
    assert notices == sorted((pk, key) for pk in (world.officer.id, archive.director.id, archive.principal.id))
    notice = Notification.objects.get(recipient=archive.principal, kind="weekly_report")
    assert notice.title == "周排查治理报告待填写签字(2024-W27)"
    assert "应检 15 次,按时完成 5 次,补录 1 次,缺失 9 次,未扫码 1 次" in notice.body
    assert "发现隐患 3 项(重大 1 项),销号 1 项" in notice.body


def test_a_missed_morning_is_made_good_the_next_day_and_a_manual_report_is_kept(api, world, archive):
    with time_machine.travel(beijing(2024, 7, 8, 7, 0), tick=False):
        made = api.as_(world.officer).post(
            "/api/v1/reports/weekly/", {"enterprise": world.enterprise.id, "week": "2024-W27"}
        )
    assert made.status_code == 201
    assert run(tasks.prepare_weekly_reports, beijing(2024, 7, 9, 8, 5)) == 1  # only the other enterprise
    assert WeeklyReport.objects.get(enterprise=world.enterprise).generated_by_id == world.officer.id
    assert not Notification.objects.filter(enterprise=world.enterprise, kind="weekly_report").exists()


def test_the_first_of_the_month_makes_last_months_dispatch_draft(world, archive):
    first = beijing(2024, 8, 1, 8, 10)
    assert run(tasks.prepare_monthly_dispatches, first) == 2
    assert run(tasks.prepare_monthly_dispatches, first + timedelta(days=3)) == 0
    dispatch = MonthlyDispatch.objects.get(enterprise=world.enterprise)
    assert dispatch.month == "2024-07" and dispatch.figures["checks"]["daily"]["expected"] == 62
    recipients = set(Notification.objects.filter(kind="monthly_report").values_list("recipient_id", flat=True))
    assert recipients == {archive.principal.id, archive.admin.id}
    assert run(tasks.prepare_monthly_dispatches, beijing(2024, 9, 1, 8, 10)) == 2  # August's


def test_each_enterprise_gets_the_period_of_its_own_time_zone(world, archive):
    far = factories.EnterpriseFactory(timezone="America/New_York")
    factories.MembershipFactory(enterprise=far, role=Role.PRINCIPAL)
    # Monday 1 July 08:05 in Beijing is still Sunday 30 June evening in New York: its last ended week is W25.
    assert run(tasks.prepare_weekly_reports, beijing(2024, 7, 1, 8, 5)) == 3
    assert WeeklyReport.objects.get(enterprise=far).week == "2024-W25"
    assert WeeklyReport.objects.get(enterprise=world.enterprise).week == "2024-W26"


def _week27(world):
    from checklists.periods import period_of

    return period_of("weekly", beijing(2024, 7, 3), world.enterprise.timezone)
