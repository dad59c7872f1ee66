"""Reading the dbt marts: DuckDB locally, Athena (boto3, serving/athena.py) in aws mode.

Both readers answer the same four questions with the same SQL (rendered per engine) — a mart's
columns and types, when dbt last rebuilt each of its partitions (``_built_at``), the fingerprint
of chosen partitions, and the rows of chosen partitions as Arrow record batches — so the sync
does not know which engine it talks to. The engine is chosen once, from settings.mode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
from sqlalchemy import Column, Date, Double, Integer, Numeric, String

from puntored.errors import PuntoredError
from puntored.serving.athena import Athena, QueryResult
from puntored.serving.sync.checksum import (
    ATHENA,
    DUCKDB,
    Fingerprint,
    FingerprintKind,
    SqlDialect,
    fingerprint_sql,
    make_fingerprint,
)
from puntored.serving.sync.marts import BUILT_AT, WHOLE_TABLE_DT, Mart, Partitions
from puntored.settings import Settings

READ_BATCH_ROWS = 200_000
READ_CHUNK_ROWS = 250_000


@dataclass(frozen=True)
class Rebuild:
    """One partition as dbt last wrote it: when (``_built_at``) and how many rows."""

    built_at: datetime
    row_count: int


class WarehouseReader(Protocol):
    def columns(self, marts: Sequence[Mart]) -> dict[str, dict[str, str]]:
        """Per mart: column name → type name (lower case); empty when the mart does not exist."""
        ...

    def built_at(
        self, mart: Mart, partitions: Partitions, *, after: datetime | None = None
    ) -> dict[date, Rebuild]:
        """When dbt last rebuilt each dt partition (the newest ``_built_at``, aware UTC) and its
        row count; with ``after``, only the partitions holding rows stamped later."""
        ...

    def row_count(self, mart: Mart, partitions: Partitions) -> int:
        """The number of rows in these partitions."""
        ...

    def fingerprints(
        self, mart: Mart, kind: FingerprintKind, partitions: Partitions
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


class _SqlWarehouse:
    """The SQL both engines run; subclasses say how a query is answered."""

    dialect: SqlDialect
    schema: str

    def _rows(self, sql: str) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def _table(self, mart: Mart) -> str:
        return f'"{self.schema}"."{mart.name}"'

    def columns_sql(self, marts: Sequence[Mart]) -> str:
        names = ", ".join(_literal(mart.name) for mart in marts)
        return (
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            f"WHERE table_schema = {_literal(self.schema)} AND table_name IN ({names})"
        )

    def built_at_sql(
        self, mart: Mart, partitions: Partitions, after: datetime | None = None
    ) -> str:
        # `_built_at > after` lets DuckDB skip every row group written before (min/max
        # statistics): the answer costs what the rebuilt days cost, whatever the history.
        conditions = [partitions.where_sql()]
        if after is not None:
            conditions.append(f'"{BUILT_AT}" > {_timestamp_literal(after)}')
        where = " AND ".join(c for c in conditions if c)
        return (
            f'SELECT "dt", max("{BUILT_AT}") AS built_at, count(*) AS row_count '
            f"FROM {self._table(mart)}" + (f" WHERE {where}" if where else "") + ' GROUP BY "dt"'
        )

    def row_count_sql(self, mart: Mart, partitions: Partitions) -> str:
        # Unfiltered, DuckDB answers it from the table's metadata.
        where = partitions.where_sql()
        return f"SELECT count(*) AS row_count FROM {self._table(mart)}" + (
            f" WHERE {where}" if where else ""
        )

    def fingerprints_sql(self, mart: Mart, kind: FingerprintKind, partitions: Partitions) -> str:
        return fingerprint_sql(
            kind,
            self._table(mart),
            mart.checksum_columns,
            self.dialect,
            where_sql=partitions.where_sql() if mart.partitioned else "",
            partitioned=mart.partitioned,
        )

    def read_sql(self, mart: Mart, dts: list[date], leading_keys: Sequence[str] = ()) -> str:
        """The rows of partitions ``dts`` (with ``leading_keys``: only the rows whose first
        primary-key column is one of them), in primary-key order: PostgreSQL's sort for the
        primary-key build then finds its input already sorted (one pass; 2-4x faster than the
        unsorted rows dbt writes), and a daily COPY into the live table inserts each B-tree
        leaf's rows together."""
        columns = ", ".join(f'"{c.name}"' for c in mart.columns)
        key = [c.name for c in mart.table.primary_key.columns]
        conditions = [Partitions(dts=tuple(dts)).where_sql()] if mart.partitioned else []
        if leading_keys:
            listed = ", ".join(_literal(value) for value in leading_keys)
            conditions.append(f'"{key[0]}" IN ({listed})')
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        order = ", ".join(f'"{name}"' for name in key)
        return f"SELECT {columns} FROM {self._table(mart)}{where} ORDER BY {order}"

    def leading_key_counts_sql(self, mart: Mart, dts: list[date]) -> str:
        """Rows per value of the first primary-key column in partitions ``dts``, in order."""
        first = f'"{mart.table.primary_key.columns[0].name}"'
        where = f" WHERE {Partitions(dts=tuple(dts)).where_sql()}" if mart.partitioned else ""
        return (
            f"SELECT {first}, count(*) FROM {self._table(mart)}{where} "
            f"GROUP BY {first} ORDER BY {first}"
        )

    def columns(self, marts: Sequence[Mart]) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {mart.name: {} for mart in marts}
        for table, name, type_ in self._rows(self.columns_sql(marts)):
            found[str(table)][str(name)] = str(type_).lower()
        return found

    def built_at(
        self, mart: Mart, partitions: Partitions, *, after: datetime | None = None
    ) -> dict[date, Rebuild]:
        rows = self._rows(self.built_at_sql(mart, partitions, after))
        return {
            _as_date(dt): Rebuild(as_utc_datetime(built), int(count))
            for dt, built, count in rows
            if built is not None
        }

    def row_count(self, mart: Mart, partitions: Partitions) -> int:
        ((count,),) = self._rows(self.row_count_sql(mart, partitions))
        return int(count or 0)

    def fingerprints(
        self, mart: Mart, kind: FingerprintKind, partitions: Partitions
    ) -> dict[date, Fingerprint]:
        rows = self._rows(self.fingerprints_sql(mart, kind, partitions))
        columns = mart.checksum_columns
        if not mart.partitioned:
            found = make_fingerprint(kind, columns, rows[0]) if rows else None
            return {WHOLE_TABLE_DT: found} if found and found.row_count else {}
        return {_as_date(row[0]): make_fingerprint(kind, columns, row[1:]) for row in rows}


