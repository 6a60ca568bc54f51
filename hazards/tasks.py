"""Celery tasks: thin wrappers, each calling one service that is safe to run twice.

The beat entries are in settings.CELERY_BEAT_SCHEDULE. Tasks are acknowledged late and rejected when
their worker dies (settings), so a task killed mid-run is delivered again and the service's claim
decides whether anything is left to do.
"""

from celery import shared_task

from hazards import escalation, webhooks


@shared_task
def deliver_webhook(delivery_id: int) -> str:
    return webhooks.webhook_deliver(delivery_id=delivery_id)


@shared_task
def retry_webhooks() -> int:
    return webhooks.webhooks_retry_due()


@shared_task
def remind_due_checks() -> int:
    return escalation.checks_remind_due()


@shared_task
def escalate_overdue_hazards() -> int:
    return escalation.hazards_escalate_overdue()


@shared_task
def remind_expiring_certificates() -> int:
    return escalation.certificates_remind_expiring()
