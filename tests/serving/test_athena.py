"""The Athena client's answers to what moto cannot produce: a FAILED query with Athena's
reason, typed cells of every kind, several pages (botocore's Stubber checks each request)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import boto3
import pytest
from botocore.stub import Stubber

from puntored.serving.athena import Athena, AthenaError, convert
from puntored.settings import Settings

SETTINGS = Settings(
    mode="aws", aws_region="us-east-1", landing_uri="s3://l", lake_uri="s3://k",
    state_uri="s3://s", athena_s3_staging_dir="s3://r/results/", athena_s3_data_dir="s3://m/",
    database_url="postgresql+psycopg://u@h/db", athena_workgroup="puntored-dev",
)  # fmt: skip


def _stubbed() -> tuple[Athena, Stubber]:
    client = boto3.client("athena", region_name="us-east-1")  # a private one, stubbed
    return Athena(SETTINGS, client=client), Stubber(client)


def test_a_failed_query_is_one_line_with_athenas_reason() -> None:
    athena, stub = _stubbed()
    sql = 'SELECT nope FROM "puntored_marts"."fct_provider_daily"'
    stub.add_response(
        "start_query_execution",
        {"QueryExecutionId": "q-1"},
        {"QueryString": sql, "WorkGroup": "puntored-dev",
         "ResultConfiguration": {"OutputLocation": "s3://r/results/"},
         "QueryExecutionContext": {"Database": "puntored_marts"}},
    )  # fmt: skip
    reason = "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved\nat ..."
    stub.add_response(
        "get_query_execution",
        {"QueryExecution": {"Status": {"State": "FAILED", "StateChangeReason": reason}}},
        {"QueryExecutionId": "q-1"},
    )
    with stub, pytest.raises(AthenaError) as error:
        athena.query(sql, database="puntored_marts")
    assert str(error.value) == (
        "Athena query q-1 FAILED: COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved "
        '(SELECT nope FROM "puntored_marts"."fct_provider_daily")'
    )
    stub.assert_no_pending_responses()


def test_answers_are_read_over_pages_and_typed() -> None:
    athena, stub = _stubbed()
    info = [{"Name": n, "Type": t} for n, t in (
        ("dt", "date"), ("rows", "bigint"), ("amount", "decimal"), ("rate", "double"),
        ("at", "timestamp"), ("ok", "boolean"), ("name", "varchar"),
    )]  # fmt: skip
    header = {"Data": [{"VarCharValue": c["Name"]} for c in info]}
    row = {"Data": [{"VarCharValue": v} for v in (
        "2026-11-01", "12", "1000.50", "0.25", "2026-11-01 10:00:00.123", "true", "claro",
    )]}  # fmt: skip
    nulls = {"Data": [{}] * len(info)}
    metadata = {"ColumnInfo": info}
    stub.add_response(
        "get_query_results",
        {"ResultSet": {"Rows": [header, row], "ResultSetMetadata": metadata}, "NextToken": "p2"},
        {"QueryExecutionId": "q-2", "MaxResults": 1000},
    )
    stub.add_response(
        "get_query_results",
        {"ResultSet": {"Rows": [nulls], "ResultSetMetadata": metadata}},
        {"QueryExecutionId": "q-2", "MaxResults": 1000, "NextToken": "p2"},
    )
    with stub:
        answer = athena.results("q-2")
    assert answer.rows == [
        (date(2026, 11, 1), 12, Decimal("1000.50"), 0.25,
         datetime(2026, 11, 1, 10, 0, 0, 123000), True, "claro"),
        (None,) * 7,
    ]  # fmt: skip
    assert convert("decimal(18,2)", "-5000.00") == Decimal("-5000.00")
    assert convert("varchar(20)", "x") == "x"
