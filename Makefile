# Kaizen: `make run` starts the local stack, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROTO_SRC := $(wildcard proto/kaizen/v1/*.proto)

.PHONY: run test install bytecode tools kube-tools postgres-check proto lint typecheck policy-check bench clean

# The virtual environment, rebuilt when the pinned set changes.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# Bytecode for the project's own packages, written even under PYTHONDONTWRITEBYTECODE.
# Temporal's workflow sandbox imports the workflow modules afresh for every run; without
# a .pyc that means compiling them from source each time (bench/PROFILE.md).
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q kaizen workflows activities workers api

# Pinned Temporal CLI and OPA, and Debian's Prometheus and Alertmanager (with promtool and
# amtool), cached outside the clone; a matching binary on PATH wins.
tools: $(STAMP)
	$(BIN)/kaizen tools install

# kube-apiserver, controller manager, scheduler, etcd and kwok, built from tools/kube
# (cached by go.sum; a cold build takes minutes, see tools/kube/README.md).
kube-tools:
	tools/kube/build.sh >/dev/null

run: install bytecode tools
	$(BIN)/kaizen up

proto: $(STAMP)
	$(BIN)/python -m kaizen.contract.generate

policy-check: tools
	$(BIN)/kaizen tools exec opa check --strict policies
	$(BIN)/kaizen tools exec opa fmt --diff --fail policies
	$(BIN)/kaizen tools exec opa test policies

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# PostgreSQL's server binaries (Debian's postgresql package): the tests run Kaizen's
# persistence on a throwaway cluster too (tests/postgres_server.py). Found on PATH or in
# /usr/lib/postgresql/*/bin; otherwise this stops with how to install them.
postgres-check: $(STAMP)
	@$(BIN)/python -c 'import sys; from tests.postgres_server import find_server_binaries as f, INSTALL_HINT; f() or sys.exit(INSTALL_HINT); print("PostgreSQL server binaries:", f())'

test: install bytecode tools kube-tools postgres-check policy-check lint typecheck
	$(BIN)/pytest

bench: install bytecode tools kube-tools
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
