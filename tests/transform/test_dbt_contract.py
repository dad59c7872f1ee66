"""The dbt YAML agrees with the contract: raw source columns and mart columns cannot drift."""

from __future__ import annotations

from pathlib import Path

import yaml

from puntored.contract.dbt import raw_transactions_columns
from puntored.contract.lake import PARTITION_COLUMN, RAW_QUARANTINE, RAW_TRANSACTIONS
from puntored.settings import PROJECT_ROOT

MEASURES = [
    ("transactions", "bigint"),
    ("approved", "bigint"),
    ("rejected", "bigint"),
    ("failed", "bigint"),
    ("reversed", "bigint"),
    ("approval_rate", "double"),
    ("gross_amount", "decimal(18,2)"),
    ("reversed_amount", "decimal(18,2)"),
    ("net_amount", "decimal(18,2)"),
    ("commission", "decimal(18,2)"),
    ("average_ticket", "decimal(18,2)"),
    ("distinct_clients", "bigint"),
    ("latency_p50_ms", "integer"),
    ("latency_p95_ms", "integer"),
]


def _load(relative: str) -> dict:
    return yaml.safe_load((PROJECT_ROOT / relative).read_text())


def _columns(node: dict) -> list[tuple[str, str | None]]:
    return [(c["name"], c.get("data_type")) for c in node["columns"]]


def test_raw_transactions_source_columns_are_the_contract() -> None:
    sources = _load("models/staging/raw/_raw__sources.yml")["sources"]
    raw = next(s for s in sources if s["name"] == "raw")
    table = next(t for t in raw["tables"] if t["name"] == "transactions")
    declared = _columns(table)
    expected = raw_transactions_columns()
    assert [name for name, _ in declared] == [name for name, _ in expected]
    for (name, declared_type), (_, contract_type) in zip(declared, expected, strict=True):
        if declared_type is not None:
            assert declared_type == contract_type, name


def test_fact_marts_columns_follow_the_data_contract() -> None:
    models = {m["name"]: m for m in _load("models/marts/_fct__models.yml")["models"]}
    keys = {
        "fct_provider_daily": ["provider_id"],
        "fct_provider_product_daily": ["provider_id", "product_id"],
        "fct_provider_client_daily": ["provider_id", "client_id"],
    }
    for name, key_columns in keys.items():
        measures = [
            m
            for m in MEASURES
            if not (name.endswith("client_daily") and m[0] == "distinct_clients")
        ]
        lineage = [("_built_at", "timestamp"), ("dt", "date")]
        expected = [(k, "varchar") for k in key_columns] + measures + lineage
        assert _columns(models[name]) == expected, name
        assert models[name]["config"]["contract"]["enforced"] is True


def test_every_model_and_column_is_described() -> None:
    for path in sorted(Path(PROJECT_ROOT / "models").rglob("*.yml")):
        for model in yaml.safe_load(path.read_text()).get("models", []):
            assert model.get("description"), model["name"]
            for column in model.get("columns", []):
                assert column.get("description"), f"{model['name']}.{column['name']}"
            sql = next(PROJECT_ROOT.joinpath("models").rglob(f"{model['name']}.sql"))
            assert sql.exists()


def test_raw_sources_read_the_lake_layout_of_the_contract() -> None:
    """dbt-duckdb reads each raw table from the folder and partition naming the job writes."""
    sources = _load("models/staging/raw/_raw__sources.yml")["sources"]
    tables = {t["name"]: t for t in next(s for s in sources if s["name"] == "raw")["tables"]}
    for table in (RAW_TRANSACTIONS, RAW_QUARANTINE):
        location = tables[table.name]["config"]["external_location"]
        assert f"/lake/{table.relative}/*/*.parquet" in location
        assert f"hive_types = {{'{PARTITION_COLUMN}': 'DATE'}}" in location
