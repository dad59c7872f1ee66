"""Replacing mart partitions in the serving database, inside one transaction per batch.

PostgreSQL, a whole fact mart (first sync, ``--full``): the rows are streamed with binary COPY
into a fresh table without indexes, the indexes, primary key and grants of the live table are
rebuilt on it afterwards, and it replaces the live table (drop + rename). Readers keep reading
the old table until the commit. Some partitions: they are deleted and the rows are COPYed
straight into the live table. SQLite: delete, then executemany through SQLAlchemy.

Either way the caller's transaction holds every step, the verification and the sync_state
update, so a failure or a kill at any point leaves the previous state.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

import pyarrow as pa
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import Connection, Date, Table, bindparam, delete, insert, select, text

from puntored.database.engine import as_utc
from puntored.database.models import SyncState
from puntored.errors import PuntoredError
from puntored.serving.sync.binary_copy import HEADER, TRAILER, encode_rows
from puntored.serving.sync.checksum import (
    EMPTY,
    SERVING_DIALECTS,
    Fingerprint,
    FingerprintKind,
    fingerprint_sql,
    make_fingerprint,
)
from puntored.serving.sync.marts import WHOLE_TABLE_DT, Mart

EXECUTEMANY_ROWS = 10_000
LOADING_SUFFIX = "__loading"
INDEX_BUILD_MEMORY = "256MB"
sync_state = cast(Table, SyncState.__table__)


class SyncVerificationError(PuntoredError):
    """What the serving database holds after a write differs from the warehouse."""


@dataclass(frozen=True)
class SyncedPartition:
    """What sync_state says the serving copy of one partition is."""

    fingerprint: Fingerprint
    built_at: datetime | None


def replace_partitions(
    connection: Connection,
    mart: Mart,
    dts: list[date],
    batches: Iterable[pa.RecordBatch],
    *,
    whole_table: bool = False,
) -> int:
    """Replace the partitions ``dts`` of ``mart`` (every row when ``whole_table`` or for a
    dimension) with ``batches``; return the number of rows written. Runs in the caller's
    transaction."""
    whole_table = whole_table or not mart.partitioned
    if connection.dialect.name == "postgresql":
        if whole_table and mart.partitioned:
            return _load_fresh_table(connection, mart, batches)
        delete_partitions(connection, mart, None if whole_table else dts)
        return _copy_rows(connection, _qualified(connection, mart.table.name), mart, batches)
    delete_partitions(connection, mart, None if whole_table else dts)
    return _insert_rows(connection, mart, batches)


def delete_partitions(connection: Connection, mart: Mart, dts: list[date] | None) -> None:
    """Delete the rows of partitions ``dts`` (every row when None)."""
    statement = delete(mart.table)
    if mart.partitioned and dts is not None:
        statement = statement.where(mart.table.c.dt.in_(dts))
    connection.execute(statement)


def _insert_rows(connection: Connection, mart: Mart, batches: Iterable[pa.RecordBatch]) -> int:
    written = 0
    for rows in _row_chunks(batches):
        connection.execute(insert(mart.table), rows)
        written += len(rows)
    return written


def _row_chunks(batches: Iterable[pa.RecordBatch]) -> Iterator[list[dict[str, Any]]]:
    for batch in batches:
        for start in range(0, batch.num_rows, EXECUTEMANY_ROWS):
            yield batch.slice(start, EXECUTEMANY_ROWS).to_pylist()


def _copy_rows(
    connection: Connection,
    table_sql: str,
    mart: Mart,
    batches: Iterable[pa.RecordBatch],
    *,
    freeze: bool = False,
) -> int:
    """Binary COPY of the batches into ``table_sql`` (columns in the mart's order).

    A writer thread sends the encoded rows while the next batch is read and encoded, so the
    server parses one batch while Python prepares the next. ``freeze`` (a table created in this
    transaction) writes the rows already frozen: the index builds, ANALYZE and the verification
    that read them next do not rewrite every page to set hint bits.
    """
    columns = ", ".join(f'"{c.name}"' for c in mart.columns)
    options = ", FREEZE" if freeze else ""
    driver_connection = connection.connection.driver_connection
    assert driver_connection is not None
    written = 0
    with (
        driver_connection.cursor() as cursor,
        cursor.copy(
            f"COPY {table_sql} ({columns}) FROM STDIN (FORMAT binary{options})",
            writer=QueuedLibpqWriter(cursor),
        ) as copy,
    ):
        copy.write(HEADER)
        for batch in batches:
            for piece in encode_rows(batch, mart.columns):
                copy.write(piece)
            written += batch.num_rows
        copy.write(TRAILER)
    return written


def _qualified(connection: Connection, table: str) -> str:
    schema: str = connection.execute(
        text(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.oid = CAST(:table AS regclass)"
        ),
        {"table": table},
    ).scalar_one()
    return f'"{schema}"."{table}"'


@dataclass(frozen=True)
class _Index:
    name: str
    definition: str  # pg_get_indexdef
    constraint: str | None  # 'p' primary key, 'u' unique constraint, None: a plain index


_INDEX_DEFINITION = re.compile(
    r"^(CREATE (?:UNIQUE )?INDEX )(\S+)( ON (?:ONLY )?)(\S+)( USING .*)$"
)


def _load_fresh_table(connection: Connection, mart: Mart, batches: Iterable[pa.RecordBatch]) -> int:
    """Fill a fresh copy of the mart's table, index it, and put it in the live table's place."""
    table = mart.table.name
    live = _qualified(connection, table)
    schema = live.split(".")[0]
    loading = f'{schema}."{table}{LOADING_SUFFIX}"'
    connection.execute(
        text(f"CREATE TABLE {loading} (LIKE {live} INCLUDING ALL EXCLUDING INDEXES)")
    )
    written = _copy_rows(connection, loading, mart, batches, freeze=True)
    # Sort each index in memory rather than in temporary files (the default is 64 MB).
    connection.execute(text(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'"))
    indexes = _indexes(connection, table)
    for index in indexes:
        _create_index(connection, index, loading)
    grants, owner = _grants_and_owner(connection, table)
    _analyze(connection, loading, mart)
    connection.execute(text(f"DROP TABLE {live}"))
    connection.execute(text(f'ALTER TABLE {loading} RENAME TO "{table}"'))
    for index in indexes:
        if index.constraint:
            connection.execute(
                text(
                    f'ALTER TABLE {live} RENAME CONSTRAINT "{_loading_name(index.name)}" '
                    f'TO "{index.name}"'
                )
            )
        else:
            connection.execute(
                text(f'ALTER INDEX {schema}."{_loading_name(index.name)}" RENAME TO "{index.name}"')
            )
    if owner:
        connection.execute(text(f"ALTER TABLE {live} OWNER TO {owner}"))
    for grant in grants:
        connection.execute(text(grant.format(table=live)))
    return written


def _analyze(connection: Connection, table_sql: str, mart: Mart) -> None:
    connection.execute(text(f"ANALYZE {table_sql} ({_key_columns(mart)})"))


def _key_columns(mart: Mart) -> str:
    """The columns readers filter, group and join on: the key columns of every index.

    Only they are analyzed inside the load (half the time of every column at 1 M rows). The
    load's inserts still count as changes since the last ANALYZE after the commit (an ANALYZE
    inside the inserting transaction never resets that count), so autovacuum analyzes the
    whole table soon after either way; until then the measures have no statistics.
    """
    names = [c.name for c in mart.table.primary_key.columns]
    for index in sorted(mart.table.indexes, key=lambda index: str(index.name)):
        names += [c.name for c in index.columns if c.name not in names]
    return ", ".join(f'"{name}"' for name in names)


def _loading_name(name: str) -> str:
    return name[: 63 - len(LOADING_SUFFIX)] + LOADING_SUFFIX


def _indexes(connection: Connection, table: str) -> list[_Index]:
    rows = connection.execute(
        text(
            "SELECT ic.relname, pg_get_indexdef(i.indexrelid), con.contype "
            "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
            "LEFT JOIN pg_constraint con "
            "  ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid "
            "WHERE i.indrelid = CAST(:table AS regclass) ORDER BY ic.relname"
        ),
        {"table": table},
    ).fetchall()
    return [
        _Index(str(name), str(definition), None if contype is None else str(contype))
        for name, definition, contype in rows
    ]


def _create_index(connection: Connection, index: _Index, loading: str) -> None:
    match = _INDEX_DEFINITION.match(index.definition)
    if not match:
        raise PuntoredError(f"cannot rebuild index {index.name}: {index.definition}")
    temporary = f'"{_loading_name(index.name)}"'
    connection.execute(text(match.group(1) + temporary + match.group(3) + loading + match.group(5)))
    if index.constraint in ("p", "u"):
        kind = "PRIMARY KEY" if index.constraint == "p" else "UNIQUE"
        connection.execute(
            text(f"ALTER TABLE {loading} ADD CONSTRAINT {temporary} {kind} USING INDEX {temporary}")
        )


def _grants_and_owner(connection: Connection, table: str) -> tuple[list[str], str | None]:
    """GRANT statements ({table} placeholder) reproducing the live table's privileges, and its
    owner when the fresh table would otherwise belong to someone else."""
    rows = connection.execute(
        text(
            "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' "
            "       ELSE quote_ident(pg_get_userbyid(a.grantee)) END, "
            "       a.privilege_type, a.is_grantable "
            "FROM pg_class c, aclexplode(c.relacl) a "
            "WHERE c.oid = CAST(:table AS regclass) AND a.grantee <> c.relowner"
        ),
        {"table": table},
    ).fetchall()
    grants = [
        f"GRANT {privilege} ON {{table}} TO {grantee}" + (" WITH GRANT OPTION" if grantable else "")
        for grantee, privilege, grantable in rows
    ]
    owner = connection.execute(
        text(
            "SELECT quote_ident(pg_get_userbyid(relowner)) FROM pg_class "
            "WHERE oid = CAST(:table AS regclass) AND pg_get_userbyid(relowner) <> current_user"
        ),
        {"table": table},
    ).scalar()
    return grants, owner


def serving_fingerprints(
    connection: Connection, mart: Mart, kind: FingerprintKind, dts: list[date]
) -> dict[date, Fingerprint]:
    """The warehouse's fingerprint, computed over what the serving table now holds."""
    dialect = SERVING_DIALECTS[connection.dialect.name]
    sql = fingerprint_sql(
        kind,
        f'"{mart.table.name}"',
        mart.checksum_columns,
        dialect,
        where_sql='"dt" IN :dts' if mart.partitioned else "",
        partitioned=mart.partitioned,
    )
    statement = text(sql)
    columns = mart.checksum_columns
    if mart.partitioned:
        statement = statement.bindparams(bindparam("dts", dts, expanding=True, type_=Date))
        rows = connection.execute(statement.columns(dt=Date)).fetchall()
        return {row[0]: make_fingerprint(kind, columns, row[1:]) for row in rows}
    found = make_fingerprint(kind, columns, connection.execute(statement).one())
    return {WHOLE_TABLE_DT: found} if found.row_count else {}


