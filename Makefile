# The two set-up commands: `make demo` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
EXTRAS ?= dev,serve,ui,postgres,s3,ray,torch,lightgbm,tune

.PHONY: demo screenshots test lint typecheck importlint pytest bench bench-env clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# torch 2.13.0 is the CPU build; installed first, so that the torch extra's range adds nothing.
TORCH ?= torch==2.13.0

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

# `make demo UI=1` keeps the dashboard open on the demo's workspace at the end (until Ctrl-C).
demo: $(STAMP)
	$(BIN)/python examples/demo.py $(if $(UI),--ui)

# The dashboard's pictures in docs/images/ (README, docs/ui.md), taken by the browser tests.
screenshots: $(STAMP)
	DRIFTLINE_SCREENSHOTS=docs/images $(BIN)/python -m pytest tests/ui/test_browser.py -q -p no:cacheprovider

test: $(STAMP) lint typecheck importlint pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

typecheck: $(STAMP)
	$(BIN)/mypy

importlint: $(STAMP)
	$(BIN)/lint-imports

# The tests run on WORKERS processes (pytest-xdist): `make pytest WORKERS=0` runs them in one process.
WORKERS ?= 2

pytest: $(STAMP)
	$(BIN)/python -m pytest -n $(WORKERS)

bench: $(STAMP) bench-env
	$(BIN)/python benchmarks/store.py
	$(BIN)/python benchmarks/profiles.py
	$(BIN)/python benchmarks/drift.py --peer-python $(BENCH)/bin/python

# Peers measured beside driftline live in their own environment: Evidently 0.7.23 needs pandas 2.
BENCH := .venv-bench
bench-env: $(BENCH)/.installed

$(BENCH)/.installed: pyproject.toml
	$(PYTHON) -m venv $(BENCH)
	$(BENCH)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH)/bin/python -m pip install --quiet -e ".[bench]"
	touch $@

clean:
	rm -rf $(VENV) $(BENCH) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
