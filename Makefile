# Two commands set everything up on a fresh machine:
#   make run   - install what is missing, then run Redis, a Celery worker and the web app
#   make test  - install what is missing, then run the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends

.PHONY: run test system-run system-test clean

$(VENV)/.runtime: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@

system-run:
	@command -v redis-server >/dev/null && command -v tesseract >/dev/null || { \
	  $(SUDO) apt-get update -qq && $(APT_INSTALL) redis-server tesseract-ocr; }

system-test: system-run
	@command -v chromium >/dev/null && command -v docker-compose >/dev/null || { \
	  $(SUDO) apt-get update -qq && $(APT_INSTALL) chromium fonts-dejavu-core docker-compose; }

run: system-run $(VENV)/.runtime
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py seed_demo
	$(PY) manage.py runstack $(RUNSTACK_ARGS)

test: system-test $(VENV)/.dev
	$(PY) -m pytest

clean:
	rm -rf $(VENV) var .pytest_cache