def verify(
    connection: Connection, mart: Mart, kind: FingerprintKind, expected: dict[date, Fingerprint]
) -> None:
    """Raise SyncVerificationError unless the serving copy has the expected fingerprints."""
    found = serving_fingerprints(connection, mart, kind, sorted(expected))
    mismatches = [
        _difference(dt, want, found.get(dt, EMPTY))
        for dt, want in sorted(expected.items())
        if found.get(dt, EMPTY) != want
    ]
    if mismatches:
        raise SyncVerificationError(
            f"{mart.table.name} differs from {mart.name} after writing: " + "; ".join(mismatches)
        )


def _difference(dt: date, want: Fingerprint, got: Fingerprint) -> str:
    if want.row_count != got.row_count:
        return f"{dt}: warehouse {want.row_count} rows, serving {got.row_count} rows"
    totals = [
        f"{name} {value} vs {got.totals.get(name)}"
        for name, value in want.totals.items()
        if got.totals.get(name) != value
    ]
    if totals:
        return f"{dt}: warehouse vs serving " + ", ".join(totals)
    return f"{dt}: warehouse checksum {want.checksum}, serving {got.checksum}"


def record_sync_state(
    connection: Connection,
    mart: Mart,
    fingerprints: dict[date, Fingerprint],
    built_at: dict[date, datetime] | None = None,
) -> None:
    """Record the verified fingerprints of these partitions (and the dbt rebuild they came
    from); the caller forgets their previous rows first."""
    if not fingerprints:
        return
    now = datetime.now(UTC)
    connection.execute(
        insert(sync_state),
        [
            {
                "mart": mart.name,
                "dt": dt,
                "row_count": fp.row_count,
                "checksum": fp.checksum,
                "built_at": (built_at or {}).get(dt),
                "synced_at": now,
            }
            for dt, fp in fingerprints.items()
        ],
    )


def forget_sync_state(connection: Connection, mart: Mart, dts: list[date] | None) -> None:
    """Drop the sync_state rows of partitions ``dts`` (all of the mart's when None)."""
    statement = delete(sync_state).where(sync_state.c.mart == mart.name)
    if dts is not None:
        statement = statement.where(sync_state.c.dt.in_(dts))
    connection.execute(statement)


def synced_partitions(
    connection: Connection, mart: Mart, date_from: date | None, date_to: date | None
) -> dict[date, SyncedPartition]:
    """What sync_state says the serving copy of ``mart`` holds."""
    state = sync_state.c
    statement = select(state.dt, state.row_count, state.checksum, state.built_at).where(
        state.mart == mart.name
    )
    if mart.partitioned and date_from is not None:
        statement = statement.where(state.dt >= date_from)
    if mart.partitioned and date_to is not None:
        statement = statement.where(state.dt <= date_to)
    return {
        row.dt: SyncedPartition(
            Fingerprint(row.row_count, row.checksum),
            as_utc(row.built_at) if row.built_at is not None else None,
        )
        for row in connection.execute(statement)
    }
