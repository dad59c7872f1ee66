"""The marts → serving database sync, against SQLite and the real PostgreSQL."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, text

from puntored.database.engine import make_engine
from puntored.database.migrate import upgrade
from puntored.database.models import Base
from puntored.errors import PuntoredError
from puntored.serving.sync import run_sync
from puntored.serving.sync.checksum import Fingerprint, FingerprintKind, install_sqlite_functions
from puntored.serving.sync.marts import FACTS, MARTS, Mart, MartSchemaError, Partitions
from puntored.serving.sync.warehouse import DuckDBWarehouse
from puntored.serving.sync.writer import SyncVerificationError, serving_fingerprints
from puntored.settings import Settings
from tests.support.mart_builder import build_marts, rebuild_day_sql

DAY_1, DAY_2, DAY_3 = date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)
REPO = Path(__file__).resolve().parents[2]
UNREACHABLE_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:9/nowhere?connect_timeout=1"


@pytest.fixture
def sync_settings(data_dir: Path, database_url: str) -> Settings:
    """A data root with a built warehouse and a migrated, empty serving database."""
    build_marts(data_dir / "warehouse.duckdb")
    upgrade(database_url)
    return Settings(data_dir=data_dir, database_url=database_url, sync_retry_wait_s=0.01)


def _rows(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    engine = make_engine(settings.serving_database_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def _snapshot(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    """Every synced table, plus PostgreSQL's row versions (xmin changes on any rewrite)."""
    tables = [m.table.name for m in MARTS] + ["sync_state", "pipeline_status"]
    version = "xmin::text, " if settings.serving_database_url.startswith("postgresql") else ""
    return {t: sorted(_rows(settings, f"SELECT {version}* FROM {t}"), key=repr) for t in tables}


def _warehouse(settings: Settings, sql: str) -> None:
    connection = duckdb.connect(str(settings.duckdb_path))
    try:
        connection.execute(sql)
    finally:
        connection.close()


def _mart_rows(settings: Settings, mart: Mart) -> list[tuple[Any, ...]]:
    columns = ", ".join(c.name for c in mart.columns)
    connection = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        return sorted(connection.execute(f"SELECT {columns} FROM {mart.name}").fetchall(), key=repr)
    finally:
        connection.close()


