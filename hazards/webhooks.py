"""Outgoing messages to the group robots of 企业微信 and 钉钉.

A message becomes one WebhookDelivery per active robot of the enterprise, unique on (endpoint, key),
so whatever sends it twice stores it once. Deliveries are posted by Celery after the sender's
transaction commits; each try is a WebhookAttempt; failures wait with a backoff and the beat task
`retry_webhooks` picks up whatever is due (no long countdowns), until MAX_ATTEMPTS tries.
"""

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from hazards.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookKind
from hazards.validators import robot_url_allowed

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
# Waits after the 1st, 2nd, ... failed try; the try after the last wait is the last one.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = len(BACKOFF) + 1
# A claimed delivery is left alone this long; if its worker died, the retry scan takes it up after.
LEASE = timedelta(seconds=6 * TIMEOUT_SECONDS)
TEXT_LIMIT = 3000  # both robots refuse long messages (钉钉 markdown: 5000 bytes)


@dataclass
class RobotMessage:
    """What a robot says for one event: a title, markdown lines, and the phones it @-mentions."""

    enterprise_id: int
    key: str
    title: str
    lines: list[str] = field(default_factory=list)
    mobiles: list[str] = field(default_factory=list)


def _mobiles(message: RobotMessage) -> list[str]:
    return list(dict.fromkeys(m.strip() for m in message.mobiles if m and m.strip()))


def wecom_payloads(message: RobotMessage) -> list[tuple[str, dict]]:
    """企业微信 markdown cannot mention by phone, so mentions go in a second, text message."""
    content = "\n".join([f"**{message.title}**", *(f"> {line}" for line in message.lines)])[:TEXT_LIMIT]
    payloads = [(message.key, {"msgtype": "markdown", "markdown": {"content": content}})]
    mobiles = _mobiles(message)
    if mobiles:
        text = {"content": message.title, "mentioned_mobile_list": mobiles}
        payloads.append((f"{message.key}:at", {"msgtype": "text", "text": text}))
    return payloads


def dingtalk_payloads(message: RobotMessage) -> list[tuple[str, dict]]:
    # 钉钉 shows an @ only if the phone also appears in the text.
    mobiles = _mobiles(message)
    parts = [f"#### {message.title}", *(f"> {line}" for line in message.lines)]
    if mobiles:
        parts.append(" ".join(f"@{m}" for m in mobiles))
    payload = {
        "msgtype": "markdown",
        "markdown": {"title": message.title, "text": "\n\n".join(parts)[:TEXT_LIMIT]},
        "at": {"atMobiles": mobiles, "isAtAll": False},
    }
    return [(message.key, payload)]


PAYLOADS = {WebhookKind.WECOM: wecom_payloads, WebhookKind.DINGTALK: dingtalk_payloads}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉 加签: base64 of HMAC-SHA256 over "{timestamp}\\n{secret}", keyed with the secret."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_url(endpoint: WebhookEndpoint) -> str:
    """The URL to post to; a 钉钉 robot with a secret needs a fresh signature (valid for an hour)."""
    if endpoint.kind != WebhookKind.DINGTALK or not endpoint.secret:
        return endpoint.url
    timestamp = int(timezone.now().timestamp() * 1000)
    query = urllib.parse.urlencode({"timestamp": timestamp, "sign": dingtalk_sign(endpoint.secret, timestamp)})
    return f"{endpoint.url}{'&' if '?' in endpoint.url else '?'}{query}"


def webhooks_enqueue(messages: list[RobotMessage]) -> list[int]:
    """Store one delivery per active robot of each message's enterprise and post them after commit.

    Three queries whatever the number of messages; none beyond the first when no robot is set up.
    Returns the ids of the deliveries this call created.
    """
    if not messages:
        return []
    endpoints = list(WebhookEndpoint.objects.filter(enterprise_id__in={m.enterprise_id for m in messages}, active=True))
    if not endpoints:
        return []
    now = timezone.now()
    rows = {}
    for message in messages:
        for endpoint in endpoints:
            if endpoint.enterprise_id != message.enterprise_id:
                continue
            for key, payload in PAYLOADS[endpoint.kind](message):
                rows[(endpoint.id, key)] = WebhookDelivery(
                    endpoint=endpoint, key=key, payload=payload, next_attempt_at=now, created_at=now
                )
    # A row that exists already (the same message sent before, or by a concurrent twin) is kept as is.
    WebhookDelivery.objects.bulk_create(rows.values(), ignore_conflicts=True)
    created = WebhookDelivery.objects.filter(
        endpoint_id__in={endpoint_id for endpoint_id, _key in rows},
        key__in={key for _endpoint_id, key in rows},
        created_at=now,
        status=DeliveryStatus.PENDING,
    ).values_list("id", "endpoint_id", "key")
    ids = [pk for pk, endpoint_id, key in created if (endpoint_id, key) in rows]
    if ids:
        transaction.on_commit(lambda: _enqueue(ids))
    return ids


