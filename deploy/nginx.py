"""The nginx configuration of mingbai, from a few values: used by `make prod` (deploy/prod.sh) and by
the tests that start nginx (tests/production). Print one: python deploy/nginx.py --help.

- /static/: the hashed files collectstatic wrote (STATIC_ROOT), cached a year (their names change
  when their content does); the app serves them too (WhiteNoise) when nginx is not in front;
- /_media/: internal only, the target of the app's X-Accel-Redirect after it checked who may see
  a photo (MEDIA_ACCEL_REDIRECT_PREFIX=/_media/); a client asking for it directly gets a 404;
- /metrics: only from the loopback addresses (the app checks again: METRICS_ALLOWED_ADDRESSES);
- everything else: the app nodes, round-robin; a node that does not answer is skipped. A POST is
  tried on the next node only when the first could not be reached at all (nothing was sent).
"""

import argparse
import sys
from pathlib import Path

TEMPLATE = """\
{user}worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 30;
    server_tokens off;
    client_max_body_size {max_body};
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    log_format main '$remote_addr [$time_iso8601] "$request" $status $body_bytes_sent '
                    '$request_time $upstream_addr request_id=$request_id';
    access_log {prefix}/access.log main;
    gzip on;
    gzip_types application/json text/css application/javascript image/svg+xml;

    upstream mingbai_app {{
{servers}
        keepalive 16;
    }}

    server {{
        listen {listen};
        server_name _;

        location /static/ {{
            alias {static_root}/;
            expires 365d;
            add_header Cache-Control "public, immutable";
            gzip_static on;
            access_log off;
        }}
        location /_media/ {{
            internal;
            alias {media_root}/;
            add_header Cache-Control "private, max-age=3600";
            add_header X-Content-Type-Options nosniff;
        }}
        location = /metrics {{
            allow 127.0.0.1;
            allow ::1;
            deny all;
            proxy_pass http://mingbai_app;
            include {prefix}/proxy_params.conf;
        }}
        location / {{
            proxy_pass http://mingbai_app;
            include {prefix}/proxy_params.conf;
        }}
    }}
}}
"""

PROXY_PARAMS = """\
proxy_http_version 1.1;
proxy_set_header Connection "";
proxy_set_header Host $http_host;
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_set_header X-Forwarded-Proto $scheme;
proxy_set_header X-Request-ID $request_id;
proxy_connect_timeout 2s;
proxy_read_timeout 60s;
proxy_next_upstream error timeout;
proxy_next_upstream_tries 2;
"""


def nginx_conf(
    *,
    prefix: Path,
    listen: str,
    upstreams: list[str],
    static_root: Path,
    media_root: Path,
    workers: int | str = "auto",
    max_body: str = "16m",
    user: str | None = None,
) -> Path:
    """Write nginx.conf (and proxy_params.conf) into `prefix`; return the path of nginx.conf."""
    prefix = Path(prefix)
    for folder in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / folder).mkdir(parents=True, exist_ok=True)
    (prefix / "proxy_params.conf").write_text(PROXY_PARAMS)
    servers = "\n".join(f"        server {address} max_fails=1 fail_timeout=5s;" for address in upstreams)
    text = TEMPLATE.format(
        user=f"user {user};\n" if user else "",
        workers=workers,
        prefix=prefix,
        max_body=max_body,
        servers=servers,
        listen=listen,
        static_root=Path(static_root),
        media_root=Path(media_root),
    )
    path = prefix / "nginx.conf"
    path.write_text(text)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description="Write mingbai's nginx.conf")
    parser.add_argument("--prefix", required=True, help="folder for nginx.conf, logs, pid and temp files")
    parser.add_argument("--listen", default="80")
    parser.add_argument("--upstream", action="append", required=True, help="host:port of an app node (repeat)")
    parser.add_argument("--static-root", required=True)
    parser.add_argument("--media-root", required=True)
    parser.add_argument("--user", default=None, help="user (and group) of the worker processes, e.g. www-data")
    args = parser.parse_args(argv)
    path = nginx_conf(
        prefix=args.prefix,
        listen=args.listen,
        upstreams=args.upstream,
        static_root=args.static_root,
        media_root=args.media_root,
        user=args.user,
    )
    print(path)


if __name__ == "__main__":
    sys.exit(main())
