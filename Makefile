# Two commands: `make run` (set up and start the app on the demo database) and `make test` (set up, lint, test).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
export DATABASE_URL ?= sqlite:///data/shian.db

.PHONY: run test lint venv dev-venv pg-start sysdeps demo soak bench bench-province bench-browser clean

$(VENV)/.run-installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.run-installed

venv: $(VENV)/.run-installed
dev-venv: $(VENV)/.dev-installed

## run: migrate, build the demo database when the database is empty, start the app on $(ADDRESS):$(PORT).
## It listens on this computer only (127.0.0.1) unless an address is given: `make run ADDRESS=0.0.0.0` (or the
## environment variable ADDRESS) opens it to the office network; production runs behind deploy/ instead.
ADDRESS ?= 127.0.0.1
LOCAL_HOSTS := 127.0.0.1 localhost
ALL_HOSTS := 0.0.0.0 ::
# The address the echo line shows: localhost, this computer's first IP address when listening on every interface,
# else the address given.
RUN_URL_HOST = $(if $(filter $(LOCAL_HOSTS),$(ADDRESS)),localhost,$(if $(filter $(ALL_HOSTS),$(ADDRESS)),$(or $(firstword $(shell hostname -I 2>/dev/null)),本机IP地址),$(ADDRESS)))
RUN_NOTE = $(if $(filter $(LOCAL_HOSTS),$(ADDRESS)),只在本机可以打开；让办公网络中的其他电脑访问：make run ADDRESS=0.0.0.0,办公网络中的其他电脑可用此地址打开；正式部署见 deploy/README.md)
run: venv
	$(PY) -m seed setup
	@echo "食安督导看板：http://$(RUN_URL_HOST):$(PORT)（$(RUN_NOTE)；Ctrl+C 停止）"
	$(VENV)/bin/streamlit run server.py --server.address $(ADDRESS) --server.port $(PORT)

demo: venv
	$(PY) -m seed demo

## pg-start: start the local PostgreSQL cluster when it is installed but stopped (tests use 127.0.0.1:5432)
pg-start:
	@if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -n1) main start || true; \
		for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	fi

## sysdeps: Debian's Chromium and the Noto CJK fonts for the browser tests, LibreOffice Writer and poppler-utils for
## the meeting pack's PDF (and its test), nginx and its brotli module for the deploy/ config's tests, installed when
## missing and run as root
sysdeps:
	@# fonts-noto-cjk: the SC faces of Noto Sans CJK and Noto Serif CJK, the briefing's fallback for 黑体 and 仿宋.
	@if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -q "Noto Sans CJK SC" \
		&& fc-list 2>/dev/null | grep -q "Noto Serif CJK SC"; then \
		:; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "sysdeps: installing chromium and fonts-noto-cjk"; \
		export DEBIAN_FRONTEND=noninteractive; \
		{ apt-get update && apt-get install -y chromium fonts-noto-cjk; } \
			|| echo "sysdeps: apt-get failed; the browser tests will skip (and fail under CI=true)"; \
	else \
		echo "sysdeps: /usr/bin/chromium or the Noto CJK fonts are missing and this is not root;" \
			"the browser tests will skip saying why (and fail under CI=true)." \
			"As root: apt-get install chromium fonts-noto-cjk"; \
	fi
	@if { command -v soffice || command -v libreoffice; } >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; then \
		:; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "sysdeps: installing libreoffice-writer-nogui and poppler-utils (会议材料 PDF)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		{ apt-get update && apt-get install -y --no-install-recommends libreoffice-writer-nogui poppler-utils \
			fonts-noto-cjk; } \
			|| echo "sysdeps: apt-get failed; the PDF test will skip (and fail under CI=true)"; \
	else \
		echo "sysdeps: LibreOffice or poppler-utils is missing and this is not root; 会议材料 offers no PDF and" \
			"the PDF test will skip (and fail under CI=true). As root: apt-get install libreoffice-writer-nogui poppler-utils"; \
	fi
	@if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then \
		:; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "sysdeps: installing nginx (deploy/nginx.conf: tests/test_deploy.py, tests/browser/test_replicas.py)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		{ apt-get update && apt-get install -y --no-install-recommends nginx; } \
			|| echo "sysdeps: apt-get failed; the nginx tests will skip"; \
	else \
		echo "sysdeps: nginx is missing and this is not root; the nginx tests will skip. As root: apt-get install nginx"; \
	fi
	@# deploy/nginx-brotli.conf: Debian's brotli filter for nginx (issue 21); without it nginx serves gzip only.
	@if [ -e /usr/lib/nginx/modules/ngx_http_brotli_filter_module.so ] || ! command -v nginx >/dev/null 2>&1; then \
		:; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "sysdeps: installing libnginx-mod-http-brotli-filter (deploy/nginx-brotli.conf)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		{ apt-get update && apt-get install -y --no-install-recommends libnginx-mod-http-brotli-filter; } \
			|| echo "sysdeps: apt-get failed; nginx serves gzip only and the brotli test skips"; \
	else \
		echo "sysdeps: the nginx brotli module is missing and this is not root; the brotli test skips." \
			"As root: apt-get install libnginx-mod-http-brotli-filter"; \
	fi

