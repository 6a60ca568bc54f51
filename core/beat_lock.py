"""Exactly one Celery beat: a lock in Redis that a beat must hold to send anything.

`celery beat -S core.beat_lock.SingleBeatScheduler` (the setting CELERY_BEAT_SCHEDULER when
BEAT_LOCK_URL is set) takes the lock at each tick and renews it while it lives. A second beat,
started by mistake on another server, finds the lock held: it logs so once and sends nothing, and
takes over within LOCK_SECONDS when the first one dies. Without BEAT_LOCK_URL (the demo) there is no
lock: one process runs the beat there.
"""

import logging
import os
import socket
import uuid

import redis
from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)

LOCK_KEY = "mingbai:celery-beat"
LOCK_SECONDS = 30  # a dead beat's lock expires after this; a live one renews it every tick
RETRY_SECONDS = 5  # how often a waiting beat tries again

# Renew only our own lock; take a free one. Atomic in Redis.
_TAKE_OR_RENEW = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return 1
end
if not holder then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class BeatLock:
    def __init__(self, url: str, key: str = LOCK_KEY, seconds: int = LOCK_SECONDS):
        self.client = redis.Redis.from_url(url, socket_timeout=5)
        self.key, self.milliseconds = key, seconds * 1000
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"

    def hold(self) -> bool:
        """Take the lock, or renew it if ours; False while another beat holds it."""
        return bool(self.client.eval(_TAKE_OR_RENEW, 1, self.key, self.token, self.milliseconds))

    def holder(self) -> str | None:
        value = self.client.get(self.key)
        return value.decode() if value else None

    def release(self) -> None:
        self.client.eval(_RELEASE, 1, self.key, self.token)


class SingleBeatScheduler(DatabaseScheduler):
    """django-celery-beat's scheduler, sending only while it holds the beat lock."""

    def __init__(self, *args, **kwargs):
        self.lock = BeatLock(settings.BEAT_LOCK_URL)
        self.waiting = False
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs):
        try:
            held = self.lock.hold()
        except redis.RedisError:
            logger.exception("beat lock: Redis does not answer; sending nothing")
            return RETRY_SECONDS
        if not held:
            if not self.waiting:
                logger.warning("beat lock held by %s: this beat sends nothing while it lives", self.lock.holder())
            self.waiting = True
            return RETRY_SECONDS
        if self.waiting:
            logger.warning("beat lock taken: this beat now sends the schedule")
            self.waiting = False
        return min(super().tick(*args, **kwargs), LOCK_SECONDS / 3)

    def close(self):
        try:
            self.lock.release()
        except redis.RedisError:
            pass
        super().close()
