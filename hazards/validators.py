"""Where a group robot may be: the official 企业微信 and 钉钉 robot hosts, over https (issue 11).

A robot URL is checked against WEBHOOK_ALLOWED_ORIGINS when it is saved (the model field's validator,
so the admin and any form) and again before every delivery (hazards.webhooks), so that a row stored
before the rule, or written around the validation, never makes the worker call another address.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DEFAULT_PORTS = {"https": 443, "http": 80}


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a URL that names a plain origin, or None: no user part, no backslash,
    no blanks or control characters, nothing that parsers read differently."""
    if not isinstance(url, str) or "\\" in url or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return None
    try:
        split = urlsplit(url)
        port = split.port
    except ValueError:
        return None
    scheme, host = split.scheme.lower(), (split.hostname or "")
    if scheme not in DEFAULT_PORTS or not host or "@" in split.netloc:
        return None
    return scheme, host, port or DEFAULT_PORTS[scheme]


def allowed_origins() -> set[tuple[str, str, int]]:
    return {origin for origin in map(_origin, settings.WEBHOOK_ALLOWED_ORIGINS) if origin}


def robot_url_allowed(url: str) -> bool:
    """Whether the worker may post to `url`: its scheme, host and port are those of an allowed origin."""
    origin = _origin(url)
    return origin is not None and origin in allowed_origins()


def validate_robot_url(url: str) -> None:
    if not robot_url_allowed(url):
        hosts = "、".join(sorted(f"{scheme}://{host}" for scheme, host, _port in allowed_origins()))
        raise ValidationError(
            _("群机器人地址只能是企业微信或钉钉的官方地址(%(hosts)s)。") % {"hosts": hosts},
            code="robot_url_not_allowed",
        )
