# `make run` serves the app on SQLite with demo data; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PGVER   = $(shell ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)

.PHONY: run test install postgres browser lint bench clean

$(BIN)/python:
	command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 ($(PYTHON)) is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

# The suite needs the PostgreSQL server on 127.0.0.1:5432; start the local cluster if it is down.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
	  test -n "$(PGVER)" || { echo "PostgreSQL is not installed"; exit 1; }; \
	  pg_ctlcluster --skip-systemctl-redirect $(PGVER) main start; \
	  for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	  pg_isready -h 127.0.0.1 -p 5432; }

# The browser tests drive Debian's chromium through Playwright; install it and a CJK font
# (without one, Chinese renders as boxes in the screenshots) when they are missing.
CJK_FONT = /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
browser:
	@test -x /usr/bin/chromium -a -f $(CJK_FONT) || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-wqy-microhei; }

# The multi-process test restarts the PostgreSQL server, so it runs alone, after the rest.
test: install postgres browser
	$(BIN)/pytest -m "not multiprocess"
	$(BIN)/pytest -m multiprocess -s
	$(BIN)/ruff check domain application infrastructure web tests bench
	$(BIN)/lint-imports

lint: install
	$(BIN)/ruff check domain application infrastructure web tests bench
	$(BIN)/lint-imports

# gunicorn serves the app and one worker process keeps the views; Ctrl-C stops both.
HOST ?= 127.0.0.1
PORT ?= 5000
run: install
	$(BIN)/homeward demo load --if-empty --accounts
	$(BIN)/homeward projections catch-up
	@$(BIN)/homeward projections run & worker=$$!; \
	$(BIN)/gunicorn --workers 2 --bind $(HOST):$(PORT) --access-logfile - web.wsgi:app & web=$$!; \
	trap 'kill -TERM $$web $$worker 2>/dev/null; wait $$web $$worker; exit 0' INT TERM; \
	sleep 2; \
	echo; echo "Homeward is at http://$(HOST):$(PORT)/  (Ctrl-C stops it)"; \
	echo "Demo logins, password homeward-demo:"; \
	echo "  cw-370303-01 caseworker 370303 | cw-370302-01 caseworker 370302"; \
	echo "  sup-370303 supervisor 370303   | sup-370300 city supervisor 370300"; \
	echo "  inv-demo investigator          | admin administrator"; \
	wait $$web $$worker

bench: install postgres
	$(BIN)/python bench/commands.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .hypothesis
