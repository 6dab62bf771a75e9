# Sentier: the two set-up commands (README) and a few helpers.
SHELL := /bin/bash
PY := .venv/bin/python
UV := python3 -m uv
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/sentier
TEST_BROKER_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test bench venv browser lint

venv:
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --quiet

## make run: the product on embedded defaults (SQLite, filesystem broker), demo data loaded.
run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) -m config.devserver

## Chromium from Debian for the browser tests (never `playwright install`).
browser:
	@command -v chromium >/dev/null || { (apt-get update -qq && apt-get install -y -qq chromium) || { echo "install Debian's chromium"; exit 1; }; }

## make test: the whole suite on PostgreSQL (and Redis as the broker for real workers).
test: venv browser
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) $(PY) -m pytest $(PYTEST_ARGS)

## make bench: the benchmarks on PostgreSQL; one line per figure: `bench <name>: <value> <unit>`.
bench: venv
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) $(PY) -m benchmarks

lint: venv
	$(PY) -m ruff check . && $(PY) -m ruff format --check .
