"""gunicorn settings for mingbai (deploy/prod.sh and deploy/systemd/mingbai-web.service).

Sync workers, two per core by default (GUNICORN_WORKERS): a request is mostly PostgreSQL time, and
photos are handed to nginx (X-Accel-Redirect) or to the object store (signed URLs), so no worker waits
on a slow phone's download. GUNICORN_BIND defaults to 127.0.0.1:8001 (nginx in front).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count()))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
max_requests = 5000  # a slow leak is bounded; jitter keeps the workers from restarting together
max_requests_jitter = 500
accesslog = None  # nginx writes the access log, with the same request id
errorlog = "-"
forwarded_allow_ips = "127.0.0.1,::1"


def child_exit(server, worker):
    # /metrics sums every worker's counts (PROMETHEUS_MULTIPROC_DIR); a dead worker's gauges go.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
