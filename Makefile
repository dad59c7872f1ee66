# PuntoRed Analytics — the project's verbs: lint, test, demo, bench.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLINK_VENV := .venv-flink
FLINK_PY := $(FLINK_VENV)/bin/python
export PUNTORED_FLINK_PYTHON ?= $(abspath $(FLINK_PY))
CHECKOV_VENV := .venv-checkov
# jsii (aws-cdk-lib) on this machine's Node.js 20: keep its version banners out of the output.
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: venv flink-venv checkov-venv lint infra-lint format test test-fast demo bench clean \
	athena-gate package infra

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

# checkov pins boto3/packaging versions of its own: it gets its own environment too.
$(CHECKOV_VENV)/.installed: infra/requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install -q -r infra/requirements-checkov.txt
	touch $@

checkov-venv: $(CHECKOV_VENV)/.installed

# Deployable zips under dist/ (infra/packaging.py). The Lambda's dependencies come from PyPI
# (manylinux x86_64 wheels), so that zip is rebuilt only when its inputs change.
CODE := $(shell find puntored glue serving streaming api seeds -type f -not -path '*/__pycache__/*' 2>/dev/null)
dist/puntored-glue.zip: $(CODE) infra/packaging.py
	$(PY) -m infra.packaging glue
dist/stream-processor.zip: $(CODE) pyproject.toml infra/packaging.py
	$(PY) -m infra.packaging lambda
dist/flink-app.zip: $(CODE) infra/packaging.py $(wildcard infra/flink-connectors/target/*.jar)
	$(PY) -m infra.packaging flink --allow-missing-jar

package: venv dist/puntored-glue.zip dist/stream-processor.zip dist/flink-app.zip

# Every stack of every stage, synthesized offline into infra/cdk.out (docs/deploy.md).
infra: package
	rm -rf infra/cdk.out
	$(PY) -m infra.app

# cfn-lint (errors fail; warnings shown), checkov (skips per resource: infra/checkov.py),
# hadolint on the Dockerfiles.
infra-lint: infra checkov-venv
	$(VENV)/bin/cfn-lint --non-zero-exit-code error infra/cdk.out/*.template.json
	$(CHECKOV_VENV)/bin/checkov --config-file infra/checkov.yaml \
		$$(for file in infra/cdk.out/*.template.json infra/docker/*.Dockerfile; do echo "-f $$file"; done)
	$(VENV)/bin/hadolint infra/docker/*.Dockerfile

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy puntored infra
	$(VENV)/bin/lint-imports
	# The dbt templater opens the DuckDB warehouse: give it a data root that exists.
	mkdir -p $${PUNTORED_DATA_DIR:-data}
	PUNTORED_DATA_DIR=$${PUNTORED_DATA_DIR:-data} $(VENV)/bin/sqlfluff lint models tests/dbt
	$(MAKE) infra-lint

# Compile every dbt model for Athena offline and validate the SQL as Trino (docs/dbt.md).
athena-gate: venv
	$(PY) -m puntored.transform.athena_gate

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: venv flink-venv package
	$(VENV)/bin/pytest -n 2 --dist loadgroup

test-fast: venv package
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
	rm -rf data target logs .pytest_cache .mypy_cache .ruff_cache dist infra/cdk.out
