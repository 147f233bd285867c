# One entry point for a fresh machine (see README.md):
#   make run    install everything, start (or resume) chain + contracts + demo + API + explorer
#   make test   install everything, lint, run the whole test suite
#   make network  the same product on a local 3-validator proof-of-authority network (geth Clique)
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
BENCH_PORT ?= 18549
# throwaway PostgreSQL server of the service tests (tests/backend/pgserver.py)
PG_TEST_PORT ?= 18548
# The suite runs in TEST_WORKERS processes (pytest-xdist, whole test files per process); process N
# uses the test chain on TEST_PORT+N and its own PostgreSQL server on PG_TEST_PORT+1000·N.
TEST_WORKERS ?= 2
# local validator network: node ports GETH_BASE_PORT … +24 (backend/network/nodes.py); the
# network tests use GETH_TEST_BASE_PORT … +24
GETH_BASE_PORT ?= 18600
GETH_TEST_BASE_PORT ?= 18625
TEST_NETWORK := drr-test-$(TEST_PORT)
# the default stack's data folder (make run, backup, restore): chain, deployment, index, records
DATA_DIR ?= data
# make run FRESH=1 starts over (a new chain and the demo city again); make backup BACKUP=<file>
FRESH ?=
BACKUP ?=
# the city policy profile a fresh deployment loads (policy/<name>.json; docs/registry.md "Policy"):
# make run FRESH=1 POLICY=chongqing-2014 (default shijiazhuang-2023)
POLICY ?=
STACK_ENV = DRR_DATA_DIR=$(abspath $(DATA_DIR)) DRR_CHAIN_PORT=$(LOCAL_PORT) DRR_API_PORT=$(API_PORT) \
  $(if $(POLICY),DRR_POLICY=$(POLICY))

export SOLCX_BINARY_PATH := $(CURDIR)/.solc
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: help deps install run backup restore network geth geth-background test lint slither fuzz api-fuzz compile clean bench bench-gas bench-oracle bench-network load-test

help:
	@echo "make run    install everything and run the product (chain, contracts, demo, API, explorer);"
	@echo "            later runs resume the same data (DATA_DIR, default data/); FRESH=1 starts over"
	@echo "make backup / make restore BACKUP=<file> DATA_DIR=<empty folder>   (docs/operations.md)"
	@echo "make test   install everything and run the whole test suite"
	@echo "make network  run the product on a local 3-validator network (geth Clique)"
	@echo "make slither     static analysis gate (part of make lint; docs/security.md)"
	@echo "make fuzz        long invariant fuzzing (FUZZ_STEPS, default 100000)"
	@echo "make api-fuzz    schemathesis over the API against the local stack (0 server errors)"
	@echo "make load-test  Locust: 100 users read and sign for 10 min against the local stack"
	@echo "make bench  run every benchmark (8 min on an idle machine, 20–30 under load), rewrite benchmarks/results and docs/benchmarks.md"

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

# the environment alone: make run and make network keep Brownie's data in a home of their own
deps: $(VENV)/.installed node_modules/.installed .solc/solc-v$(SOLC_VERSION)

# + the Brownie networks of the tests and benchmarks (in ~/.brownie: `brownie test --network …`)
install: deps
	@$(PY) -m backend.toolchain.networks $(TEST_NETWORK)=$(TEST_PORT) drr-local-$(LOCAL_PORT)=$(LOCAL_PORT) drr-bench-$(BENCH_PORT)=$(BENCH_PORT) >/dev/null

compile: install
	$(VENV)/bin/brownie compile

run: deps
	$(STACK_ENV) $(PY) -m backend.devstack run $(if $(FRESH),--fresh)

# a backup of the data folder, running or stopped (default: backups/<folder>-<time>.tar.gz)
backup: deps
	$(STACK_ENV) $(PY) -m backend.devstack backup $(BACKUP)

# a backup into an empty data folder, checked against the chain; then make run DATA_DIR=…
restore: deps
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=<file> DATA_DIR=<empty folder>"; exit 1; }
	$(STACK_ENV) $(PY) -m backend.devstack restore $(BACKUP)

network: deps
	DRR_GETH_BASE_PORT=$(GETH_BASE_PORT) DRR_API_PORT=$(API_PORT) $(PY) -m backend.network run

geth: $(VENV)/.installed
	$(PY) -m backend.network build

# ruff, the Slither gate, and the service's layers: no import circle in backend/, no import from
# a lower layer to a higher one (.importlinter, docs/architecture.md)
lint: install slither
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@# upgradeable contracts: no stored variable moved, retyped or removed (docs/operations.md)
	$(PY) -m backend.toolchain.storage_layout check
	$(VENV)/bin/lint-imports --no-cache

