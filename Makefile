# Ticker: `make run` serves the dashboard, `make test` runs the tests. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export PORT

.PHONY: run test test-faults lint format bench bench-page clean services

$(BIN)/.runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(BIN)/.dev: $(BIN)/.runtime requirements-dev.txt
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# The embedded default (no REDIS_URL): one process serves, polls and fans out.
# With REDIS_URL set: the Procfile's web, worker and beat, via honcho.
run: $(BIN)/.runtime
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py seed_demo
	@echo "Ticker: http://$(HOST):$(PORT)/   (admin: http://$(HOST):$(PORT)/admin/)"
ifeq ($(strip $(REDIS_URL)),)
	exec $(BIN)/uvicorn tickerproj.asgi:application --host $(HOST) --port $(PORT) --lifespan on \
		--ws-per-message-deflate false --ws-max-size 16384 --ws-ping-interval 20 --ws-ping-timeout 20 --log-level warning
else
	PATH="$(CURDIR)/$(BIN):$$PATH" exec $(BIN)/honcho start --port $(PORT)
endif

# Tests need Redis and PostgreSQL running (see .ci/run) and Debian's chromium.
test: $(BIN)/.dev
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
	DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ticker} \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

# Only the fault tests (they also run in `make test`): Redis restart, worker kill, upstream
# failures, web SIGTERM, database outage, group expiry, two beats, soak. See docs/operations.md.
test-faults: $(BIN)/.dev
	DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ticker} \
		$(BIN)/python -m pytest tests/faults -rA $(PYTEST_ARGS)

lint: $(BIN)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(BIN)/.dev
	$(BIN)/python bench/run.py

# The dashboard page in headless Chromium: 200 rows updating 4 times a second, beside the page idle.
bench-page: $(BIN)/.dev
	$(BIN)/python bench/page.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
