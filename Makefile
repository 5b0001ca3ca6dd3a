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

.PHONY: run test docs bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

docs: $(STAMP)
	$(BIN)/mkdocs build --strict

# The demo runs in debug mode (relaxed start-up checks, no debugger) with a key kept in the
# git-ignored instance/ folder, so printed sign-in links survive a restart.
run: docs
	@test -f instance/config.py || { mkdir -p instance && $(BIN)/python -c \
	  "import secrets; print('SECRET_KEY = ' + repr(secrets.token_urlsafe(48)))" > instance/config.py; }
	FORMSERVER_DEBUG=1 $(BIN)/formserver load-demo
	@echo "Formulärtjänsten: http://$(HOST):$(PORT)/   Handboken: http://$(HOST):$(PORT)/handbok/"
	FORMSERVER_DEBUG=1 $(BIN)/formserver run --host $(HOST) --port $(PORT) --no-reload

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest
	$(BIN)/mkdocs build --strict --site-dir $(VENV)/site-check

bench: $(STAMP)
	$(BIN)/python bench/handbook.py

clean:
	rm -rf $(VENV) site
