"""The Athena warehouse reader: the SQL it renders (Trino-valid), and the sync through it
against moto's Athena into PostgreSQL.

moto runs no SQL: every question the sync asks Athena is also put to DuckDB marts built by the
same builder (the reader's SQL per engine differs; the fingerprints are engine-independent by
design, tests/serving/test_sync.py), and DuckDB's answer is injected as Athena's, typed as
Athena types it, just before the query starts. The requests (work group, the marts schema as
database, the SQL naming ``"<marts schema>"."<mart>"``), the polling and the paged, typed
GetQueryResults are the real path (tests/support/moto_athena.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
import trino_sql_validator

from puntored.aws import AwsConfig
from puntored.database.engine import make_engine
from puntored.database.migrate import upgrade
from puntored.serving.athena import QueryResult
from puntored.serving.sync.checksum import Fingerprint, FingerprintKind
from puntored.serving.sync.marts import (
    FACTS,
    MARTS,
    Mart,
    MartSchemaError,
    Partitions,
)
from puntored.serving.sync.run import run_sync
from puntored.serving.sync.warehouse import AthenaWarehouse, DuckDBWarehouse, Rebuild
from puntored.serving.sync.writer import SyncVerificationError
from puntored.settings import Settings
from tests.support.mart_builder import build_marts
from tests.support.moto_athena import MotoAthena

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
def offline_settings() -> Settings:
    return Settings(
        mode="aws", aws_region="us-east-1", landing_uri="s3://b/landing", lake_uri="s3://b/lake",
        state_uri="s3://b/state", athena_s3_staging_dir="s3://b/athena",
        athena_s3_data_dir="s3://b/marts", database_url="postgresql+psycopg://u@h/db",
        athena_schema="puntored_marts",
    )  # fmt: skip


def test_rendered_athena_sql_is_valid_trino(offline_settings: Settings) -> None:
    warehouse = AthenaWarehouse(offline_settings, query=lambda sql: QueryResult([], []))
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


def _athena_type(duckdb_type: str) -> str:
    """DuckDB's type name as Athena names the same column or result type."""
    name = duckdb_type.strip().lower()
    return {"hugeint": "bigint", "timestamp": "timestamp(3)"}.get(name, name)


class MotoMarts(AthenaWarehouse):
    """The Athena reader on moto, each answer taken from the same question put to DuckDB."""

    def __init__(self, settings: Settings, duckdb_path: Path) -> None:
        self.athena = MotoAthena(settings, lambda sql: self._pending)
        super().__init__(settings, query=partial(self.athena.query, database=settings.marts_schema))
        self.duckdb_path = duckdb_path
        self._duck = DuckDBWarehouse(duckdb_path, settings.marts_schema)
        self._pending = QueryResult([], [])
        self.tamper: Callable[[Mart, QueryResult], QueryResult] | None = None

    def _ask(self, duckdb_sql: str, mart: Mart | None = None) -> None:
        relation = self._duck._connection.sql(duckdb_sql)
        types = [_athena_type(str(t)) for t in relation.types]
        rows = relation.fetchall()
        if relation.columns[-1] == "data_type":  # information_schema: Athena's type names
            rows = [(*row[:-1], _athena_type(row[-1])) for row in rows]
        answer = QueryResult(list(zip(relation.columns, types, strict=True)), rows)
        if mart is not None and self.tamper is not None:
            answer = self.tamper(mart, answer)
        self._pending = answer

    def columns(self, marts: Sequence[Mart]) -> dict[str, dict[str, str]]:
        self._ask(self._duck.columns_sql(marts))
        return super().columns(marts)

    def built_at(
        self, mart: Mart, partitions: Partitions, *, after: datetime | None = None
    ) -> dict[date, Rebuild]:
        self._ask(self._duck.built_at_sql(mart, partitions, after))
        return super().built_at(mart, partitions, after=after)

    def row_count(self, mart: Mart, partitions: Partitions) -> int:
        self._ask(self._duck.row_count_sql(mart, partitions))
        return super().row_count(mart, partitions)

    def fingerprints(
        self, mart: Mart, kind: FingerprintKind, partitions: Partitions
    ) -> dict[date, Fingerprint]:
        self._ask(self._duck.fingerprints_sql(mart, kind, partitions))
        return super().fingerprints(mart, kind, partitions)

    def read(self, mart: Mart, dts: list[date]) -> Iterator[pa.RecordBatch]:
        self._ask(self._duck.read_sql(mart, dts), mart)
        return super().read(mart, dts)

    def close(self) -> None:
        self._duck.close()