def _enqueue(ids: list[int]) -> None:
    from hazards.tasks import deliver_webhook  # tasks import this module

    for delivery_id in ids:
        try:
            deliver_webhook.delay(delivery_id)
        except Exception:
            # The broker is down: the row stays pending and due, so retry_webhooks sends it later.
            logger.exception("could not enqueue webhook delivery %s", delivery_id)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a way elsewhere: the 3xx comes back as an HTTPError (a failed try)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(url: str, payload: dict) -> tuple[int | None, str, str]:
    """POST the JSON payload; returns (HTTP status or None, response body, error). Redirects are not
    followed. The body is only read to judge the answer: it is never stored (see _judge)."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:  # checked: robot_url_allowed
            return response.status, response.read(65536).decode("utf-8", "replace"), ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(65536).decode("utf-8", "replace"), f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, "", f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"


ERRMSG_LIMIT = 100


def _platform_code(body: str) -> tuple[int | None, str]:
    """(errcode, "errcode N: errmsg") from the JSON both robots answer with, or (None, "") for anything
    else. Nothing else of an answer is kept: what a server says beyond its error code is never stored."""
    try:
        answer = json.loads(body)
    except ValueError:
        return None, ""
    if not isinstance(answer, dict) or type(answer.get("errcode")) is not int:
        return None, ""
    code, message = answer["errcode"], answer.get("errmsg")
    if isinstance(message, str) and message.strip():
        return code, f"errcode {code}: {message.strip()[:ERRMSG_LIMIT]}"
    return code, f"errcode {code}"


def _judge(status: int | None, body: str, error: str) -> str:
    """ "" when the robot took the message: a 2xx whose JSON says errcode 0, as both robots answer.
    Otherwise what went wrong: the HTTP status (or the connection error) and the platform's errcode."""
    code, text = _platform_code(body)
    if error or not 200 <= (status or 0) < 300:
        failure = error or f"HTTP {status}"
        return f"{failure}, {text}" if text else failure
    if code is None:
        return "answer is not the robots' JSON"
    return "" if code == 0 else text


def webhook_deliver(*, delivery_id: int) -> str:
    """Post one delivery once. Returns what happened: delivered, retry, failed, or why nothing was done
    (missing, already delivered/failed, busy: another worker holds it or it is not due yet)."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:
        return "missing"
    if delivery.status != DeliveryStatus.PENDING:
        return f"already {delivery.status}"
    now = timezone.now()
    # Claim by an optimistic update: of two workers holding the same delivery, one updates the row
    # and the other finds it leased; a worker that dies after this leaves it to the retry scan.
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.PENDING, attempts=delivery.attempts, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return "busy"
    endpoint = delivery.endpoint
    if not endpoint.active:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
        return "failed"
    if not robot_url_allowed(endpoint.url):
        # A row from before the rule, or written around the validation: refused without a request.
        return _refuse(delivery, endpoint)
    started = time.monotonic()
    status, body, error = _post(signed_url(endpoint), delivery.payload)
    duration_ms = int((time.monotonic() - started) * 1000)
    return _record(delivery, status=status, error=_judge(status, body, error), duration_ms=duration_ms)


@transaction.atomic
def _refuse(delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> str:
    WebhookAttempt.objects.create(
        delivery=delivery,
        at=timezone.now(),
        ok=False,
        status_code=None,
        error="not sent: the robot URL is not allowed (WEBHOOK_ALLOWED_ORIGINS)",
        duration_ms=0,
    )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, attempts=delivery.attempts + 1)
    logger.warning("webhook delivery %s refused: robot %s has a URL off the allow-list", delivery.pk, endpoint.pk)
    return "refused"


@transaction.atomic
def _record(delivery: WebhookDelivery, *, status: int | None, error: str, duration_ms: int) -> str:
    now = timezone.now()
    WebhookAttempt.objects.create(
        delivery=delivery, at=now, ok=not error, status_code=status, error=error, duration_ms=duration_ms
    )
    attempts = delivery.attempts + 1
    row = WebhookDelivery.objects.filter(pk=delivery.pk)
    if not error:
        row.update(status=DeliveryStatus.DELIVERED, attempts=attempts, delivered_at=now)
        return "delivered"
    if attempts >= MAX_ATTEMPTS:
        row.update(status=DeliveryStatus.FAILED, attempts=attempts)
        logger.warning("webhook delivery %s failed after %s attempts: %s", delivery.pk, attempts, error)
        return "failed"
    row.update(attempts=attempts, next_attempt_at=now + BACKOFF[attempts - 1])
    return "retry"


def webhooks_retry_due(*, limit: int = 500) -> int:
    """Enqueue the pending deliveries whose next try is due (failed before, or enqueued while the broker
    was down, or claimed by a worker that died); returns how many."""
    due = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    _enqueue(due)
    return len(due)
