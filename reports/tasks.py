"""Celery tasks: thin wrappers over reports.services, safe to run twice (beat entries in
settings.CELERY_BEAT_SCHEDULE). They scan: each run prepares whatever draft of the last ended week or
month is still missing, so a run that beat skipped is made good by the next one."""

from celery import shared_task

from reports import services


@shared_task
def prepare_weekly_reports() -> int:
    return services.weekly_reports_prepare()


@shared_task
def prepare_monthly_dispatches() -> int:
    return services.monthly_dispatches_prepare()
