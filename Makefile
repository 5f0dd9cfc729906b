# The two commands a new machine needs: `make run` and `make test`. Each sets up what it uses:
# a virtual environment with the project and its dev extra (pinned by constraints.txt), and
# GraphiQL's assets from the npm registry.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
ASSETS_DIR := api/static/graphiql
ASSETS := $(ASSETS_DIR)/node_modules/.package-lock.json
# test-only npm packages (axe-core, injected into pages by the browser tests)
TEST_ASSETS_DIR := tests/browser
TEST_ASSETS := $(TEST_ASSETS_DIR)/node_modules/.package-lock.json

.PHONY: run test lint typecheck unit assets bench load fuzz constraints clean

run: $(INSTALLED) $(ASSETS)
	$(BIN)/espace-sante serve --seed-demo

test: lint typecheck unit

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(INSTALLED)
	$(BIN)/mypy

# The suite in one process by default. TEST_WORKERS=2 spreads it over two pytest-xdist workers,
# each with its own embedded stack (about 13 min instead of 27 here), but on two cores the
# fault tests' short store timeouts (a stopped server noticed within seconds) then fail now and
# then: two of four whole runs had one or two of them fail. Use it on a larger machine.
TEST_WORKERS ?= 0
unit: $(INSTALLED) $(ASSETS) $(TEST_ASSETS)
	$(BIN)/pytest --numprocesses $(TEST_WORKERS)

bench: $(INSTALLED) $(ASSETS)
	$(BIN)/python -m bench

# Sustained load on loopback (docs/security.md): concurrent clients mixing reads and writes for
# LOAD_SECONDS, then a count proving every acknowledged write is stored exactly once.
LOAD_SECONDS ?= 120
LOAD_CLIENTS ?= 8
load: $(INSTALLED)
	$(BIN)/python -m tests.load --seconds $(LOAD_SECONDS) --clients $(LOAD_CLIENTS)

# A longer fuzzing session than the suite's (schemathesis, GraphQL mode; docs/security.md).
FUZZ_EXAMPLES ?= 100
fuzz: $(INSTALLED)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_BUDGET_SECONDS=900 $(BIN)/pytest -q -p no:randomly tests/api/test_fuzz.py

assets: $(ASSETS)

$(INSTALLED): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --constraint constraints.txt --editable '.[dev]'
	touch $@

$(ASSETS): $(ASSETS_DIR)/package.json $(ASSETS_DIR)/package-lock.json
	npm ci --prefix $(ASSETS_DIR) --no-audit --no-fund --loglevel=error
	touch $@

$(TEST_ASSETS): $(TEST_ASSETS_DIR)/package.json $(TEST_ASSETS_DIR)/package-lock.json
	npm ci --prefix $(TEST_ASSETS_DIR) --no-audit --no-fund --loglevel=error
	touch $@

# Re-pin every dependency to what is installed now (after changing pyproject.toml).
constraints: $(INSTALLED)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e ' > constraints.txt

clean:
	rm -rf $(VENV) $(ASSETS_DIR)/node_modules $(TEST_ASSETS_DIR)/node_modules .mypy_cache .ruff_cache .pytest_cache
