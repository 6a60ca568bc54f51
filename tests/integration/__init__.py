"""Tests that run real processes (a Celery worker) against real services (Redis, PostgreSQL).

Also home of WebhookReceiver, the local group robot that the webhook tests post to.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ROBOT_OK = {"errcode": 0, "errmsg": "ok"}


class WebhookReceiver:
    """A group robot on 127.0.0.1 (random port) that records every POST and answers from a script:
    `answers` is a list of (status, body) used in turn, the last one repeated; by default 200 + errcode 0.

        with WebhookReceiver() as robot:
            ... post to robot.url ...
            robot.posts  # [{"path": ..., "query": {...}, "body": {...}}]
    """

    def __init__(self, answers: list[tuple[int, dict | str]] | None = None):
        self.answers = list(answers or [(200, ROBOT_OK)])
        self.posts: list[dict] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                split = urlsplit(self.path)
                with receiver._lock:
                    receiver.posts.append(
                        {"path": split.path, "query": parse_qs(split.query), "body": json.loads(raw or b"null")}
                    )
                    status, body = receiver.answers[min(len(receiver.posts), len(receiver.answers)) - 1]
                data = (body if isinstance(body, str) else json.dumps(body)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # keep the test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        """Its origin: robots are called only at WEBHOOK_ALLOWED_ORIGINS, so a test puts it there."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def url(self) -> str:
        return f"{self.origin}/robot/send?access_token=test"

    def allow(self, settings) -> "WebhookReceiver":
        """Add this robot's origin to the allow-list (pytest-django's `settings` fixture)."""
        settings.WEBHOOK_ALLOWED_ORIGINS = [*settings.WEBHOOK_ALLOWED_ORIGINS, self.origin]
        return self

    def count(self) -> int:
        with self._lock:
            return len(self.posts)

    def __enter__(self) -> "WebhookReceiver":
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
