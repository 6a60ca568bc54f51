"""Celery tasks of the core app; the beat entries are in settings.CELERY_BEAT_SCHEDULE."""

from celery import shared_task

from core import auth


@shared_task
def flush_expired_tokens() -> int:
    return auth.tokens_flush_expired()
