# One entry point for a fresh machine (see README.md):
#   make run    install everything, start chain + contracts + demo + API + explorer
#   make test   install everything, lint, run the whole test suite
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
SOLC_VERSION := $(shell sed -n 's/^ *version: *\([0-9.]*\).*/\1/p' brownie-config.yaml)
# Ports of the project's own: Brownie attaches to whatever listens on a network's port.
TEST_PORT ?= 18546
LOCAL_PORT ?= 18545
API_PORT ?= 8700
BENCH_PORT ?= 18547
# throwaway PostgreSQL server of the service tests (tests/backend/pgserver.py)
PG_TEST_PORT ?= 18548
TEST_NETWORK := drr-test-$(TEST_PORT)

export SOLCX_BINARY_PATH := $(CURDIR)/.solc
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: help install run test lint compile clean bench bench-gas bench-oracle

help:
	@echo "make run    install everything and run the product (chain, contracts, demo, API, explorer)"
	@echo "make test   install everything and run the whole test suite"
	@echo "make bench  run every benchmark (about 30 min), rewrite benchmarks/results and docs/benchmarks.md"

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: Python 3.11 is required"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
	  || { echo "error: $(PYTHON) is not Python 3.11"; exit 1; }
	@echo "== Python environment ($(VENV))"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

node_modules/.installed: package-lock.json
	@echo "== npm packages (solc, anvil, OpenZeppelin)"
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.solc/solc-v$(SOLC_VERSION): $(VENV)/.installed node_modules/.installed brownie-config.yaml
	@echo "== Solidity compiler $(SOLC_VERSION)"
	$(PY) -m backend.toolchain.solc >/dev/null

install: $(VENV)/.installed node_modules/.installed .solc/solc-v$(SOLC_VERSION)
	@$(PY) -m backend.toolchain.networks $(TEST_NETWORK)=$(TEST_PORT) drr-local-$(LOCAL_PORT)=$(LOCAL_PORT) drr-bench-$(BENCH_PORT)=$(BENCH_PORT) >/dev/null

compile: install
	$(VENV)/bin/brownie compile

run: install
	DRR_CHAIN_PORT=$(LOCAL_PORT) DRR_API_PORT=$(API_PORT) $(PY) -m backend.devstack run

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	@$(PY) -m backend.devstack check-port $(TEST_PORT) "test chain" TEST_PORT
	@$(PY) -m tests.backend.pgserver ensure
	@$(PY) -m tests.e2e.browser ensure >/dev/null
	DRR_TEST_PG_PORT=$(PG_TEST_PORT) $(VENV)/bin/brownie test tests --network $(TEST_NETWORK)

clean:
	rm -rf build reports .run .solc

# extra ports of the benchmarks: a second anvil, two throwaway PostgreSQL servers
BENCH_EXTRA_PORT ?= 18540

# every benchmark of issue 10 in one run (not part of `make test`); see docs/benchmarks.md
bench: install
	$(VENV)/bin/brownie compile >/dev/null
	@$(PY) -m backend.devstack check-port $(BENCH_PORT) "bench chain" BENCH_PORT
	@$(PY) -m tests.backend.pgserver ensure
	BENCH_PORT=$(BENCH_PORT) API_PORT=$(API_PORT) BENCH_EXTRA_PORT=$(BENCH_EXTRA_PORT) \
	  $(PY) -m benchmarks.run_all $(BENCH_ARGS)

bench-gas: install
	BENCH_PORT=$(BENCH_PORT) $(PY) -m benchmarks.gas_registry
	BENCH_PORT=$(BENCH_PORT) $(PY) -m benchmarks.gas_exchange
	BENCH_PORT=$(BENCH_PORT) $(PY) -m benchmarks.gas_lifecycle

bench-oracle: install
	BENCH_PORT=$(BENCH_PORT) $(PY) -m benchmarks.oracle_throughput