def _timestamp_literal(value: datetime) -> str:
    """A UTC instant as a naive timestamp literal, the type of ``_built_at``."""
    naive = value.astimezone(UTC).replace(tzinfo=None)
    return f"TIMESTAMP '{naive.isoformat(sep=' ', timespec='microseconds')}'"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def as_utc_datetime(value: Any) -> datetime:
    """A warehouse timestamp (naive = UTC; datetime, pandas Timestamp or ISO text) as aware UTC."""
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    elif hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class DuckDBWarehouse(_SqlWarehouse):
    """The local warehouse: the DuckDB file dbt builds, opened read-only.

    A read of more than ``chunk_rows`` rows is sorted in chunks of the first primary-key
    column's values (in order, so the rows still arrive in primary-key order): DuckDB sorts
    the next chunk on its own threads while the sync encodes and sends this one, instead of
    the server waiting for one sort of every row (~1 s at 1 M rows in dbt's order).
    """

    dialect = DUCKDB

    def __init__(self, path: Path, schema: str = "main", chunk_rows: int = READ_CHUNK_ROWS) -> None:
        import duckdb

        if not path.exists():
            raise PuntoredError(f"warehouse {path} not found: run `puntored transform` first")
        try:
            self._connection = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as error:
            raise PuntoredError(f"cannot open warehouse {path} read-only: {error}") from error
        # A sorted read of a large mart can pass the 2 s after which DuckDB draws a progress
        # bar on the terminal of `puntored sync`.
        self._connection.execute("SET enable_progress_bar = false")
        self.schema = schema
        self.chunk_rows = chunk_rows

    def _rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self._connection.execute(sql).fetchall()

    def read(self, mart: Mart, dts: list[date]) -> Iterator[pa.RecordBatch]:
        chunks = self._chunks(mart, dts)
        if len(chunks) <= 1:
            reader = self._connection.sql(self.read_sql(mart, dts)).to_arrow_reader(READ_BATCH_ROWS)
            yield from reader
            return
        with ThreadPoolExecutor(max_workers=1) as sorter:
            cursor = self._connection.cursor()  # a DuckDB connection is one thread's
            sort = partial(self._sorted_chunk, cursor, mart, dts)
            pending = sorter.submit(sort, chunks[0])
            try:
                for following in [*chunks[1:], None]:
                    table = pending.result()
                    if following is not None:
                        pending = sorter.submit(sort, following)
                    yield from table.to_batches(READ_BATCH_ROWS)
            finally:
                pending.cancel()
                wait([pending])
                cursor.close()

    def _chunks(self, mart: Mart, dts: list[date]) -> list[list[str]]:
        """Consecutive values of the first primary-key column, ~chunk_rows rows each."""
        if not isinstance(mart.table.primary_key.columns[0].type, String):
            return []  # the chunks' values are written as text literals
        counts = self._rows(self.leading_key_counts_sql(mart, dts))
        if sum(int(count) for _, count in counts) <= self.chunk_rows:
            return [[str(value) for value, _ in counts]]
        chunks: list[list[str]] = [[]]
        rows = 0
        for value, count in counts:
            if chunks[-1] and rows + int(count) > self.chunk_rows:
                chunks.append([])
                rows = 0
            chunks[-1].append(str(value))
            rows += int(count)
        return chunks

    def _sorted_chunk(
        self, cursor: Any, mart: Mart, dts: list[date], leading_keys: list[str]
    ) -> pa.Table:
        return cursor.sql(self.read_sql(mart, dts, leading_keys)).to_arrow_table()

    def close(self) -> None:
        self._connection.close()


