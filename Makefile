# Two commands on a fresh machine with Python 3.11: `make demo` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast check lint format venv speedups clean messages prodlike

venv: $(STAMP) speedups

# The compiled line reader (jakamo/_ubl_lines.pyx); without a C compiler the Python reader reads.
speedups: $(STAMP)
	$(BIN)/python -m jakamo.build_speedups

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

demo: export JAKAMO_SANDBOX_ENABLED = true
demo: export DEBUG = true
demo: venv
	$(BIN)/python manage.py migrate --verbosity 0
	$(BIN)/python manage.py demo_setup
	@echo "Starting web server, task cluster and sandbox on http://127.0.0.1:8000 (Ctrl-C stops all)"
	deploy/demo-foreground.sh $(BIN)/honcho --procfile Procfile.demo start

# Production settings on PostgreSQL (+ Redis when it answers), gunicorn and the task cluster:
# see docs/deployment.md. PORT=8100 by default.
prodlike: venv
	deploy/local-stack.sh

# axe-core (package.json) for the accessibility pass in the browser journeys; where npm is missing
# that pass skips, saying why (CI has npm and installs it here).
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm is not installed: the accessibility checks in the browser tests will skip"; fi

test: venv $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest $(PYTEST_ARGS)

# While working: the suite without the browser and chaos tests (a few minutes), Hypothesis's `dev`
# profile unless CI or HYPOTHESIS_PROFILE says otherwise (tests/conftest.py). PYTEST_ARGS as for test.
test-fast: venv
	$(BIN)/pytest -m "not browser and not chaos" $(PYTEST_ARGS)

# Before a commit, without running the tests: lint, formatting, and no model change lacking its migration.
check: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# After changing a string: collect new ones into locale/fi, translate them, compile (GNU gettext).
messages: venv
	$(BIN)/python manage.py makemessages -l fi --ignore=.venv --ignore=tests --ignore=bench --no-obsolete
	$(BIN)/python manage.py compilemessages -l fi

clean:
	rm -rf $(VENV) node_modules build jakamo/_ubl_lines.*.so db.sqlite3 staticfiles .prodlike.env .pytest_cache .ruff_cache .hypothesis test-artifacts
