# Mentorskap: `make run` starts the app with demo data, `make test` runs every test.
# Both install what they need first (a virtualenv in .venv, npm packages, translations).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test test-sqlite test-postgresql fuzz lint system-deps translations-extract bench clean

install: $(VENV)/.installed static/vendor/htmx.min.js app/translations/sv/LC_MESSAGES/messages.mo

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

# htmx is copied from npm into static/vendor (not committed).
static/vendor/htmx.min.js: node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js

# The pseudo-locale (app/pseudo.py) is made from the message template, then all are compiled.
app/translations/sv/LC_MESSAGES/messages.mo: $(VENV)/.installed app/translations/messages.pot $(wildcard app/translations/*/LC_MESSAGES/messages.po)
	$(BIN)/python -m app.pseudo >/dev/null
	$(BIN)/pybabel compile --statistics -d app/translations -f 2>&1 | tail -n 2
	touch $@

# The app on SQLite (instance/mentorskap.sqlite3) with the demo school, at http://$(HOST):$(PORT)
run: install
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) run --host $(HOST) --port $(PORT)

# Chromium for the browser tests, PostgreSQL for the second database run and Redis for the
# two-instance test (tests/test_scale_out.py) (Debian packages).
system-deps:
	@if ! command -v chromium >/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
		|| ! command -v redis-server >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium postgresql redis-server >/dev/null; \
	fi

# The whole suite on SQLite, then (without the browser tests) on a throwaway PostgreSQL cluster.
test: install system-deps
	$(BIN)/pytest -q
	$(MAKE) --no-print-directory test-postgresql

test-sqlite: install
	$(BIN)/pytest -q

test-postgresql: install
	$(BIN)/pytest -q --db=postgresql -m "not e2e"

# A longer search by the fuzz test (tests/test_fuzz.py) on both databases; CI runs 6 examples
# a route. FUZZ_EXAMPLES=2000 make fuzz searches longer still.
FUZZ_EXAMPLES ?= 200
fuzz: install system-deps
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q tests/test_fuzz.py
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q --db=postgresql tests/test_fuzz.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check app tests

translations-extract: install
	$(BIN)/pybabel extract -F babel.cfg --ignore-dirs='.* __pycache__ .venv node_modules' -k _l -k lazy_gettext -o app/translations/messages.pot --no-location --sort-output -w 100 .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete -w 100

# Each role's pages: SQL statements, in-process time, throughput against hello-world Flask
# under gunicorn -w 2 with wrk (Debian's package, installed if missing), worker memory.
# Writes bench/results/pages.md and pages.png. `flask bench` is the quick in-process view.
bench: install
	@command -v wrk >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/pages.py

clean:
	rm -rf $(VENV) node_modules static/vendor instance app/translations/*/LC_MESSAGES/*.mo