class AthenaWarehouse(_SqlWarehouse):
    """Production: the marts dbt-athena wrote to the Glue database ``settings.marts_schema``,
    queried through Athena (``serving/athena.py``: boto3, the settings' endpoint and work
    group). ``query`` replaces the Athena round trip (tests)."""

    dialect = ATHENA

    def __init__(
        self, settings: Settings, query: Callable[[str], QueryResult] | None = None
    ) -> None:
        self.schema = settings.marts_schema
        self._query = query or partial(Athena(settings).query, database=self.schema)

    def _rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self._query(sql).rows

    def read(self, mart: Mart, dts: list[date]) -> Iterator[pa.RecordBatch]:
        answer = self._query(self.read_sql(mart, dts))
        names = [c.name for c in mart.columns]
        if [name for name, _ in answer.columns] != names:
            raise PuntoredError(
                f"Athena answered {mart.name} with columns "
                f"{[name for name, _ in answer.columns]}, expected {names}"
            )
        schema = pa.schema([(c.name, _arrow_type(c)) for c in mart.columns])
        columns = list(zip(*answer.rows, strict=True)) or [()] * len(names)
        table = pa.Table.from_arrays(
            [
                pa.array(values, type=field.type)
                for values, field in zip(columns, schema, strict=True)
            ],
            schema=schema,
        )
        yield from table.to_batches(READ_BATCH_ROWS)

    def close(self) -> None:
        pass


def _arrow_type(column: Column[Any]) -> pa.DataType:
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
