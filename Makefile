# PuntoRed Analytics — the project's verbs: lint, test, demo, bench.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLINK_VENV := .venv-flink
FLINK_PY := $(FLINK_VENV)/bin/python
export PUNTORED_FLINK_PYTHON ?= $(abspath $(FLINK_PY))

.PHONY: venv flink-venv lint format test test-fast demo bench clean athena-gate

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

# The Flink job has its own environment: apache-flink pins its own pandas/pyarrow/numpy.
$(FLINK_VENV)/.installed: streaming/requirements.txt
	$(PYTHON) -m venv $(FLINK_VENV)
	$(FLINK_PY) -m pip install -q --upgrade pip
	$(FLINK_PY) -m pip install -q -r streaming/requirements.txt
	touch $@

flink-venv: $(FLINK_VENV)/.installed

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy puntored
	$(VENV)/bin/lint-imports
	# The dbt templater opens the DuckDB warehouse: give it a data root that exists.
	mkdir -p $${PUNTORED_DATA_DIR:-data}
	PUNTORED_DATA_DIR=$${PUNTORED_DATA_DIR:-data} $(VENV)/bin/sqlfluff lint models tests/dbt

# Compile every dbt model for Athena offline and validate the SQL as Trino (docs/dbt.md).
athena-gate: venv
	$(PY) -m puntored.transform.athena_gate

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: venv flink-venv
	$(VENV)/bin/pytest

test-fast: venv
	$(VENV)/bin/pytest -m "not slow"

demo: venv flink-venv
	$(VENV)/bin/puntored demo

bench: venv flink-venv
	$(PY) benchmarks/generate.py
	PYTHONPATH=. $(PY) benchmarks/stream.py
	PYTHONPATH=. $(PY) benchmarks/land.py
	PYTHONPATH=. $(PY) benchmarks/dbt_incremental.py
	PYTHONPATH=. $(PY) benchmarks/sync.py
	PYTHONPATH=. $(PY) benchmarks/api.py
	PYTHONPATH=. $(PY) benchmarks/storage.py

clean:
	rm -rf data target logs .pytest_cache .mypy_cache .ruff_cache