@pytest.fixture
def moto_marts(
    aws_settings: Settings, postgres_url: str, tmp_path: Path
) -> Iterator[tuple[Settings, MotoMarts]]:
    """Marts in the schema dbt writes in aws mode, the sync's Athena reader on moto, and a
    migrated PostgreSQL serving database."""
    settings = aws_settings.model_copy(update={"database_url": postgres_url})
    path = tmp_path / "marts.duckdb"
    build_marts(path, schema=settings.marts_schema)
    upgrade(postgres_url)
    warehouse = MotoMarts(settings, path)
    yield settings, warehouse
    warehouse.close()


def _serving(url: str, mart: Mart) -> list[tuple[Any, ...]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return sorted((tuple(r) for r in connection.execute(mart.table.select())), key=repr)
    finally:
        engine.dispose()


def _in_duckdb(warehouse: MotoMarts, mart: Mart) -> list[tuple[Any, ...]]:
    columns = ", ".join(f'"{c.name}"' for c in mart.columns)
    connection = duckdb.connect(str(warehouse.duckdb_path), read_only=True)
    try:
        sql = f'SELECT {columns} FROM "{warehouse.schema}"."{mart.name}"'
        return sorted(connection.execute(sql).fetchall(), key=repr)
    finally:
        connection.close()


@pytest.mark.postgres
def test_the_sync_reads_athena_on_moto_into_postgresql(
    moto_marts: tuple[Settings, MotoMarts],
) -> None:
    settings, warehouse = moto_marts
    result = run_sync(settings, warehouse=warehouse)

    assert result.changed and result.last_dt == date(2026, 11, 3)
    for mart in MARTS:
        assert _serving(settings.serving_database_url, mart) == _in_duckdb(warehouse, mart)
    # Every query went to Athena in the settings' work group, on the schema dbt writes.
    client = AwsConfig.from_settings(settings).client("athena")
    assert warehouse.athena.started
    for started in warehouse.athena.started:
        assert started.database == settings.marts_schema == "puntored_marts"
        execution = client.get_query_execution(QueryExecutionId=started.query_id)
        assert execution["QueryExecution"]["WorkGroup"] == settings.athena_workgroup
        assert execution["QueryExecution"]["Status"]["State"] == "SUCCEEDED"
    named = [s.sql for s in warehouse.athena.started if 'FROM "puntored_marts".' in s.sql]
    assert {m.name for m in MARTS} <= {
        re.findall(r'"puntored_marts"\."(\w+)"', sql)[0] for sql in named
    }
    columns_sql = warehouse.athena.started[0].sql
    assert "table_schema = 'puntored_marts'" in columns_sql

    again = run_sync(settings, warehouse=MotoMarts(settings, warehouse.duckdb_path))
    assert not again.changed  # the fingerprints Athena answers match what was written


@pytest.mark.postgres
def test_a_mart_athena_types_differently_fails_before_writing(
    moto_marts: tuple[Settings, MotoMarts],
) -> None:
    settings, warehouse = moto_marts
    original = warehouse._ask

    def retyped(duckdb_sql: str, mart: Mart | None = None) -> None:
        original(duckdb_sql, mart)
        if "information_schema" in duckdb_sql:
            answer = warehouse._pending
            rows = [
                (t, c, "varchar" if (t, c) == ("fct_provider_daily", "latency_p95_ms") else d)
                for t, c, d in answer.rows
            ]
            warehouse._pending = QueryResult(answer.columns, rows)

    warehouse._ask = retyped  # type: ignore[method-assign]
    with pytest.raises(
        MartSchemaError, match="column latency_p95_ms is varchar, expected an integer type"
    ):
        run_sync(settings, warehouse=warehouse)
    assert _serving(settings.serving_database_url, FACTS[0]) == []


@pytest.mark.postgres
def test_rows_that_do_not_match_athenas_checksum_are_not_written(
    moto_marts: tuple[Settings, MotoMarts],
) -> None:
    settings, warehouse = moto_marts

    def one_cent_off(mart: Mart, answer: QueryResult) -> QueryResult:
        if mart.name != "fct_provider_daily":
            return answer
        names = [name for name, _ in answer.columns]
        gross = names.index("gross_amount")
        first = list(answer.rows[0])
        first[gross] = first[gross] + Decimal("0.01")
        return QueryResult(answer.columns, [tuple(first), *answer.rows[1:]])

    warehouse.tamper = one_cent_off
    with pytest.raises(
        SyncVerificationError,
        match=r"provider_daily_metrics differs from fct_provider_daily after writing: "
        r"2026-11-01: warehouse vs serving gross_amount__s \d+ vs \d+",
    ):
        run_sync(settings, warehouse=warehouse)
    assert _serving(settings.serving_database_url, FACTS[0]) == []
