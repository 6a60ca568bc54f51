#!/usr/bin/env bash
# `make prod`: mingbai in production on one server, in the foreground (Ctrl-C stops everything):
# migrations and collectstatic as explicit steps, then gunicorn, one Celery worker, exactly one beat,
# and nginx (Debian's) in front on NGINX_LISTEN. PostgreSQL and Redis run as system services.
# Settings: the environment, or the file MINGBAI_ENV_FILE (default deploy/prod.env; see
# deploy/prod.env.example). For systemd instead of this script, see deploy/systemd/ and the README.
set -euo pipefail
cd "$(dirname "$0")/.."

env_file=${MINGBAI_ENV_FILE:-deploy/prod.env}
if [ -f "$env_file" ]; then
    set -a
    # shellcheck disable=SC1090
    . "$env_file"
    set +a
fi
export DJANGO_DEBUG=0
: "${DJANGO_SECRET_KEY:?set DJANGO_SECRET_KEY (deploy/prod.env.example)}"
: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database}"
: "${CACHE_URL:?set CACHE_URL to Redis (login lockouts are counted there)}"
: "${CELERY_BROKER_URL:?set CELERY_BROKER_URL to Redis}"
export MINGBAI_VAR_DIR=${MINGBAI_VAR_DIR:-$PWD/var/prod}
export STATIC_ROOT=${STATIC_ROOT:-$MINGBAI_VAR_DIR/static}
export MEDIA_ROOT=${MEDIA_ROOT:-$MINGBAI_VAR_DIR/media}
export MEDIA_ACCEL_REDIRECT_PREFIX=${MEDIA_ACCEL_REDIRECT_PREFIX:-/_media/}
export TRUSTED_PROXY_COUNT=${TRUSTED_PROXY_COUNT:-1}
export GUNICORN_BIND=${GUNICORN_BIND:-127.0.0.1:8001}
listen=${NGINX_LISTEN:-8080}
run=$MINGBAI_VAR_DIR/run
export PROMETHEUS_MULTIPROC_DIR=$run/metrics
rm -rf "$PROMETHEUS_MULTIPROC_DIR"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR" "$MEDIA_ROOT" "$run/log"

bin=${VENV:-.venv}/bin
echo "== migrate"
$bin/python manage.py migrate --noinput
echo "== collectstatic (hashed, compressed names)"
$bin/python manage.py collectstatic --noinput --verbosity 0
user_arg=()
if [ "$(id -u)" = 0 ]; then user_arg=(--user "${NGINX_USER:-www-data}"); fi
conf=$($bin/python deploy/nginx.py --prefix "$run/nginx" --listen "$listen" --upstream "$GUNICORN_BIND" \
    --static-root "$STATIC_ROOT" --media-root "$MEDIA_ROOT" "${user_arg[@]}")

pids=()
stop() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM HUP

$bin/gunicorn backend.wsgi -c deploy/gunicorn.conf.py & pids+=($!)
$bin/celery -A backend worker --concurrency=2 --loglevel=INFO --logfile="$run/log/worker.log" & pids+=($!)
$bin/celery -A backend beat --loglevel=INFO --pidfile= --logfile="$run/log/beat.log" & pids+=($!)
/usr/sbin/nginx -c "$conf" -p "$run/nginx" -g 'daemon off;' & pids+=($!)
echo "mingbai runs on http://127.0.0.1:$listen (nginx -> gunicorn $GUNICORN_BIND); logs in $run/log"
# One of them ending ends the whole: systemd (deploy/systemd/) restarts each on its own instead.
wait -n
echo "a process ended: stopping the others" >&2
exit 1
