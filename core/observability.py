"""Seeing it run: a request id on every request (in the logs, the X-Request-ID header and error bodies),
JSON log lines, and the Prometheus metrics answered at /metrics (core.metrics).

The request id is nginx's ($request_id, passed as X-Request-ID) when it looks like one, else a new one:
a support call quoting the id of an error answer finds the nginx access line and the app's log lines.
"""

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar

from django.urls import Resolver404, resolve

_request_id: ContextVar[str] = ContextVar("request_id", default="")
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    """The id of the request this thread is answering; "" outside a request (commands, Celery)."""
    return _request_id.get()


def route_of(request) -> str:
    """The URL pattern that answered (api/v1/photos/<int:pk>/display.jpg), never the path itself: one
    series per route, not per object id. "unmatched" for a 404 of an unknown URL."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return "unmatched"
    return match.route or match.view_name or "unmatched"


class RequestObservationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if REQUEST_ID_PATTERN.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        # Not reset on the way out: Django logs "Bad Request: ..." after the middleware returned, and that
        # line needs the id too; the next request in this thread sets its own.
        _request_id.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        from core import metrics  # imports the models' apps: not at settings time

        metrics.request_observe(request, response.status_code, time.perf_counter() - started)
        response["X-Request-ID"] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every log record (request_id; "-" outside a request)."""

    def filter(self, record):
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id, and the traceback if any."""

    def format(self, record):
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id() or None,
        }
        for key in ("status_code", "method", "path"):
            if hasattr(record, key):
                line[key] = getattr(record, key)
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            line.setdefault("method", request.method)
            line.setdefault("path", request.path)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)

    converter = time.gmtime
