# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
PORT ?= 5000
WORKERS ?= 2
THREADS ?= 4
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HTMX := static/vendor/htmx.min.js
HTMX_PTAG := static/vendor/hx-ptag.min.js
NPM_RUN := node_modules/.installed-run
NPM_ALL := node_modules/.installed
# Where the worker processes write their metrics, added up at /metrics (forum/metrics.py); emptied at each start.
METRICS_DIR := instance/metrics

.PHONY: run dev test test-pg install install-run browser checker deploy-tools clean bench dist

# granian's RSGI interface: a request reaches one of the app's THREADS only once its body is in
# (forum/serving.py). tests/test_slow_clients.py serves with this recipe's line (make -n run) and
# checks that README "Deploying" gives granian the same flags.
# The job worker (forum/jobs.py: mail, notification mail, clean-ups) runs beside granian, in the background
# of its own recipe line: --stop-with make's process id stops it once make ends (granian stopped, or
# Ctrl-C). Production runs it as a service of its own (README "Deploying").
# FORUM_LOCAL_HTTP marks a local trial: plain-http cookies, and rate limits one person can try a
# conversation among several members under (forum/config.py LocalTrial; the environment still wins).
run: install-run ## Serve the forum with demo content on http://127.0.0.1:$(PORT)
	@echo "Preparing the database (migrations; the admin account and demo content on the first run)..."
	@FORUM_LOCAL_HTTP=true $(FLASK) db upgrade
	@FORUM_LOCAL_HTTP=true $(FLASK) forum first-run
	@FORUM_LOCAL_HTTP=true $(FLASK) forum banner --url http://127.0.0.1:$(PORT)
	@rm -rf $(METRICS_DIR) && mkdir -p $(METRICS_DIR)
	FORUM_LOCAL_HTTP=true PROMETHEUS_MULTIPROC_DIR=$(METRICS_DIR) $(FLASK) forum worker --stop-with $$PPID &
	FORUM_LOCAL_HTTP=true FORUM_APP_THREADS=$(THREADS) PROMETHEUS_MULTIPROC_DIR=$(METRICS_DIR) \
		$(BIN)/granian --interface rsgi --factory --no-ws \
		--host 127.0.0.1 --port $(PORT) --workers $(WORKERS) --respawn-failed-workers forum.serving:create_server

dev: install-run ## The Flask development server, with reloading and the debugger (and the job worker, as make run)
	$(FLASK) db upgrade
	$(FLASK) forum first-run
	@rm -rf $(METRICS_DIR) && mkdir -p $(METRICS_DIR)
	PROMETHEUS_MULTIPROC_DIR=$(METRICS_DIR) $(FLASK) forum worker --stop-with $$PPID &
	PROMETHEUS_MULTIPROC_DIR=$(METRICS_DIR) $(FLASK) run --debug --port $(PORT)

# The architecture (import-linter's contracts in pyproject.toml) and ruff first: both take a second.
# The tests are split between TEST_PROCESSES processes (pytest-xdist), a test file's tests kept together in
# one (a file's fixtures may share a database or a Redis number); each process has its own test database
# (tests/conftest.py). TEST_PROCESSES=0 runs them all in this one process.
TEST_PROCESSES ?= 2
test: checker install browser deploy-tools ## Check the import layers and lint, then run every test (SQLite, or FORUM_TEST_DATABASE_URL)
	$(BIN)/lint-imports
	$(BIN)/ruff check
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --dist loadfile $(PYTEST_ARGS)

bench: install ## Measure rendering, then the pages under load against hello-world; tables in bench-results/
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } \
		|| { echo "make bench needs wrk: apt-get install wrk"; exit 1; }
	$(BIN)/python -m bench.render_bench
	WORKERS=$(WORKERS) THREADS=$(THREADS) $(BIN)/python -m bench.run

.PHONY: bench-data
bench-data: install ## Build (or reuse) the benchmark's dataset alone; sizes from BENCH_POSTS=… etc.
	$(BIN)/python -m bench.dataset

# The release: one wheel that a deploy host installs with pip alone (README "Deploying"). npm has built
# static/vendor/ (install-run) and the wheel carries it, with templates/ and migrations/, inside the
# package (pyproject.toml, setup.py), so the host needs no Node. setuptools comes pinned from
# requirements-dev.txt, hence no build isolation: the build downloads nothing. tests/test_dist.py
# builds with this recipe's pip line, installs the wheel into a fresh virtualenv and serves a page.
dist: install-run $(VENV)/.installed ## Build the release wheel into dist/ (Node is needed here, not on the deploy host)
	rm -rf dist build forum.egg-info
	$(BIN)/python -m pip wheel --no-deps --no-build-isolation --quiet --wheel-dir dist .
	rm -rf build forum.egg-info
	@ls dist/*.whl

# What running needs (requirements.txt), and on top of it what testing needs (requirements-dev.txt).
install-run: $(VENV)/.installed-run $(HTMX) $(HTMX_PTAG)
install: install-run $(VENV)/.installed $(NPM_ALL)

$(VENV)/.installed-run: requirements.txt
	@test -x $(BIN)/python || { echo "Creating the virtualenv in $(VENV)/..."; $(PYTHON) -m venv $(VENV); }
	@echo "Installing the forum's Python packages (requirements.txt) into $(VENV)/: about a minute the first time..."
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.installed: $(VENV)/.installed-run requirements-dev.txt
	@echo "Installing the test tools (requirements-dev.txt) into $(VENV)/..."
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# npm: what the forum serves (htmx) for make run; with the test tools (axe-core, vnu-jar) for make test.
$(NPM_RUN): package.json package-lock.json
	@echo "Installing the pinned npm packages the forum serves (htmx) into node_modules/..."
	npm ci --omit=dev --no-audit --no-fund
	@touch $@

$(NPM_ALL): package.json package-lock.json
	@echo "Installing the pinned npm packages with the test tools (axe-core, vnu-jar) into node_modules/..."
	npm ci --no-audit --no-fund
	@touch $(NPM_RUN) $@

$(HTMX): $(NPM_RUN)
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/

$(HTMX_PTAG): $(NPM_RUN)
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
	@# Colour emoji (reactions, :emoji:) in the browser tests' screenshots: Debian's font, as root. Only looks.
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && ! dpkg -s fonts-noto-color-emoji >/dev/null 2>&1; then \
		apt-get update -qq && apt-get install -y -qq fonts-noto-color-emoji >/dev/null || echo "No colour emoji font: screenshots show boxes"; \
	fi

# The Nu HTML checker (npm vnu-jar, tests/test_valid_html.py) runs on Java: Debian's package as root, else
# say so. Before npm ci: vnu-jar's install script would otherwise try to download a Java of its own.
checker:
	@if command -v java >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Java for the Nu HTML checker (default-jre-headless)..."; \
		apt-get update -qq && apt-get install -y -qq default-jre-headless >/dev/null; \
	else \
		echo "make test needs Java for the Nu HTML checker: apt-get install default-jre-headless"; exit 1; \
	fi

# tests/test_deploy.py checks deploy/ with the tools that read it: systemd-analyze (Debian's systemd
# package) for the units, nginx for the site. As root, install what is missing; else the test says so.
deploy-tools:
	@missing=""; command -v systemd-analyze >/dev/null 2>&1 || missing="systemd"; \
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing $$missing for tests/test_deploy.py..."; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
		echo "tests/test_deploy.py skips what needs$$missing (apt-get install$$missing)"; \
	fi

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache dist build forum.egg-info
