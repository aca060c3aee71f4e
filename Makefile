# make run  — create .venv if missing, install (pinned), start the app on the embedded default
# make test — same set-up, then lint, types, every test
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BROWSER := $(VENV)/.chromium
SSH_KEYGEN := $(VENV)/.ssh-keygen
PORT ?= 8501
# apt-get needs root; a developer's own machine may offer sudo instead.
AS_ROOT := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint typecheck unit e2e bench load stress check clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[dev]'
	touch $(STAMP)

# The browser tests drive Debian's Chromium (Playwright's own browser download is not used).
$(BROWSER):
	command -v chromium >/dev/null 2>&1 || { $(AS_ROOT) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(AS_ROOT) apt-get install -y -qq chromium; }
	chromium --version
	touch $(BROWSER)

# Approvals are signed and verified with OpenSSH's ssh-keygen (rules/allowed_signers).
$(SSH_KEYGEN): $(STAMP)
	command -v ssh-keygen >/dev/null 2>&1 || { $(AS_ROOT) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(AS_ROOT) apt-get install -y -qq openssh-client; }
	touch $(SSH_KEYGEN)

run: $(STAMP) $(SSH_KEYGEN)
	$(BIN)/tmrplan app --port $(PORT)

check: $(STAMP)
	$(BIN)/tmrplan check
	$(BIN)/tmrplan rules lint

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache  # the layers in pyproject's [tool.importlinter]

typecheck: $(STAMP)
	$(BIN)/mypy

# Semantic versioning is checked against the previous commit (on a clean checkout the working
# copy is HEAD itself, which could never fail): a commit that changes a reference plan must bump
# the responsible card's MAJOR version. Override with TMRPLAN_SEMVER_BASE=origin/main on a branch.
TMRPLAN_SEMVER_BASE ?= $(shell git rev-parse -q --verify HEAD~1 >/dev/null 2>&1 && echo HEAD~1 || echo HEAD)
export TMRPLAN_SEMVER_BASE

# Tests run on every core (pytest-xdist): each worker builds its own session fixtures and its own
# temporary cache. The browser tests share one worker and the other system tests another (their
# xdist_group, see tests/conftest.py), so each kind runs one test at a time, the two side by side;
# the property-input summary is printed once, for all workers.
# PARALLEL= runs everything in one process.
PARALLEL ?= -n auto --dist loadgroup

# The fast tier: every test but the `system` ones (wheel, browser, load, killed writers, stress).
unit: $(STAMP)
	$(BIN)/python -m pytest -q $(PARALLEL) -m "not system"

# Everything, the system tier included, in one pytest run (one summary of the property inputs).
# The slowest tests are listed at the end: the whole run must stay under 15 minutes on 2 cores.
test: lint typecheck check $(BROWSER) $(SSH_KEYGEN)
	$(BIN)/python -m pytest -q $(PARALLEL) --durations=15

e2e: $(STAMP) $(BROWSER)
	$(BIN)/python -m pytest -q tests/system/browser

bench: $(STAMP)
	$(BIN)/python scripts/bench.py

# The engine's thread test at full count: 80 threads x 5,000 evaluations (make test runs 500 each).
stress: $(STAMP)
	TMRPLAN_STRESS_PER_THREAD=5000 $(BIN)/python -m pytest -q tests/rules/test_engine.py -k stress

# 24 protocol-level clients against a fresh server for 3 minutes (make test runs 45 s of it).
load: $(STAMP)
	$(BIN)/python scripts/load.py --clients 24 --seconds 180 --json tests/system/browser/artifacts/load-make.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache dist build