def _serving_rows(settings: Settings, mart: Mart) -> list[tuple[Any, ...]]:
    columns = ", ".join(c.name for c in mart.columns)
    engine = make_engine(settings.serving_database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(mart.table.select()).fetchall()
    finally:
        engine.dispose()
    assert columns  # same column order as the mart query
    return sorted((tuple(row) for row in rows), key=repr)


def test_first_sync_copies_every_mart_exactly(sync_settings: Settings) -> None:
    result = run_sync(sync_settings)

    assert result.changed
    for mart in MARTS:
        assert _serving_rows(sync_settings, mart) == _mart_rows(sync_settings, mart), mart.name
    state = _rows(sync_settings, "SELECT mart, dt, row_count FROM sync_state WHERE mart = "
                  "'fct_provider_client_daily' ORDER BY dt")  # fmt: skip
    days = [(r[1] if isinstance(r[1], date) else date.fromisoformat(r[1]), r[2]) for r in state]
    assert days == [(DAY_1, 15), (DAY_2, 15), (DAY_3, 15)]
    status = _rows(sync_settings, "SELECT stage, last_dt FROM pipeline_status")
    assert [(s, str(d)) for s, d in status] == [("sync", "2026-11-03")]
    assert result.last_dt == DAY_3
    assert result.rows_written == 3 + 6 + 5 + 9 + 18 + 45


@pytest.mark.parametrize("kind", list(FingerprintKind))
def test_both_fingerprints_agree_between_the_warehouse_and_the_serving_copy(
    sync_settings: Settings, kind: FingerprintKind
) -> None:
    run_sync(sync_settings)
    warehouse = DuckDBWarehouse(sync_settings.duckdb_path)
    engine = make_engine(sync_settings.serving_database_url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", install_sqlite_functions)
    try:
        with engine.connect() as connection:
            for mart in MARTS:
                source = warehouse.fingerprints(mart, kind, Partitions())
                copy = serving_fingerprints(connection, mart, kind, sorted(source))
                assert copy == source and len(source) == (3 if mart.partitioned else 1)
                assert all(f.row_count for f in source.values())
    finally:
        engine.dispose()
        warehouse.close()


def test_a_large_read_is_sorted_in_chunks_and_still_arrives_in_key_order(data_dir: Path) -> None:
    build_marts(data_dir / "warehouse.duckdb", providers=5, clients=4)
    settings = Settings(data_dir=data_dir, database_url="sqlite://")
    _warehouse(settings, "CREATE OR REPLACE TABLE fct_provider_client_daily AS SELECT * "
                         "FROM fct_provider_client_daily ORDER BY hash(client_id, dt)")  # fmt: skip
    mart, days = FACTS[2], [DAY_1, DAY_3]
    whole = DuckDBWarehouse(settings.duckdb_path)
    chunked = DuckDBWarehouse(settings.duckdb_path, chunk_rows=16)  # 4 clients x 2 days x 2
    try:
        assert len(chunked._chunks(mart, days)) == 3  # providers 2 + 2 + 1
        expected = pa.Table.from_batches(list(whole.read(mart, days)))
        got = pa.Table.from_batches(list(chunked.read(mart, days)))
        assert got.equals(expected) and got.num_rows == 5 * 4 * 2
        key = [column.name for column in mart.table.primary_key.columns]
        keys = [tuple(r.values()) for r in got.select(key).to_pylist()]
        assert keys == sorted(keys)
        reader = chunked.read(mart, days)  # a write that fails midway stops reading
        next(reader)
        reader.close()
    finally:
        whole.close()
        chunked.close()


def test_a_sync_reading_in_chunks_copies_every_mart_exactly(sync_settings: Settings) -> None:
    warehouse = DuckDBWarehouse(sync_settings.duckdb_path, chunk_rows=4)
    run_sync(sync_settings, warehouse=warehouse)
    for mart in MARTS:
        assert _serving_rows(sync_settings, mart) == _mart_rows(sync_settings, mart)
    _warehouse(sync_settings, rebuild_day_sql("fct_provider_client_daily", DAY_2))
    rebuilt = DuckDBWarehouse(sync_settings.duckdb_path, chunk_rows=4)
    assert run_sync(sync_settings, warehouse=rebuilt).rows_written == 3 * 5
    for mart in MARTS:
        assert _serving_rows(sync_settings, mart) == _mart_rows(sync_settings, mart)


def test_rerun_writes_nothing(sync_settings: Settings) -> None:
    run_sync(sync_settings)
    before = _snapshot(sync_settings)

    result = run_sync(sync_settings)

    assert not result.changed and result.rows_written == 0
    assert all(m.partitions_unchanged == m.partitions_in_warehouse for m in result.marts)
    assert _snapshot(sync_settings) == before


@pytest.mark.parametrize("lineage", ["built_at", "content"])
def test_a_rewritten_day_is_the_only_partition_synced_again(
    sync_settings: Settings, lineage: str
) -> None:
    if lineage == "content":  # marts from before dbt stamped _built_at: content fingerprints
        build_marts(sync_settings.duckdb_path, with_built_at=False)
    run_sync(sync_settings)
    before = _snapshot(sync_settings)
    # The dbt late-data lookback rewrites day 2 of one mart: one more approved sale somewhere.
    _warehouse(
        sync_settings,
        "UPDATE fct_provider_client_daily SET transactions = transactions + 1, "
        "approved = approved + 1, gross_amount = gross_amount + 1000.10 "
        "WHERE dt = DATE '2026-11-02' AND client_id = 'pos_000003' AND provider_id = 'prov_001'",
    )
    if lineage == "built_at":
        _warehouse(sync_settings, rebuild_day_sql("fct_provider_client_daily", DAY_2))

    result = run_sync(sync_settings)

    by_mart = {m.mart: m for m in result.marts}
    assert by_mart["fct_provider_client_daily"].partitions_written == [DAY_2]
    assert by_mart["fct_provider_client_daily"].rows_written == 15
    assert sum(len(m.partitions_written) for m in result.marts) == 1
    mart = FACTS[2]
    assert _serving_rows(sync_settings, mart) == _mart_rows(sync_settings, mart)
    after = _snapshot(sync_settings)
    for table in ("provider_daily_metrics", "providers", "clients"):
        assert after[table] == before[table]
    unchanged_state = [r for r in after["sync_state"] if not {DAY_2, "2026-11-02"} & set(r)]
    assert set(unchanged_state) <= set(before["sync_state"])
    untouched = [
        r for r in after["provider_client_daily_metrics"] if not {DAY_2, "2026-11-02"} & set(r)
    ]
    assert set(untouched) <= set(before["provider_client_daily_metrics"])  # same xmin too


class _RecordingWarehouse(DuckDBWarehouse):
    """Remembers which fingerprints the sync asked the warehouse for."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.asked: list[tuple[str, FingerprintKind, Partitions]] = []
        self.sql: list[str] = []

    def _rows(self, sql: str) -> list[tuple[Any, ...]]:
        self.sql.append(sql)
        return super()._rows(sql)

    def fingerprints(
        self, mart: Mart, kind: FingerprintKind, partitions: Partitions
    ) -> dict[date, Fingerprint]:
        self.asked.append((mart.name, kind, partitions))
        return super().fingerprints(mart, kind, partitions)


def test_only_the_days_dbt_rebuilt_are_fingerprinted_and_written(sync_settings: Settings) -> None:
    run_sync(sync_settings)
    before = _snapshot(sync_settings)
    for mart in FACTS:  # a dbt run rebuilt day 3 (new _built_at) with the same numbers
        _warehouse(sync_settings, rebuild_day_sql(mart.name, DAY_3))

    warehouse = _RecordingWarehouse(sync_settings.duckdb_path)
    result = run_sync(sync_settings, warehouse=warehouse)

    assert {m.mart: m.partitions_written for m in result.marts if m.partitions_written} == {
        mart.name: [DAY_3] for mart in FACTS
    }
    facts = {mart.name for mart in FACTS}
    assert [(name, kind) for name, kind, _ in warehouse.asked if name in facts] == [
        (mart.name, FingerprintKind.TOTALS) for mart in FACTS
    ]
    assert all(p == Partitions(dts=(DAY_3,)) for name, _, p in warehouse.asked if name in facts)
    after = _snapshot(sync_settings)
    for mart in FACTS:
        table = mart.table.name
        kept = [r for r in after[table] if DAY_3 not in r and "2026-11-03" not in r]
        assert len(kept) == len(before[table]) * 2 // 3 and set(kept) <= set(before[table])

    # Nothing rebuilt since: the facts are not fingerprinted at all.
    warehouse = _RecordingWarehouse(sync_settings.duckdb_path)
    assert not run_sync(sync_settings, warehouse=warehouse).changed
    assert {name for name, _, _ in warehouse.asked} == {mart.name for mart in MARTS} - facts


def test_a_no_op_sync_reads_only_rows_stamped_after_the_last_synced_rebuild(
    sync_settings: Settings,
) -> None:
    run_sync(sync_settings)
    before = _snapshot(sync_settings)

    warehouse = _RecordingWarehouse(sync_settings.duckdb_path)
    result = run_sync(sync_settings, warehouse=warehouse)

    assert not result.changed and _snapshot(sync_settings) == before
    for mart in FACTS:  # the _built_at question skips the history; the count is metadata
        asked = [sql for sql in warehouse.sql if f'"{mart.name}"' in sql]
        assert len(asked) == 2, asked
        assert '"_built_at" > TIMESTAMP' in asked[0] and "GROUP BY" in asked[0]
        assert asked[1].startswith("SELECT count(*)") and "WHERE" not in asked[1]


def test_a_rebuilt_day_is_found_among_the_rows_stamped_after_the_last_sync(
    sync_settings: Settings,
) -> None:
    run_sync(sync_settings)
    newer = datetime.now(UTC) + timedelta(minutes=1)
    _warehouse(sync_settings, rebuild_day_sql(FACTS[2].name, DAY_2, built_at=newer))
    _warehouse(sync_settings, f"UPDATE {FACTS[2].name} SET transactions = transactions + 1 "
               f"WHERE dt = DATE '{DAY_2.isoformat()}'")  # fmt: skip

    warehouse = _RecordingWarehouse(sync_settings.duckdb_path)
    result = run_sync(sync_settings, warehouse=warehouse)

    assert {m.mart: m.partitions_written for m in result.marts if m.partitions_written} == {
        FACTS[2].name: [DAY_2]
    }
    assert not any("GROUP BY" in sql and '"_built_at" >' not in sql
                   for sql in warehouse.sql if "max(\"_built_at\")" in sql)  # fmt: skip
    assert _serving_rows(sync_settings, FACTS[2]) == _mart_rows(sync_settings, FACTS[2])


def test_a_full_refresh_that_dropped_a_day_removes_it_and_rewrites_the_others(
    sync_settings: Settings,
) -> None:
    run_sync(sync_settings)
    mart = FACTS[1]
    newer = datetime.now(UTC) + timedelta(minutes=1)
    _warehouse(sync_settings, f"DELETE FROM {mart.name} WHERE dt = DATE '{DAY_1.isoformat()}'")
    for day in (DAY_2, DAY_3):
        _warehouse(sync_settings, rebuild_day_sql(mart.name, day, built_at=newer))

    result = run_sync(sync_settings)

    synced = {m.mart: m for m in result.marts}[mart.name]
    assert synced.partitions_removed == [DAY_1]
    assert synced.partitions_written == [DAY_2, DAY_3]
    assert _serving_rows(sync_settings, mart) == _mart_rows(sync_settings, mart)
    assert not run_sync(sync_settings).changed


def test_a_serving_database_synced_before_built_at_is_rewritten_once(
    sync_settings: Settings,
) -> None:
    build_marts(sync_settings.duckdb_path, with_built_at=False)
    run_sync(sync_settings)
    build_marts(sync_settings.duckdb_path)  # dbt now stamps _built_at: same rows

    again = run_sync(sync_settings)

    assert {m.mart for m in again.marts if m.partitions_written} == {m.name for m in FACTS}
    assert not run_sync(sync_settings).changed
    for mart in MARTS:
        assert _serving_rows(sync_settings, mart) == _mart_rows(sync_settings, mart)


def test_a_day_gone_from_the_mart_is_removed(sync_settings: Settings) -> None:
    run_sync(sync_settings)
    _warehouse(sync_settings, "DELETE FROM fct_provider_daily WHERE dt = DATE '2026-11-03'")

    result = run_sync(sync_settings)

    assert {m.mart: m.partitions_removed for m in result.marts}["fct_provider_daily"] == [DAY_3]
    assert _serving_rows(sync_settings, FACTS[0]) == _mart_rows(sync_settings, FACTS[0])
    assert result.last_dt == DAY_2


def test_date_range_and_full(sync_settings: Settings) -> None:
    result = run_sync(sync_settings, date_from=DAY_2, date_to=DAY_2)
    facts = [m for m in result.marts if m.mart.startswith("fct_")]
    assert all(m.partitions_written == [DAY_2] for m in facts)

    again = run_sync(sync_settings, date_from=DAY_2, date_to=DAY_2, full=True)
    assert all(m.partitions_written == [DAY_2] for m in again.marts if m.mart.startswith("fct_"))
    assert {m.mart for m in again.marts if m.partitions_written} == {m.name for m in MARTS}

    with pytest.raises(PuntoredError, match="after"):
        run_sync(sync_settings, date_from=DAY_3, date_to=DAY_1)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            "ALTER TABLE fct_provider_client_daily DROP COLUMN commission",
            "missing column commission",
        ),
        (
            "ALTER TABLE fct_provider_daily ALTER gross_amount TYPE DOUBLE",
            "column gross_amount is double, expected decimal(18,2)",
        ),
        ("ALTER TABLE dim_clients ALTER opened_on TYPE VARCHAR", "column opened_on is varchar"),
        ("DROP TABLE dim_products", "mart dim_products not found"),
        (
            "ALTER TABLE fct_provider_daily ALTER _built_at TYPE VARCHAR",
            "column _built_at is varchar, expected timestamp",
        ),
    ],
)
def test_a_mart_that_does_not_fit_fails_before_writing(
    sync_settings: Settings, change: str, message: str
) -> None:
    _warehouse(sync_settings, change)

    with pytest.raises(MartSchemaError, match=re.escape(message)):
        run_sync(sync_settings)

    assert all(rows == [] for rows in _snapshot(sync_settings).values())


def test_an_unreachable_database_is_retried_then_fails_clearly(data_dir: Path) -> None:
    build_marts(data_dir / "warehouse.duckdb")
    settings = Settings(
        data_dir=data_dir,
        database_url=UNREACHABLE_POSTGRES,
        sync_retry_attempts=3,
        sync_retry_wait_s=0.2,
    )
    started = time.perf_counter()
    with pytest.raises(PuntoredError, match="unreachable after 3 attempts"):
        run_sync(settings)
    assert time.perf_counter() - started >= 0.2 + 0.4  # two exponential backoff waits


@pytest.mark.postgres
def test_a_whole_mart_load_keeps_the_tables_indexes_grants_and_schema(
    postgres_url: str, data_dir: Path
) -> None:
    build_marts(data_dir / "warehouse.duckdb")
    upgrade(postgres_url)
    settings = Settings(data_dir=data_dir, database_url=postgres_url)
    role = f"puntored_reader_{uuid.uuid4().hex[:8]}"
    catalog = (
        "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
        "ORDER BY 1, 2"
    )
    engine = make_engine(postgres_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f'CREATE ROLE "{role}"'))
            connection.execute(text(f'GRANT SELECT ON provider_client_daily_metrics TO "{role}"'))
        before = _rows(settings, catalog)

        run_sync(settings)  # every partition is new: whole-mart loads
        build_marts(settings.duckdb_path, salt=1)
        result = run_sync(settings)  # rebuilt everything: whole-mart loads again

        assert {m.mart for m in result.marts if m.partitions_written} == {m.name for m in FACTS}
        assert _rows(settings, catalog) == before
        privilege = f"has_table_privilege('{role}', 'provider_client_daily_metrics', 'SELECT')"
        with engine.connect() as connection:
            assert connection.execute(text(f"SELECT {privilege}")).scalar()
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
            leftovers = "SELECT count(*) FROM pg_class WHERE relname LIKE '%loading%'"
            assert connection.execute(text(leftovers)).scalar() == 0
        for mart in MARTS:
            assert _serving_rows(settings, mart) == _mart_rows(settings, mart)
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP OWNED BY "{role}"'))
            connection.execute(text(f'DROP ROLE "{role}"'))
        engine.dispose()


@pytest.mark.postgres
def test_a_whole_mart_load_stores_rows_in_key_order_and_analyzes_the_key_columns(
    postgres_url: str, data_dir: Path
) -> None:
    build_marts(data_dir / "warehouse.duckdb", clients=40)
    _warehouse(  # dbt's rows come in no particular order
        Settings(data_dir=data_dir, database_url=postgres_url),
        "CREATE OR REPLACE TABLE fct_provider_client_daily AS "
        "SELECT * FROM fct_provider_client_daily ORDER BY hash(client_id, dt)",
    )
    upgrade(postgres_url)
    settings = Settings(data_dir=data_dir, database_url=postgres_url)
    run_sync(settings)

    # Heap order is primary-key order (provider_id, dt, client_id): the PK build found its
    # input sorted.
    key = ", ".join(c.name for c in FACTS[2].table.primary_key.columns)
    assert key == "provider_id, dt, client_id"
    stored = _rows(settings, f"SELECT {key} FROM provider_client_daily_metrics ORDER BY ctid")
    assert len(stored) == 3 * 40 * 3 and stored == sorted(stored)
    analyzed = _rows(settings, "SELECT attname FROM pg_stats "
                               "WHERE tablename = 'provider_client_daily_metrics'")  # fmt: skip
    assert {"provider_id", "client_id", "dt"} <= {name for (name,) in analyzed}


def test_retry_lines_and_the_final_error_name_the_real_error(data_dir: Path) -> None:
    build_marts(data_dir / "warehouse.duckdb")
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "PUNTORED_DATA_DIR": str(data_dir),
        "PUNTORED_DATABASE_URL": UNREACHABLE_POSTGRES,
        "PUNTORED_SYNC_RETRY_ATTEMPTS": "3",
        "PUNTORED_SYNC_RETRY_WAIT_S": "0.05",
    }
    done = subprocess.run([sys.executable, "-m", "puntored", "sync"], env=env,
                          capture_output=True, text=True, cwd=REPO)  # fmt: skip

    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    retries = [json.loads(line) for line in lines if "serving_db_retry" in line]
    assert [r["attempt"] for r in retries] == [1, 2]
    for retry in retries:
        assert "Connection refused" in retry["error"], retry
        assert "Future" not in retry["error"] and "\n" not in retry["error"]
    assert len(lines) == len(retries) + 1  # nothing else: no traceback
    assert re.fullmatch(
        r"error: serving database unreachable after 3 attempts: .*Connection refused.*", lines[-1]
    ), lines[-1]


def test_missing_schema_asks_for_db_upgrade(data_dir: Path, tmp_path: Path) -> None:
    build_marts(data_dir / "warehouse.duckdb")
    settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{tmp_path / 'empty.sqlite'}")
    with pytest.raises(PuntoredError, match="puntored db upgrade"):
        run_sync(settings)


class _FaultyWarehouse(DuckDBWarehouse):
    """Damages fct_provider_daily's rows on the way, as a faulty transfer would: loses the
    first row, or adds one cent to its gross_amount."""

    def __init__(self, path: Path, fault: str) -> None:
        super().__init__(path)
        self.fault = fault

    def read(self, mart: Mart, dts: list[date]) -> Iterator[pa.RecordBatch]:
        batches = list(super().read(mart, dts))
        if mart.name == "fct_provider_daily":
            batches[0] = _damaged(batches[0], self.fault)
        yield from batches


def _damaged(batch: pa.RecordBatch, fault: str) -> pa.RecordBatch:
    if fault == "lost row":
        return batch.slice(1)
    rows = batch.to_pylist()
    rows[0]["gross_amount"] += Decimal("0.01")
    return pa.RecordBatch.from_pylist(rows, schema=batch.schema)


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("lost row", r"2026-11-0\d: warehouse 3 rows, serving 2 rows"),
        ("one cent", r"2026-11-0\d: warehouse vs serving gross_amount__s \d+ vs \d+$"),
    ],
)
def test_verification_catches_a_serving_copy_that_differs(
    sync_settings: Settings, fault: str, message: str
) -> None:
    warehouse = _FaultyWarehouse(sync_settings.duckdb_path, fault)
    with pytest.raises(SyncVerificationError, match="provider_daily_metrics differs") as caught:
        run_sync(sync_settings, warehouse=warehouse)
    assert re.search(message, str(caught.value)), caught.value
    assert _rows(sync_settings, "SELECT * FROM provider_daily_metrics") == []
    assert _rows(sync_settings, "SELECT * FROM sync_state WHERE mart = 'fct_provider_daily'") == []


def test_a_failure_inside_the_transaction_keeps_the_previous_state(
    sync_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_sync(sync_settings)
    before = _snapshot(sync_settings)
    build_marts(sync_settings.duckdb_path, salt=1)  # every measure changes

    def fail_after_the_delete_and_insert(*_args: Any) -> None:
        raise RuntimeError("injected failure after delete + insert")

    monkeypatch.setattr("puntored.serving.sync.run.verify", fail_after_the_delete_and_insert)
    with pytest.raises(RuntimeError, match="injected"):
        run_sync(sync_settings)
    assert _snapshot(sync_settings) == before

    monkeypatch.undo()
    run_sync(sync_settings)
    for mart in MARTS:
        assert _serving_rows(sync_settings, mart) == _mart_rows(sync_settings, mart)


# A sync in a child process that stops mid-write until the test kills it with SIGKILL: on
# PostgreSQL in the middle of a row of the COPY stream (into the fresh table of a whole-mart
# load, or into the live table after the day's rows were deleted); on SQLite between
# executemany chunks, after the delete.
KILLED_SYNC = """
import sys, time
from pathlib import Path
import puntored.serving.sync.writer as writer
from puntored.settings import Settings
from puntored.serving.sync import run_sync

marker, stall_rows = Path(sys.argv[3]), int(sys.argv[4])

def stall():
    marker.write_text("stalled")
    time.sleep(120)

original_encode, original_chunks = writer.encode_rows, writer._row_chunks

def encode_then_stall(batch, columns):
    pieces = original_encode(batch, columns)
    if batch.num_rows != stall_rows:
        yield from pieces
        return
    yield pieces[0][: len(pieces[0]) // 2]
    stall()

def chunks_then_stall(batches):
    for rows in original_chunks(batches):
        yield rows
        if len(rows) == stall_rows:
            stall()

writer.encode_rows = encode_then_stall
writer._row_chunks = chunks_then_stall
run_sync(Settings(data_dir=sys.argv[1], database_url=sys.argv[2]))
"""


def _rebuild_with_other_numbers(settings: Settings, scope: str) -> int:
    """Change the client mart like a dbt run would; return the rows of the batch to stall in."""
    if scope == "whole mart":  # every measure and _built_at: a whole-mart load
        build_marts(settings.duckdb_path, salt=1)
        return 45
    _warehouse(settings, "UPDATE fct_provider_client_daily SET failed = failed + 1 "
                         "WHERE dt = DATE '2026-11-02'")  # fmt: skip
    _warehouse(settings, rebuild_day_sql("fct_provider_client_daily", DAY_2))
    return 15


@pytest.mark.slow
@pytest.mark.parametrize("scope", ["whole mart", "one day"])
def test_a_sync_killed_midway_leaves_the_previous_state(
    sync_settings: Settings, tmp_path: Path, scope: str
) -> None:
    run_sync(sync_settings)
    before = _snapshot(sync_settings)
    stall_rows = _rebuild_with_other_numbers(sync_settings, scope)
    marker = tmp_path / "stalled"
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_SYNC, str(sync_settings.data_dir),
         sync_settings.serving_database_url, str(marker), str(stall_rows)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "the child sync ended before stalling"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        # By now the dimensions and two fact marts are done; the third is mid-write.
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()

    after = _snapshot(sync_settings)
    assert after["provider_client_daily_metrics"] == before["provider_client_daily_metrics"]
    client_state = [r for r in after["sync_state"] if "fct_provider_client_daily" in repr(r)]
    assert client_state == [
        r for r in before["sync_state"] if "fct_provider_client_daily" in repr(r)
    ]

    result = run_sync(sync_settings)
    assert {m.mart for m in result.marts if m.partitions_written} == {"fct_provider_client_daily"}
    for mart in MARTS:
        assert _serving_rows(sync_settings, mart) == _mart_rows(sync_settings, mart)
    assert not run_sync(sync_settings).changed


def test_cli_sync_and_bad_arguments(sync_settings: Settings) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "COLUMNS": "160",
        "PUNTORED_DATA_DIR": str(sync_settings.data_dir),
        "PUNTORED_DATABASE_URL": sync_settings.serving_database_url,
    }
    command = [sys.executable, "-m", "puntored", "sync"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert "fct_provider_client_daily" in done.stdout and "45" in done.stdout
    bad = subprocess.run([*command, "--from", "2026-02-30"], env=env, capture_output=True,
                         text=True, cwd=REPO)  # fmt: skip
    assert bad.returncode == 1
    assert bad.stderr.strip() == "error: --from must be a date YYYY-MM-DD, got '2026-02-30'"
