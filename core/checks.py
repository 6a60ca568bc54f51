"""Deployment checks of our own, run by `manage.py check --deploy`."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def login_throttle_cache(app_configs, **kwargs):
    """Login throttling counts attempts in the cache: a per-process cache lets a password guesser
    multiply the allowed rate by the number of web processes. Production sets CACHE_URL (Redis)."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith(("RedisCache", "MemcachedCache", "PyMemcacheCache", "PyLibMCCache")):
        return []
    return [
        Warning(
            "The cache is not shared between processes, so login throttling is per process.",
            hint="Set CACHE_URL to a Redis URL, e.g. redis://127.0.0.1:6379/1.",
            id="mingbai.W001",
        )
    ]