lint: dev-venv
	$(VENV)/bin/ruff check .

## test: lint, then the whole suite on SQLite and the data-layer, importer, report and page tests again on PostgreSQL
## (TEST_DB=pg), with the browser tests running alongside both (tests/passes.sh). Without a PostgreSQL server the
## second pass is left out, saying so, and its tests skip in the first; under CI=true a missing server fails the run,
## as a missing browser does. The tests without a browser run in two worker processes (pytest-xdist, a test file per
## worker at a time); the browser tests run one at a time: they time pages and the 大屏's rotation, which two at once
## made flaky. Page tests marked covered_on_pg only read through service calls the PostgreSQL pass runs anyway
## (test_roles opens every page for every role there), so that pass leaves them out.
PG_TESTS ?= tests/db tests/services tests/seed tests/pages tests/reports tests/components tests/test_app.py
XDIST ?= -n 2 --dist loadfile
test: dev-venv pg-start sysdeps
	$(VENV)/bin/ruff check .
	PY="$(PY)" XDIST="$(XDIST)" PG_TESTS="$(PG_TESTS)" tests/passes.sh

## soak: 2,000 大屏 rotations in one process (not part of `make test`, about three minutes); prints the resident
## memory at rotation 100 and 2,000 and fails when it grew by 50 MB or more
soak: dev-venv
	$(PY) tests/soak_kiosk.py --rotations 2000 --bump-every 100

## bench: page times at county and city scale next to their data calls, a 100k-row import next to a bare
## python-calamine read, 16 sign-ins during a 250k-row import (p95 ≤ 2 s), peak memory (not part of `make test`;
## builds data/bench/*.db once, about a minute, and reuses them). BENCH_ARGS="--scales county" for the county scale only,
## "--repeat 3" for medians of three. Figures go into bench/results.json and the README's table (bench/report.py).
bench: dev-venv
	$(PY) bench/run.py $(BENCH_ARGS)

## bench-province: page times (cold and warm) on the province-scale database on PostgreSQL, 1,800 stations, 1.5
## million businesses, about 10 million visits (not part of `make test` or CI). Builds it once with COPY (python -m
## seed synth --scale province, about 12 minutes on 2 quiet cores) into PROVINCE_URL and reuses it afterwards;
## PROVINCE_ARGS="--rebuild" builds it again, PROVINCE_ARGS="-- --pages 总览" passes arguments on to bench/run.py.
PROVINCE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/shian_province
bench-province: dev-venv pg-start
	$(PY) bench/province.py --db "$(PROVINCE_URL)" $(PROVINCE_ARGS)

## bench-browser: each figure page's load in headless Chromium against a one-chart Streamlit page (bench/one_chart.py),
## cold and warm, medians of 3 rounds on the city database (not part of `make test`). BROWSER_ARGS="--scale county" …
bench-browser: dev-venv sysdeps
	$(PY) bench/browser.py $(BROWSER_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

## load: N concurrent sessions (10, 25, 50 by default) through a websocket-level client, no browser, against a
## server it starts on the synthetic county database; p50/p95 page time, server CPU and memory, the client's own CPU
## (not part of `make test`). LOAD_ARGS="--db URL", "--url http://127.0.0.1:8501", "--sessions 5 --rounds 2" …
## Issue 21's run: LOAD_ARGS="--db postgresql+psycopg://… --replicas 2 --sessions 50 100 --think 10 --duration 300"
## (replicas behind nginx with deploy/nginx.conf, a random page every 10 s for 5 minutes; into bench/results.json).
.PHONY: load
load: dev-venv
	$(PY) bench/load.py $(LOAD_ARGS)
