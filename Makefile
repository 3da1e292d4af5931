# The two commands a newcomer needs: `make demo` and `make test`. Each sets everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ARGS ?=

.PHONY: demo test setup services browser lint typecheck pytest bench clean

$(BIN)/joinedup: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	@touch $@

setup: $(BIN)/joinedup

## Generate the synthetic place Kettleby, load it into SQLite (joinedup.db), summarise, then serve.
demo: setup browser
	$(BIN)/joinedup demo $(ARGS)

## Lint, type-check and run the whole suite (every storage test on SQLite and on PostgreSQL).
test: setup services browser lint typecheck pytest

services:
	bash scripts/services.sh

## Debian's Chromium for the screen-capture connector and browser tests (never a browser download).
browser:
	bash scripts/install-browser.sh

lint:
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest -n 2 $(ARGS)

## Benchmarks: figures go to bench/results.json and docs/benchmarks.md.
bench: setup
	$(BIN)/python bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache joinedup.db joinedup.db-*
