# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
PORT ?= 5000
WORKERS ?= 2
THREADS ?= 4
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HTMX := static/vendor/htmx.min.js
# Where the worker processes write their metrics, added up at /metrics (forum/metrics.py); emptied at each start.
METRICS_DIR := instance/metrics
HTMX_PTAG := static/vendor/hx-ptag.min.js

.PHONY: run dev test test-pg install browser clean bench

# granian's RSGI interface: a request reaches one of the app's THREADS only once its body is in
# (forum/serving.py). tests/test_slow_clients.py serves with this recipe's line (make -n run) and
# checks that README "Deploying" gives granian the same flags.
run: install ## Serve the forum with demo content on http://127.0.0.1:$(PORT)
	$(FLASK) db upgrade
	$(FLASK) forum first-run
	rm -rf $(METRICS_DIR) && mkdir -p $(METRICS_DIR)
	FORUM_LOCAL_HTTP=true FORUM_APP_THREADS=$(THREADS) PROMETHEUS_MULTIPROC_DIR=$(METRICS_DIR) \
		$(BIN)/granian --interface rsgi --factory --no-ws \
		--host 127.0.0.1 --port $(PORT) --workers $(WORKERS) --respawn-failed-workers forum.serving:create_server

dev: install ## The Flask development server, with reloading and the debugger
	$(FLASK) db upgrade
	$(FLASK) forum first-run
	$(FLASK) run --debug --port $(PORT)

# The architecture (import-linter's contracts in pyproject.toml) and ruff first: both take a second.
test: install browser ## Check the import layers and lint, then run every test (SQLite, or FORUM_TEST_DATABASE_URL)
	$(BIN)/lint-imports
	$(BIN)/ruff check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install ## Measure rendering, then the pages under load against hello-world; tables in bench-results/
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } \
		|| { echo "make bench needs wrk: apt-get install wrk"; exit 1; }
	$(BIN)/python -m bench.render_bench
	WORKERS=$(WORKERS) THREADS=$(THREADS) $(BIN)/python -m bench.run

.PHONY: bench-data
bench-data: install ## Build (or reuse) the benchmark's dataset alone; sizes from BENCH_POSTS=… etc.
	$(BIN)/python -m bench.dataset

install: $(VENV)/.installed $(HTMX) $(HTMX_PTAG)

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

$(HTMX): node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/

$(HTMX_PTAG): node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/ext/hx-ptag.min.js static/vendor/

# The browser tests need a Chromium: Debian's package as root, else Playwright's own download.
browser: $(VENV)/.installed
	@if [ -n "$$CHROMIUM_PATH" ] || command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	else \
		$(BIN)/python -m playwright install chromium; \
	fi

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache
