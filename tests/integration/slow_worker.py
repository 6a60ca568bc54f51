"""A Celery worker whose webhook_deliver stops for $SLOW_WORKER_DELAY seconds each time it reads the
clock: the first time is after it has read the delivery and before it claims it, where
tests/integration/test_celery_worker.py kills it. Test code only: production code has no such hook.

    python -m tests.integration.slow_worker worker --pool solo ...   (the arguments of `celery worker`)
"""

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django.setup()

from django.utils import timezone  # noqa: E402

from backend.celery import app  # noqa: E402
from hazards import webhooks  # noqa: E402


class SlowClock:
    def __init__(self, delay: float):
        self.delay = delay

    def now(self):
        time.sleep(self.delay)
        return timezone.now()


if __name__ == "__main__":
    webhooks.timezone = SlowClock(float(os.environ["SLOW_WORKER_DELAY"]))
    app.worker_main(sys.argv[1:])