# Static analysis gate (docs/security.md): fails on any high/medium Slither finding and on any
# low/informational detector the triage table there does not justify.
slither: install
	$(PY) -m backend.toolchain.static_analysis

# The geth build (minutes on a fresh machine) starts first, in the background, and overlaps lint
# and the rest of the suite; the network tests (tests/network/) wait for it.
test: geth-background lint
	@for n in $$(seq 0 $$(($(TEST_WORKERS) - 1))); do \
	  $(PY) -m backend.devstack check-port $$(($(TEST_PORT) + n)) "test chain" TEST_PORT || exit 1; done
	@$(PY) -m tests.backend.pgserver ensure
	@$(PY) -m tests.e2e.browser ensure >/dev/null
	@# Compile once before the workers start: on a fresh clone each xdist worker would otherwise
	@# compile into build/ at the same time and read another's half-written artifacts.
	$(VENV)/bin/brownie compile
	DRR_TEST_PG_PORT=$(PG_TEST_PORT) DRR_GETH_TEST_BASE_PORT=$(GETH_TEST_BASE_PORT) \
	  $(VENV)/bin/brownie test tests --network $(TEST_NETWORK) -n $(TEST_WORKERS)

geth-background: $(VENV)/.installed
	@$(PY) -m backend.network build --background

bench-network: install
	DRR_GETH_TEST_BASE_PORT=$(GETH_TEST_BASE_PORT) $(PY) -m benchmarks.network_throughput

# Longer invariant fuzzing than CI (docs/security.md): the combined registry + exchange + reserve
# random walk for FUZZ_STEPS steps, then the per-component state machines with more examples.
FUZZ_STEPS ?= 100000
fuzz: install
	@$(PY) -m backend.devstack check-port $(TEST_PORT) "test chain" TEST_PORT
	DRR_FUZZ_STEPS=$(FUZZ_STEPS) $(VENV)/bin/brownie test tests/security/test_invariants.py --network $(TEST_NETWORK) -s
	DRR_STATEFUL_EXAMPLES=200 DRR_STATEFUL_STEPS=60 DRR_EXCHANGE_EXAMPLES=60 DRR_EXCHANGE_STEPS=60 \
	  $(VENV)/bin/brownie test tests/contracts/registry/test_registry_state_machine.py \
	  tests/contracts/market/test_exchange_state_machine.py \
	  tests/contracts/lifecycle/test_reserve_state_machine.py --network $(TEST_NETWORK)

# API fuzzing (docs/security.md): schemathesis over the service's OpenAPI against the local stack
# (chain, demo city, service) on LOCAL_PORT / API_PORT; fails on any 5xx. schemathesis needs a newer
# hypothesis than eth-brownie pins, so it has its own environment (requirements-fuzz.lock).
API_FUZZ_EXAMPLES ?= 20
# the tools' own environments: .venv-fuzz (requirements-fuzz.lock), .venv-load (…-load.lock)
.venv-%/.installed: requirements-%.lock
	@test -x .venv-$*/bin/python || $(PYTHON) -m venv .venv-$*
	.venv-$*/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r $<
	@touch $@

api-fuzz: install .venv-fuzz/.installed
	DRR_CHAIN_PORT=$(LOCAL_PORT) DRR_API_PORT=$(API_PORT) $(PY) -m backend.toolchain.api_fuzz --max-examples $(API_FUZZ_EXAMPLES)

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

# Load test (not part of `make test`): Locust users (LOAD_USERS, default 100) read and sign for
# LOAD_MINUTES (default 10) against `make run`'s stack on LOCAL_PORT / API_PORT; its own
# environment (.venv-load, requirements-load.lock); results in benchmarks/results/load_test.json
LOAD_USERS ?= 100
LOAD_MINUTES ?= 10
load-test: deps .venv-load/.installed
	LOCAL_PORT=$(LOCAL_PORT) API_PORT=$(API_PORT) $(PY) -m benchmarks.load_test --users $(LOAD_USERS) --minutes $(LOAD_MINUTES)

bench-gas: install
	BENCH_PORT=$(BENCH_PORT) $(PY) -m benchmarks.gas_registry
	BENCH_PORT=$(BENCH_PORT) $(PY) -m benchmarks.gas_exchange
	BENCH_PORT=$(BENCH_PORT) $(PY) -m benchmarks.gas_lifecycle

bench-oracle: install
	BENCH_PORT=$(BENCH_PORT) $(PY) -m benchmarks.oracle_throughput
