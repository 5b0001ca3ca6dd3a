# The README's commands. Every target sets itself up on a fresh machine.
#   make run    build the handbook and start the product locally
#   make test   every check: ruff, mypy, pytest, mkdocs build --strict
#   make docs   build the handbook into site/
#   make bench  the benchmarks in bench/

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000

export NO_MKDOCS_2_WARNING := 1

# Debian packages: pango and fonts for the PDF (WeasyPrint). Installed when missing and we
# are root (CI); otherwise the command to run is printed.
SYSTEM_PACKAGES ?= libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core chromium

.PHONY: run test docs bench lint clean system-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,server]'
	touch $(STAMP)

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else echo "Saknade systempaket:$$missing. Installera med: sudo apt-get install$$missing"; fi

docs: $(STAMP)
	$(BIN)/mkdocs build --strict

# The demo runs in debug mode (relaxed start-up checks, no debugger) with a key kept in the
# git-ignored instance/ folder, so printed sign-in links survive a restart.
run: system-deps docs
	@test -f instance/config.py || { mkdir -p instance && $(BIN)/python -c \
	  "import secrets; print('SECRET_KEY = ' + repr(secrets.token_urlsafe(48)))" > instance/config.py; }
	FORMSERVER_DEBUG=1 $(BIN)/formserver load-demo
	@echo "Formulärtjänsten: http://$(HOST):$(PORT)/   Handboken: http://$(HOST):$(PORT)/handbok/"
	FORMSERVER_DEBUG=1 FORMSERVER_HANDBOOK_DIR=site $(BIN)/formserver run --host $(HOST) --port $(PORT) --no-reload

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

node_modules/axe-core/axe.min.js: package.json
	npm install --no-audit --no-fund --silent
	touch $@

test: system-deps lint node_modules/axe-core/axe.min.js
	$(BIN)/pytest
	$(BIN)/mkdocs build --strict --site-dir $(VENV)/site-check

bench: $(STAMP) node_modules/axe-core/axe.min.js
	$(BIN)/python bench/handbook.py
	$(BIN)/python bench/form_service.py
	$(BIN)/python bench/roster_import.py
	$(BIN)/python bench/exports.py
	$(BIN)/python bench/crash.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/lighthouse.py

clean:
	rm -rf $(VENV) site
