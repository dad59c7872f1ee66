"""Replacing mart partitions in the serving database, inside one transaction per batch.

PostgreSQL: the rows are streamed with COPY into a temporary staging table, then the target's
partitions are deleted and re-inserted from staging. SQLite: delete, then executemany through
SQLAlchemy. Either way the caller's transaction holds the delete, the insert, the verification
and the sync_state update, so a failure or a kill at any point leaves the previous state.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any, cast

import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import Connection, Date, Table, bindparam, delete, insert, select, text

from puntored.database.models import SyncState
from puntored.errors import PuntoredError
from puntored.serving.sync.checksum import (
    SERVING_DIALECTS,
    Fingerprint,
    fingerprint_sql,
    make_fingerprint,
)
from puntored.serving.sync.marts import WHOLE_TABLE_DT, Mart

EXECUTEMANY_ROWS = 10_000
sync_state = cast(Table, SyncState.__table__)


class SyncVerificationError(PuntoredError):
    """What the serving database holds after a write differs from the warehouse."""


def replace_partitions(
    connection: Connection, mart: Mart, dts: list[date], batches: Iterable[pa.RecordBatch]
) -> int:
    """Replace the partitions ``dts`` of ``mart`` (the whole table for a dimension) with
    ``batches``; return the number of rows written. Runs in the caller's transaction."""
    if connection.dialect.name == "postgresql":
        return _replace_with_copy(connection, mart, dts, batches)
    return _replace_with_executemany(connection, mart, dts, batches)


def delete_partitions(connection: Connection, mart: Mart, dts: list[date]) -> None:
    statement = delete(mart.table)
    if mart.partitioned:
        statement = statement.where(mart.table.c.dt.in_(dts))
    connection.execute(statement)


def _replace_with_executemany(
    connection: Connection, mart: Mart, dts: list[date], batches: Iterable[pa.RecordBatch]
) -> int:
    delete_partitions(connection, mart, dts)
    written = 0
    for rows in _row_chunks(batches):
        connection.execute(insert(mart.table), rows)
        written += len(rows)
    return written


def _row_chunks(batches: Iterable[pa.RecordBatch]) -> Iterator[list[dict[str, Any]]]:
    for batch in batches:
        for start in range(0, batch.num_rows, EXECUTEMANY_ROWS):
            yield batch.slice(start, EXECUTEMANY_ROWS).to_pylist()


def _replace_with_copy(
    connection: Connection, mart: Mart, dts: list[date], batches: Iterable[pa.RecordBatch]
) -> int:
    table = mart.table.name
    staging = f"staging_{table}"
    columns = ", ".join(f'"{c.name}"' for c in mart.columns)
    connection.execute(text(f'CREATE TEMPORARY TABLE "{staging}" (LIKE "{table}") ON COMMIT DROP'))
    written = 0
    driver_connection = connection.connection.driver_connection
    assert driver_connection is not None
    with (
        driver_connection.cursor() as cursor,
        cursor.copy(f'COPY "{staging}" ({columns}) FROM STDIN (FORMAT csv)') as copy,
    ):
        for batch in batches:
            copy.write(_csv_bytes(batch))
            written += batch.num_rows
    delete_partitions(connection, mart, dts)
    connection.execute(text(f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM "{staging}"'))
    return written


def _csv_bytes(batch: pa.RecordBatch) -> bytes:
    # pyarrow writes nulls as empty unquoted fields (NULL for COPY … csv), decimals exactly,
    # doubles in shortest round-trip form and dates as ISO.
    buffer = io.BytesIO()
    pa_csv.write_csv(batch, buffer, pa_csv.WriteOptions(include_header=False))
    return buffer.getvalue()


def serving_fingerprints(
    connection: Connection, mart: Mart, dts: list[date]
) -> dict[date, Fingerprint]:
    """The same fingerprint the warehouse computes, over what the serving table now holds."""
    dialect = SERVING_DIALECTS[connection.dialect.name]
    where = '"dt" IN :dts' if mart.partitioned else ""
    sql = fingerprint_sql(
        f'"{mart.table.name}"',
        mart.checksum_columns,
        dialect,
        where_sql=where,
        partitioned=mart.partitioned,
    )
    statement = text(sql)
    if mart.partitioned:
        statement = statement.bindparams(bindparam("dts", dts, expanding=True, type_=Date))
        rows = connection.execute(statement.columns(dt=Date)).fetchall()
        return {row[0]: make_fingerprint(*row[1:]) for row in rows}
    row = connection.execute(statement).one()
    return {WHOLE_TABLE_DT: make_fingerprint(*row)} if row[0] else {}


def verify(connection: Connection, mart: Mart, expected: dict[date, Fingerprint]) -> None:
    """Raise SyncVerificationError unless the serving copy has the expected fingerprints."""
    found = serving_fingerprints(connection, mart, sorted(expected))
    mismatches = [
        f"{dt}: warehouse {want.row_count} rows/{want.checksum}, "
        f"serving {found.get(dt, Fingerprint(0, 'empty')).row_count} rows/"
        f"{found.get(dt, Fingerprint(0, 'empty')).checksum}"
        for dt, want in sorted(expected.items())
        if found.get(dt, Fingerprint(0, "empty")) != want
    ]
    if mismatches:
        raise SyncVerificationError(
            f"{mart.table.name} differs from {mart.name} after writing: " + "; ".join(mismatches)
        )


def record_sync_state(
    connection: Connection, mart: Mart, fingerprints: dict[date, Fingerprint]
) -> None:
    """Replace the sync_state rows of these partitions with their verified fingerprints."""
    forget_sync_state(connection, mart, list(fingerprints))
    now = datetime.now(UTC)
    connection.execute(
        insert(sync_state),
        [
            {
                "mart": mart.name,
                "dt": dt,
                "row_count": fp.row_count,
                "checksum": fp.checksum,
                "synced_at": now,
            }
            for dt, fp in fingerprints.items()
        ],
    )


def forget_sync_state(connection: Connection, mart: Mart, dts: list[date]) -> None:
    connection.execute(
        delete(sync_state).where(sync_state.c.mart == mart.name, sync_state.c.dt.in_(dts))
    )


def synced_fingerprints(
    connection: Connection, mart: Mart, date_from: date | None, date_to: date | None
) -> dict[date, Fingerprint]:
    """What sync_state says the serving copy of ``mart`` holds."""
    statement = select(sync_state.c.dt, sync_state.c.row_count, sync_state.c.checksum).where(
        sync_state.c.mart == mart.name
    )
    if mart.partitioned and date_from is not None:
        statement = statement.where(sync_state.c.dt >= date_from)
    if mart.partitioned and date_to is not None:
        statement = statement.where(sync_state.c.dt <= date_to)
    return {
        row.dt: Fingerprint(row.row_count, row.checksum) for row in connection.execute(statement)
    }
