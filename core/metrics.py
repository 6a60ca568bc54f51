"""/metrics in the Prometheus text format (prometheus-client).

Counted in each process: requests and their latency per route (the URL pattern, not the path), and
submissions stored (a record submission answered 201: the record is committed before the answer).
Read at each scrape: the length of each Celery queue (Redis) and the webhook deliveries per status
(failed = given up after the last retry).

Several gunicorn workers: set PROMETHEUS_MULTIPROC_DIR to an empty folder (deploy/ does) and every
worker's counts are summed at the scrape. Answered only to METRICS_ALLOWED_ADDRESSES or with
`Authorization: Bearer <METRICS_TOKEN>`; anyone else gets the 404 of an unknown URL.
"""

import hmac
import ipaddress
import os

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

REQUESTS = Counter("mingbai_http_requests", "HTTP answers by route, method and status", ["route", "method", "status"])
LATENCY = Histogram(
    "mingbai_http_request_duration_seconds",
    "Time to answer, by route and method",
    ["route", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SUBMISSIONS = Counter("mingbai_submissions_stored", "Inspection records stored (submissions answered 201)")
SUBMIT_VIEW = "inspection-list"  # POST /api/v1/inspections/
METRICS_ROUTE = "metrics"


def request_observe(request, status: int, seconds: float) -> None:
    from core.observability import route_of

    route = route_of(request)
    if route == METRICS_ROUTE:
        return  # the scraper's own requests say nothing about the service
    REQUESTS.labels(route, request.method, str(status)).inc()
    LATENCY.labels(route, request.method).observe(seconds)
    view = getattr(getattr(request, "resolver_match", None), "view_name", "")
    if request.method == "POST" and status == 201 and view == SUBMIT_VIEW:
        SUBMISSIONS.inc()


class StateCollector:
    """Figures read when scraped: Celery queue lengths and webhook deliveries by status."""

    def collect(self):
        queues = GaugeMetricFamily("mingbai_celery_queue_length", "Tasks waiting in a Celery queue", labels=["queue"])
        for name, length in celery_queue_lengths().items():
            queues.add_metric([name], length)
        yield queues
        from hazards.models import WebhookDelivery

        deliveries = GaugeMetricFamily(
            "mingbai_webhook_deliveries", "Webhook deliveries by status (failed: given up)", labels=["status"]
        )
        counts = dict.fromkeys(("pending", "delivered", "failed"), 0)
        for row in WebhookDelivery.objects.values("status").order_by().annotate(n=_count()):
            counts[row["status"]] = row["n"]
        for status, n in sorted(counts.items()):
            deliveries.add_metric([status], n)
        yield deliveries


def _count():
    from django.db.models import Count

    return Count("id")


def celery_queue_lengths() -> dict[str, int]:
    """Waiting tasks per queue: a Redis list per queue (kombu's layout), or the filesystem broker's files."""
    names = sorted({getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")})
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        import redis

        client = redis.Redis.from_url(url, socket_timeout=2)
        try:
            return {name: int(client.llen(name)) for name in names}
        finally:
            client.close()
    folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in")
    if folder and os.path.isdir(folder):
        return {names[0]: sum(1 for entry in os.scandir(folder) if entry.name.endswith(".msg"))}
    return {}


def metrics_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    from core.auth import client_address

    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    for allowed in settings.METRICS_ALLOWED_ADDRESSES:
        try:
            if address in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            continue
    return False


@require_GET
def metrics_view(request):
    if not metrics_allowed(request):
        raise Http404()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    state = CollectorRegistry()
    state.register(StateCollector())
    body = generate_latest(counted) + generate_latest(state)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
