# The few verbs people type. `make run` and `make test` work on a fresh Debian 12 machine:
# they create .venv, install the project, and (as root) the system packages they need.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

# Runtime: Korean font and HarfBuzz subsetting for WeasyPrint PDFs, gettext for translations.
APT_RUNTIME := python3-venv fonts-nanum libharfbuzz-subset0 gettext
# Tests also read PDFs back (pdftotext), drive Chromium and start their own MQTT broker.
APT_TEST    := poppler-utils chromium chromium-driver mosquitto

# The suite runs in one pytest process per core (TEST_WORKERS=0: a single process). Each
# process runs its share in the suite's order, so tests that empty the database
# (transactional, browser) still come after the others.
TEST_WORKERS ?= auto

# Demo size: `make demo DEMO_PLANTS=2000` gives about 2,400 projects (about 90 s).
DEMO_PLANTS ?= 240
DEMO_USERS := agency consultant (also consultant2-4) partner official sme admin
# Compiled translations, rebuilt with msgfmt (gettext) whenever a .po file changes.
MO := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))

.PHONY: run test lint format messages demo clean system-deps system-deps-test

run: system-deps $(VENV)/.installed demo
	@echo
	@echo "Demo logins (password demo12345): $(DEMO_USERS)"
	@echo "Open http://127.0.0.1:8000/"
	@echo
	$(MANAGE) runserver 127.0.0.1:8000

test: system-deps system-deps-test $(VENV)/.installed $(MO)
	$(BIN)/ruff check .
	$(BIN)/bandit -c pyproject.toml -r hub assessments programs datahub progress devdata -q
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run
	$(BIN)/pytest -n $(TEST_WORKERS) --durations=15
# The production path (gunicorn + a real Celery worker, DEBUG=false) in its own invocation,
# whenever PostgreSQL and Redis are configured.
	@if [ -n "$$REDIS_URL" ] && echo "$$DATABASE_URL" | grep -q '^postgres'; then \
		echo "PRODUCTION_PATH=1 $(BIN)/pytest -m production tests/production"; \
		PRODUCTION_PATH=1 $(BIN)/pytest -m production tests/production; \
	else echo "production path not run: it needs a PostgreSQL DATABASE_URL and REDIS_URL"; fi

demo: $(VENV)/.installed $(MO)
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo --plants $(DEMO_PLANTS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: $(VENV)/.installed
	$(MANAGE) makemessages -l ko --ignore=.venv --ignore=static/vendor --ignore=staticfiles
	$(MANAGE) makemessages -l ko -d djangojs --ignore=.venv --ignore=static/vendor \
		--ignore=staticfiles
	$(MANAGE) compilemessages -l ko --ignore=.venv

clean:
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache .hypothesis test-artifacts staticfiles *.egg-info

system-deps:
	@scripts/apt-ensure $(APT_RUNTIME)

system-deps-test:
	@scripts/apt-ensure $(APT_TEST)

# The compiled catalog is committed too, so a machine without gettext still runs.
%.mo: %.po
	@if command -v msgfmt >/dev/null; then msgfmt --check-format -o $@ $<; \
	else echo "msgfmt not found: using the committed $@"; fi

# The virtualenv, re-installed only when pyproject.toml changes.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@
