"""Reading the dbt marts: DuckDB locally, Athena (through awswrangler) in aws mode.

Both readers answer the same three questions — a mart's columns and types, the fingerprint of
each of its partitions, and the rows of chosen partitions as Arrow record batches — so the sync
does not know which engine it talks to. The engine is chosen once, from settings.mode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from puntored.errors import PuntoredError
from puntored.serving.sync.checksum import (
    ATHENA,
    DUCKDB,
    Fingerprint,
    fingerprint_sql,
    make_fingerprint,
)
from puntored.serving.sync.marts import WHOLE_TABLE_DT, Mart
from puntored.settings import Settings

READ_BATCH_ROWS = 200_000


class WarehouseReader(Protocol):
    def columns(self, mart: Mart) -> dict[str, str]:
        """Column name → type name (lower case); empty when the mart does not exist."""
        ...

    def fingerprints(
        self, mart: Mart, date_from: date | None, date_to: date | None
    ) -> dict[date, Fingerprint]:
        """Fingerprint per dt partition (one entry under WHOLE_TABLE_DT for a dimension)."""
        ...

    def read(self, mart: Mart, dts: list[date]) -> Iterator[pa.RecordBatch]:
        """The rows of the given partitions (all rows of a dimension), serving column order."""
        ...

    def close(self) -> None: ...


def open_warehouse(settings: Settings) -> WarehouseReader:
    if settings.mode == "aws":
        return AthenaWarehouse(settings)
    return DuckDBWarehouse(settings.duckdb_path, settings.marts_schema)


def _date_filter(date_from: date | None, date_to: date | None, quote: Callable[[date], str]) -> str:
    conditions = []
    if date_from is not None:
        conditions.append(f'"dt" >= {quote(date_from)}')
    if date_to is not None:
        conditions.append(f'"dt" <= {quote(date_to)}')
    return " AND ".join(conditions)


def _select_columns(mart: Mart) -> str:
    return ", ".join(f'"{c.name}"' for c in mart.columns)


def _by_partition(mart: Mart, rows: list[tuple[Any, ...]]) -> dict[date, Fingerprint]:
    if not mart.partitioned:
        return {WHOLE_TABLE_DT: make_fingerprint(*rows[0])} if rows and rows[0][0] else {}
    return {_as_date(row[0]): make_fingerprint(*row[1:]) for row in rows}


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


class DuckDBWarehouse:
    """The local warehouse: the DuckDB file dbt builds, opened read-only."""

    def __init__(self, path: Path, schema: str = "main") -> None:
        import duckdb

        if not path.exists():
            raise PuntoredError(f"warehouse {path} not found: run `puntored transform` first")
        try:
            self._connection = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as error:
            raise PuntoredError(f"cannot open warehouse {path} read-only: {error}") from error
        self._schema = schema

    def _table(self, mart: Mart) -> str:
        return f'"{self._schema}"."{mart.name}"'

    def columns(self, mart: Mart) -> dict[str, str]:
        rows = self._connection.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ?",
            [self._schema, mart.name],
        ).fetchall()
        return {name: str(type_).lower() for name, type_ in rows}

    def fingerprints(
        self, mart: Mart, date_from: date | None, date_to: date | None
    ) -> dict[date, Fingerprint]:
        where = _date_filter(date_from, date_to, lambda d: f"DATE '{d.isoformat()}'")
        sql = fingerprint_sql(
            self._table(mart),
            mart.checksum_columns,
            DUCKDB,
            where_sql=where if mart.partitioned else "",
            partitioned=mart.partitioned,
        )
        return _by_partition(mart, self._connection.execute(sql).fetchall())

    def read(self, mart: Mart, dts: list[date]) -> Iterator[pa.RecordBatch]:
        sql = f"SELECT {_select_columns(mart)} FROM {self._table(mart)}"
        parameters: list[Any] = []
        if mart.partitioned:
            sql += ' WHERE "dt" IN (SELECT unnest(?::DATE[]))'
            parameters = [dts]
        reader = self._connection.sql(sql, params=parameters).to_arrow_reader(READ_BATCH_ROWS)
        yield from reader

    def close(self) -> None:
        self._connection.close()


class AthenaWarehouse:
    """Production: the marts in the Glue catalog, queried through Athena with awswrangler.

    Untested against a real Athena: the tests check the SQL it renders (Trino validator) and
    drive it with a fake query function.
    """

    def __init__(self, settings: Settings, query: Callable[[str], Any] | None = None) -> None:
        self._settings = settings
        self._database = settings.marts_schema
        self._query = query or self._athena_query

    def _athena_query(self, sql: str) -> Any:
        import awswrangler as wr
        import boto3

        return wr.athena.read_sql_query(
            sql,
            database=self._database,
            workgroup=self._settings.athena_workgroup,
            s3_output=self._settings.athena_s3_staging_dir,
            ctas_approach=False,
            boto3_session=boto3.Session(region_name=self._settings.aws_region),
        )

    def _table(self, mart: Mart) -> str:
        return f'"{self._database}"."{mart.name}"'

    def columns_sql(self, mart: Mart) -> str:
        return (
            "SELECT column_name, data_type FROM information_schema.columns "
            f"WHERE table_schema = '{self._database}' AND table_name = '{mart.name}'"
        )

    def fingerprints_sql(self, mart: Mart, date_from: date | None, date_to: date | None) -> str:
        where = _date_filter(date_from, date_to, lambda d: f"DATE '{d.isoformat()}'")
        return fingerprint_sql(
            self._table(mart),
            mart.checksum_columns,
            ATHENA,
            where_sql=where if mart.partitioned else "",
            partitioned=mart.partitioned,
        )

    def read_sql(self, mart: Mart, dts: list[date]) -> str:
        sql = f"SELECT {_select_columns(mart)} FROM {self._table(mart)}"
        if mart.partitioned:
            sql += ' WHERE "dt" IN (' + ", ".join(f"DATE '{d.isoformat()}'" for d in dts) + ")"
        return sql

    def columns(self, mart: Mart) -> dict[str, str]:
        frame = self._query(self.columns_sql(mart))
        return {
            str(name): str(type_).lower()
            for name, type_ in zip(frame["column_name"], frame["data_type"], strict=True)
        }

    def fingerprints(
        self, mart: Mart, date_from: date | None, date_to: date | None
    ) -> dict[date, Fingerprint]:
        frame = self._query(self.fingerprints_sql(mart, date_from, date_to))
        return _by_partition(mart, list(frame.itertuples(index=False, name=None)))

    def read(self, mart: Mart, dts: list[date]) -> Iterator[pa.RecordBatch]:
        frame = self._query(self.read_sql(mart, dts))
        schema = pa.schema([(c.name, _arrow_type(c)) for c in mart.columns])
        yield from pa.Table.from_pandas(frame, schema=schema, preserve_index=False).to_batches()

    def close(self) -> None:
        pass


def _arrow_type(column: Any) -> pa.DataType:
    from sqlalchemy import Date, Double, Integer, Numeric

    type_ = column.type
    if isinstance(type_, Date):
        return pa.date32()
    if isinstance(type_, Double):
        return pa.float64()
    if isinstance(type_, Numeric):
        return pa.decimal128(type_.precision or 38, type_.scale or 0)
    if isinstance(type_, Integer):
        return pa.int64()
    return pa.string()
