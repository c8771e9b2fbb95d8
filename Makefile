# Every target creates .venv if it is missing and (re)installs when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?= -n 2

.PHONY: test lint typecheck unit wheel-smoke serve bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench .ci/wheel_smoke
	$(BIN)/ruff format --check src tests bench .ci/wheel_smoke

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest tests $(PYTEST_ARGS)

# The built wheel, installed in a clean venv, run from outside the source tree (.ci/wheel-smoke).
wheel-smoke: $(STAMP)
	PYTHON=$(PYTHON) bash .ci/wheel-smoke

test: lint typecheck wheel-smoke unit

serve: $(STAMP)
	$(BIN)/smsmock serve --scenario scenarios/default.yaml $(SERVE_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info src/*.egg-info
