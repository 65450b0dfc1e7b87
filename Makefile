# bchub — the two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench bench-quick bench-report audit clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/bchub demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	sh scripts/ensure-chromium.sh
	$(BIN)/pytest -n 2 -q

test: lint typecheck unit

# every scenario at full size into benchmarks/results/ (the committed figures), then REPORT.md and charts
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run_all

# small sizes in a few minutes, into benchmarks/results/quick/ (not committed)
bench-quick: $(STAMP)
	$(BIN)/python -m benchmarks.run_all --quick

# REPORT.md and charts again from the JSONs already in benchmarks/results/, running nothing
bench-report: $(STAMP)
	$(BIN)/python -m benchmarks.report

audit: $(STAMP)
	sh scripts/audit.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
