"""The Athena warehouse reader: the SQL it renders (Trino-valid) and how it reads answers.

Untested against a real Athena: the query function is a fake returning what
awswrangler.athena.read_sql_query would (pandas DataFrames).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pytest
import trino_sql_validator

from puntored.serving.sync.checksum import FingerprintKind
from puntored.serving.sync.marts import (
    FACTS,
    MARTS,
    MartSchemaError,
    Partitions,
    check_mart_columns,
)
from puntored.serving.sync.warehouse import AthenaWarehouse
from puntored.settings import Settings

DAY = date(2026, 11, 1)
ATHENA_TYPES = {
    "provider_id": "varchar", "transactions": "bigint", "approved": "bigint", "rejected": "bigint",
    "failed": "bigint", "reversed": "bigint", "approval_rate": "double",
    "gross_amount": "decimal(18,2)", "reversed_amount": "decimal(18,2)",
    "net_amount": "decimal(18,2)", "commission": "decimal(18,2)",
    "average_ticket": "decimal(18,2)", "distinct_clients": "bigint", "latency_p50_ms": "integer",
    "latency_p95_ms": "integer", "dt": "date",
}  # fmt: skip


@pytest.fixture
def aws_settings() -> Settings:
    return Settings(
        mode="aws", aws_region="us-east-1", landing_uri="s3://b/landing", lake_uri="s3://b/lake",
        state_uri="s3://b/state", athena_s3_staging_dir="s3://b/athena",
        athena_s3_data_dir="s3://b/marts", database_url="postgresql+psycopg://u@h/db",
        athena_schema="puntored_marts",
    )  # fmt: skip


def test_rendered_athena_sql_is_valid_trino(aws_settings: Settings) -> None:
    warehouse = AthenaWarehouse(aws_settings, query=lambda sql: None)
    for mart in MARTS:
        november = Partitions(date(2026, 11, 1), date(2026, 11, 30))
        statements = [
            warehouse.columns_sql(MARTS),
            warehouse.built_at_sql(mart, november),
            warehouse.built_at_sql(mart, Partitions(), after=datetime(2026, 11, 2, 5, tzinfo=UTC)),
            warehouse.row_count_sql(mart, Partitions()),
            warehouse.row_count_sql(mart, november),
            warehouse.fingerprints_sql(mart, FingerprintKind.CONTENT, november),
            warehouse.fingerprints_sql(mart, FingerprintKind.TOTALS, Partitions(dts=(DAY,))),
            warehouse.read_sql(mart, [date(2026, 11, 1), date(2026, 11, 2)]),
        ]
        for sql in statements:
            result = trino_sql_validator.validate(sql)
            assert result.valid, (sql, result)
    fingerprint = warehouse.fingerprints_sql(
        FACTS[0], FingerprintKind.CONTENT, Partitions(date(2026, 11, 1))
    )
    assert '"puntored_marts"."fct_provider_daily"' in fingerprint
    assert "\"dt\" >= DATE '2026-11-01'" in fingerprint and "to_utf8" in fingerprint


def test_athena_answers_are_read_into_columns_fingerprints_and_rows(
    aws_settings: Settings,
) -> None:
    answers = {
        "information_schema": pd.DataFrame(
            {
                "table_name": ["fct_provider_daily"] * len(ATHENA_TYPES),
                "column_name": list(ATHENA_TYPES),
                "data_type": list(ATHENA_TYPES.values()),
            }
        ),
        "count(*)": pd.DataFrame(
            {"dt": [date(2026, 11, 1)], "row_count": [2], "hash_sum_a": [255], "hash_sum_b": [16]}
        ),
    }
    row = {name: 1 for name in ATHENA_TYPES} | {
        "provider_id": "claro", "approval_rate": 0.5, "gross_amount": Decimal("10.50"),
        "reversed_amount": Decimal("0.00"), "net_amount": Decimal("10.50"),
        "commission": Decimal("0.37"), "average_ticket": None, "dt": date(2026, 11, 1),
    }  # fmt: skip
    answers['SELECT "provider_id"'] = pd.DataFrame([row])

    def fake_query(sql: str) -> pd.DataFrame:
        return next(frame for key, frame in answers.items() if key in sql)

    warehouse = AthenaWarehouse(aws_settings, query=fake_query)
    mart = FACTS[0]
    columns = warehouse.columns([mart])[mart.name]
    check_mart_columns(mart, columns)
    with pytest.raises(MartSchemaError, match="latency_p95_ms is varchar"):
        check_mart_columns(mart, columns | {"latency_p95_ms": "varchar"})
    fingerprints = warehouse.fingerprints(mart, FingerprintKind.CONTENT, Partitions())
    assert fingerprints[date(2026, 11, 1)].row_count == 2
    assert fingerprints[date(2026, 11, 1)].checksum == "ff-10"
    (batch,) = list(warehouse.read(mart, [date(2026, 11, 1)]))
    assert batch.to_pylist()[0]["gross_amount"] == Decimal("10.50")
    assert batch.schema.names == [c.name for c in mart.columns]
