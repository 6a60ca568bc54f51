"""Celery tasks of the qr app: thin wrappers, each calling one service that is safe to run twice."""

from celery import shared_task

from qr import services


@shared_task
def render_card_sheet(sheet_id: int) -> str:
    return services.card_sheet_render(sheet_id=sheet_id)
