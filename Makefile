# graph_service: on a fresh machine, `make demo` or `make test` is all it takes (see README.md).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
GS := $(BIN)/graph-service
PYTEST_ARGS ?=

# The Neo4j that `make test` starts: the same home, port and password as the local fallback in
# tests/_neo4j.py, jars shared with the development server, so nothing is downloaded twice.
TEST_NEO4J_PORT ?= 7697
TEST_NEO4J_PASSWORD := graph-service-test
TEST_NEO4J := GRAPH_SERVICE_NEO4J_HOME=.neo4j/test GRAPH_SERVICE_NEO4J_LIB_DIR=.neo4j/lib \
	GRAPH_SERVICE_NEO4J_BOLT_PORT=$(TEST_NEO4J_PORT) GRAPH_SERVICE_NEO4J_PASSWORD=$(TEST_NEO4J_PASSWORD) \
	GRAPH_SERVICE_NEO4J_HEAP=512m GRAPH_SERVICE_NEO4J_PAGECACHE=128m

# The demo runs on the embedded store (no Java needed), entirely under demo-data/ (git-ignored).
DEMO_DIR := demo-data
DEMO_ORGS ?= 300
DEMO_STORE := GRAPH_SERVICE_DATA_DIR=$(DEMO_DIR)/store
# Development-only keys for the demo (never use these outside a laptop): one per kind of user.
DEMO_KEYS := {"demo-investigator": {"role": "investigator", "name": "demo investigator"}, \
	"demo-approval": {"role": "approval", "name": "demo approval system"}, \
	"demo-admin": {"role": "admin", "name": "demo admin"}}

.PHONY: help demo test test-neo4j-stop lint

help:
	@echo "make demo   synthetic registry -> embedded store -> API on http://127.0.0.1:8000"
	@echo "make test   the whole suite, against a local Neo4j started (and stopped) for it"
	@echo "make lint   ruff and mypy --strict"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# bench: psycopg and matplotlib, so the suite's benchmark smoke run also checks the PostgreSQL baseline.
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	rm -rf $(DEMO_DIR)
	$(GS) synth $(DEMO_DIR)/source --orgs $(DEMO_ORGS)
	$(DEMO_STORE) $(GS) load $(DEMO_DIR)/source --rejects $(DEMO_DIR)/rejects-registry.csv
	$(DEMO_STORE) $(GS) load $(DEMO_DIR)/source/court --format court --rejects $(DEMO_DIR)/rejects-court.csv
	$(DEMO_STORE) $(GS) load $(DEMO_DIR)/source/penalty --format penalty --rejects $(DEMO_DIR)/rejects-penalty.csv
	@echo "Demo API keys (X-API-Key): demo-investigator, demo-approval, demo-admin — open http://127.0.0.1:8000/"
	$(DEMO_STORE) GRAPH_SERVICE_API_KEYS='$(DEMO_KEYS)' $(GS) serve --host 127.0.0.1 --port 8000

# With GRAPH_SERVICE_NEO4J_URI set, the suite uses that server. Otherwise it starts the local test server
# unless one already runs, exports its URI to pytest, and stops it on every exit path (the trap) — but only
# if this run started it.
test: $(VENV)/.installed-dev
	@if [ -n "$${GRAPH_SERVICE_NEO4J_URI:-}" ]; then \
		echo "make test: Neo4j from GRAPH_SERVICE_NEO4J_URI=$$GRAPH_SERVICE_NEO4J_URI"; \
		exec $(BIN)/pytest $(PYTEST_ARGS); \
	fi; \
	started=""; \
	trap 'if [ -n "$$started" ]; then env $(TEST_NEO4J) $(GS) neo4j stop; fi' EXIT; \
	if ! env $(TEST_NEO4J) $(GS) neo4j status; then \
		started=1; \
		env $(TEST_NEO4J) $(GS) neo4j start; \
	fi; \
	GRAPH_SERVICE_NEO4J_URI=bolt://127.0.0.1:$(TEST_NEO4J_PORT) GRAPH_SERVICE_NEO4J_USER=neo4j \
		GRAPH_SERVICE_NEO4J_PASSWORD=$(TEST_NEO4J_PASSWORD) $(BIN)/pytest $(PYTEST_ARGS)

# Stops the test server if this checkout's .neo4j/test runs one (.ci/run calls it when it exits).
test-neo4j-stop:
	@if [ -x $(GS) ]; then env $(TEST_NEO4J) $(GS) neo4j stop; fi

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
