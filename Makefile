# mingbai: `make run` starts the demo, `make test` runs every check. GNU make.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
VAR_DIR := $(or $(MINGBAI_VAR_DIR),var)
# The PostgreSQL leg of `make test`; pytest-django creates and drops test_<name> next to it.
PG_URL ?= postgres://postgres@127.0.0.1:5432/mingbai
PYTEST_ARGS ?=
# `make run PORT=8001`: the server's port, and the one the printed URLs and QR codes name unless
# PUBLIC_BASE_URL says otherwise.
PORT ?= 8000

.PHONY: help run prod test lint

help:
	@echo "make run    demo on http://127.0.0.1:8000 (PORT=8001 for another port; SQLite, Celery worker + beat on a filesystem broker)"
	@echo "make prod   production on one server: nginx, gunicorn, Celery worker + one beat (README \"Production\")"
	@echo "make test   ruff, migration check, pytest on SQLite and, if it answers, PostgreSQL"
	@echo "make lint   ruff check and ruff format --check"

$(PY):
	$(PYTHON) -m venv $(VENV)

# Stamps: pip runs again only when a requirements file is newer than the last install.
$(VENV)/.installed-runtime: requirements.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.installed-runtime

run: export PUBLIC_BASE_URL := $(or $(PUBLIC_BASE_URL),http://127.0.0.1:$(PORT))
run: $(VENV)/.installed-runtime
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py demo_banner
	mkdir -p $(VAR_DIR)/celery/out $(VAR_DIR)/celery/processed
	@echo "Celery worker with embedded beat started; its log: $(VAR_DIR)/celery/worker.log"
	@$(VENV)/bin/celery -A backend worker --beat --concurrency=2 --loglevel=INFO \
		--logfile=$(VAR_DIR)/celery/worker.log & worker=$$!; \
	trap 'kill $$worker 2>/dev/null || true; wait $$worker 2>/dev/null || true' EXIT; \
	trap 'exit 130' INT TERM HUP; \
	$(PY) manage.py runserver 0.0.0.0:$(PORT)

# Production on one server (README "Production"): settings from deploy/prod.env or the environment.
prod: $(VENV)/.installed-runtime
	deploy/prod.sh

# The SQLite leg always runs; the PostgreSQL leg when a server answers within 2 seconds. With
# MINGBAI_REQUIRE_SERVICES=1 (CI) a missing server is a failure, not a skip. The notice comes
# first so that the output ends with pytest's summary line.
test: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	@if $(PY) -c "import sys, psycopg; from psycopg.conninfo import make_conninfo; \
		psycopg.connect(make_conninfo(sys.argv[1], dbname='postgres', connect_timeout=2)).close()" \
		'$(PG_URL)' 2>/dev/null; then pg=1; \
	elif [ "$${MINGBAI_REQUIRE_SERVICES:-}" = 1 ]; then \
		echo "FAILED: PostgreSQL does not answer at $(PG_URL) and MINGBAI_REQUIRE_SERVICES=1" >&2; exit 1; \
	else pg=0; \
		echo "SKIPPED the PostgreSQL leg: nothing answers at $(PG_URL) (start PostgreSQL, or run .ci/run)"; \
	fi; \
	echo "== pytest on SQLite"; \
	env -u DATABASE_URL $(PY) -m pytest $(PYTEST_ARGS); \
	if [ $$pg = 1 ]; then \
		echo "== pytest on PostgreSQL ($(PG_URL))"; \
		DATABASE_URL='$(PG_URL)' $(PY) -m pytest $(PYTEST_ARGS); \
	fi

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
