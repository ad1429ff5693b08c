# The two commands: `make run` (demo server on 127.0.0.1:8000) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# SecantusDB, the MongoDB-wire server of `make run` and `make test`: its own venv, never imported
SECANTUS := .venv-secantus
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo)

.PHONY: run reset test client lint bench-menu bench-login bench-submit bench-push bench-query bench-sync bench-field-sync bench-mongo bench-firstload system-deps clean

# Redis, SecantusDB, the sandbox, the API and a push worker, each its own process (deploy/Procfile)
run: $(VENV)/.runtime $(VENV)/.local $(SECANTUS)/.installed
	@$(MAKE) --no-print-directory system-deps PACKAGES="redis-server"
	$(BIN)/python deploy/local.py

# wipe what `make run` keeps under var/ (data, demo keys)
reset:
	rm -rf var

test: $(VENV)/.dev $(VENV)/.local $(SECANTUS)/.installed
	@$(MAKE) --no-print-directory system-deps PACKAGES="redis-server nodejs npm chromium fonts-wqy-microhei"
	$(BIN)/ruff check .
	node --test miniprogram/tests/ console/tests/
	@$(MAKE) --no-print-directory client
	cd miniprogram && npm run --silent test:pages
	cd field && npm run --silent test
	$(BIN)/python -m pytest -q

# The resident clients: WeChat and Alipay mini-programs and the h5 page, from one uni-app codebase;
# and the inspectors' app 执法通 (field/): h5 at /field/ and the WeChat mini-program.
# `npm install` with the committed lockfile (`npm ci` fails here on optional platform binaries).
client:
	cd miniprogram && npm install --no-audit --no-fund --loglevel=error
	cd miniprogram && npm run --silent build:h5 && npm run --silent build:mp-weixin && npm run --silent build:mp-alipay
	cd field && npm install --no-audit --no-fund --loglevel=error
	cd field && npm run --silent build:h5 && npm run --silent build:mp-weixin

lint: $(VENV)/.dev
	$(BIN)/ruff check .

# Benchmarks (bench/README.md): each starts Redis, SecantusDB, the sandbox, the API (and the push
# worker) as processes of their own on free ports, and stops them at the end.
bench-menu: $(VENV)/.runtime $(SECANTUS)/.installed
	@$(MAKE) --no-print-directory system-deps PACKAGES="redis-server wrk"
	$(BIN)/python bench/menu/run.py

bench-login: $(VENV)/.runtime $(SECANTUS)/.installed system-deps
	$(BIN)/python bench/login/run.py

bench-submit: $(VENV)/.runtime $(SECANTUS)/.installed system-deps
	$(BIN)/python bench/submit/run.py

bench-push: $(VENV)/.runtime $(SECANTUS)/.installed system-deps
	$(BIN)/python bench/push/run.py

bench-query: $(VENV)/.runtime $(SECANTUS)/.installed system-deps
	$(BIN)/python bench/query/run.py

bench-sync: $(VENV)/.runtime $(SECANTUS)/.installed system-deps
	$(BIN)/python bench/sync/run.py

# 执法通's queue (field/src/lib/queue.js, in Node) syncing 50 cases with 2 photos each
bench-field-sync: $(VENV)/.runtime $(SECANTUS)/.installed
	@$(MAKE) --no-print-directory system-deps PACKAGES="redis-server nodejs"
	$(BIN)/python bench/sync/field.py

bench-mongo: $(VENV)/.runtime $(SECANTUS)/.installed
	$(BIN)/python bench/mongo/run.py

# the resident h5's first load in chromium on a throttled network, compression and caching off and on
bench-firstload: $(VENV)/.dev $(SECANTUS)/.installed
	@$(MAKE) --no-print-directory system-deps PACKAGES="redis-server chromium nodejs npm"
	cd miniprogram && npm install --no-audit --no-fund --loglevel=error && npm run --silent build:h5
	$(BIN)/python bench/firstload.py

# Debian packages the tests (and benchmarks) use; installed only when missing.
PACKAGES ?= redis-server
system-deps:
	@missing=""; \
	for p in $(PACKAGES); do command -v $$p >/dev/null || dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV) || { DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }

$(VENV)/.runtime: requirements.txt $(VENV)/bin/python
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.local: deploy/local.txt $(VENV)/.runtime
	$(BIN)/pip install -q --disable-pip-version-check -r deploy/local.txt
	touch $@

$(SECANTUS)/.installed: deploy/secantus.txt
	$(PYTHON) -m venv $(SECANTUS)
	$(SECANTUS)/bin/pip install -q --disable-pip-version-check -r deploy/secantus.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

clean:
	rm -rf $(VENV) $(SECANTUS) .pytest_cache .ruff_cache
