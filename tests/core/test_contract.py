"""The contract's derivations agree with each other and with the dbt sources."""

from __future__ import annotations

import re

import jsonschema
import pytest

from puntored.contract import TRANSACTION_FIELDS, FieldType, field_names
from puntored.contract.dbt import raw_transactions_columns
from puntored.contract.flink import flink_column_ddl, flink_columns
from puntored.contract.json_schema import transaction_json_schema
from puntored.contract.spark import transaction_schema

VALID_EVENT = {
    "transaction_id": "tx-1",
    "event_type": "sale",
    "reversed_transaction_id": None,
    "event_at": "2026-11-02T13:45:12.345Z",
    "provider_id": "claro",
    "product_id": "claro_topup",
    "client_id": "PDV000001",
    "terminal_id": "T-1",
    "channel": "pos",
    "payment_method": "cash",
    "amount": 10000.00,
    "commission": 450.00,
    "currency": "COP",
    "status": "approved",
    "response_code": "00",
    "latency_ms": 420,
    "customer_reference": "300****123",
}


def test_every_derivation_lists_the_contract_fields_in_order() -> None:
    names = list(field_names())
    assert [f.name for f in transaction_schema().fields] == names
    assert [name for name, _ in flink_columns()] == names
    assert list(transaction_json_schema()["properties"]) == names
    assert [name for name, _ in raw_transactions_columns()][: len(names)] == names


def test_types_map_consistently() -> None:
    spark = {f.name: f.dataType.simpleString() for f in transaction_schema().fields}
    flink = dict(flink_columns())
    for field in TRANSACTION_FIELDS:
        if field.type is FieldType.DECIMAL:
            assert spark[field.name] == "decimal(18,2)"
            assert flink[field.name] == "DECIMAL(18, 2)"
        if field.type is FieldType.TIMESTAMP:
            assert spark[field.name] == "timestamp"
            assert flink[field.name].startswith("TIMESTAMP_LTZ")


def test_raw_table_ends_with_lake_metadata_and_dt() -> None:
    tail = [name for name, _ in raw_transactions_columns()][-3:]
    assert tail == ["source_file", "ingested_at", "dt"]


def test_flink_ddl_quotes_every_column() -> None:
    ddl = flink_column_ddl()
    assert len(re.findall(r"^  `\w+` ", ddl, flags=re.M)) == len(TRANSACTION_FIELDS)


def test_json_schema_accepts_a_valid_event() -> None:
    jsonschema.validate(VALID_EVENT, transaction_json_schema())


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"amount": -1.0}, "negative amount"),
        ({"status": "maybe"}, "unknown status"),
        ({"latency_ms": "fast"}, "wrong type"),
        ({"event_at": "2026-11-02 13:45"}, "not ISO UTC"),
        ({"event_type": "reversal"}, "reversal without the sale it reverses"),
        ({"surprise": 1}, "field outside the contract"),
    ],
)
def test_json_schema_rejects_bad_events(change: dict, why: str) -> None:
    event = VALID_EVENT | change
    validator = jsonschema.Draft202012Validator(
        transaction_json_schema(), format_checker=jsonschema.FormatChecker()
    )
    assert not validator.is_valid(event), why


def test_json_schema_rejects_a_missing_required_field() -> None:
    event = {k: v for k, v in VALID_EVENT.items() if k != "amount"}
    assert not jsonschema.Draft202012Validator(transaction_json_schema()).is_valid(event)
