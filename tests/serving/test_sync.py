"""The marts → serving database sync, against SQLite and the real PostgreSQL."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from sqlalchemy import text

from puntored.database.engine import make_engine
from puntored.database.migrate import upgrade
from puntored.errors import PuntoredError
from puntored.serving.sync import run_sync
from puntored.serving.sync.marts import FACTS, MARTS, Mart, MartSchemaError
from puntored.serving.sync.warehouse import DuckDBWarehouse
from puntored.serving.sync.writer import SyncVerificationError
from puntored.settings import Settings
from tests.support.mart_builder import build_marts

DAY_1, DAY_2, DAY_3 = date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)
REPO = Path(__file__).resolve().parent.parent


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


def test_rerun_writes_nothing(sync_settings: Settings) -> None:
    run_sync(sync_settings)
    before = _snapshot(sync_settings)

    result = run_sync(sync_settings)

    assert not result.changed and result.rows_written == 0
    assert all(m.partitions_unchanged == m.partitions_in_warehouse for m in result.marts)
    assert _snapshot(sync_settings) == before


def test_a_rewritten_day_is_the_only_partition_synced_again(sync_settings: Settings) -> None:
    run_sync(sync_settings)
    before = _snapshot(sync_settings)
    # The dbt late-data lookback rewrites day 2 of one mart: one more approved sale somewhere.
    _warehouse(
        sync_settings,
        "UPDATE fct_provider_client_daily SET transactions = transactions + 1, "
        "approved = approved + 1, gross_amount = gross_amount + 1000.10 "
        "WHERE dt = DATE '2026-11-02' AND client_id = 'pos_000003' AND provider_id = 'prov_001'",
    )

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
        database_url="postgresql+psycopg://postgres@127.0.0.1:9/nowhere?connect_timeout=1",
        sync_retry_attempts=3,
        sync_retry_wait_s=0.2,
    )
    started = time.perf_counter()
    with pytest.raises(PuntoredError, match="unreachable after 3 attempts"):
        run_sync(settings)
    assert time.perf_counter() - started >= 0.2 + 0.4  # two exponential backoff waits


def test_missing_schema_asks_for_db_upgrade(data_dir: Path, tmp_path: Path) -> None:
    build_marts(data_dir / "warehouse.duckdb")
    settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{tmp_path / 'empty.sqlite'}")
    with pytest.raises(PuntoredError, match="puntored db upgrade"):
        run_sync(settings)


class _RowDroppingWarehouse(DuckDBWarehouse):
    """Loses one row of fct_provider_daily on the way, as a faulty transfer would."""

    def read(self, mart: Mart, dts: list[date]) -> Iterator[pa.RecordBatch]:
        batches = list(super().read(mart, dts))
        if mart.name == "fct_provider_daily":
            batches[0] = batches[0].slice(1)
        yield from batches


def test_verification_catches_a_serving_copy_that_differs(sync_settings: Settings) -> None:
    warehouse = _RowDroppingWarehouse(sync_settings.duckdb_path)
    with pytest.raises(SyncVerificationError, match="provider_daily_metrics differs"):
        run_sync(sync_settings, warehouse=warehouse)
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


# A sync in a child process that stops mid-write (inside COPY on PostgreSQL, between
# executemany chunks, after the delete, on SQLite) until the test kills it with SIGKILL.
KILLED_SYNC = """
import sys, time
from pathlib import Path
import puntored.serving.sync.writer as writer
from puntored.settings import Settings
from puntored.serving.sync import run_sync

marker = Path(sys.argv[3])

def stall():
    marker.write_text("stalled")
    time.sleep(120)

original_csv, original_chunks = writer._csv_bytes, writer._row_chunks

def csv_then_stall(batch):
    if batch.num_rows == 45:  # fct_provider_client_daily: COPY into staging has begun
        stall()
    return original_csv(batch)

def chunks_then_stall(batches):
    for rows in original_chunks(batches):
        yield rows
        if len(rows) == 45:
            stall()

writer._csv_bytes = csv_then_stall
writer._row_chunks = chunks_then_stall
run_sync(Settings(data_dir=sys.argv[1], database_url=sys.argv[2]))
"""


@pytest.mark.slow
def test_a_sync_killed_midway_leaves_the_previous_state(
    sync_settings: Settings, tmp_path: Path
) -> None:
    run_sync(sync_settings)
    before = _snapshot(sync_settings)
    build_marts(sync_settings.duckdb_path, salt=1)
    marker = tmp_path / "stalled"
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_SYNC, str(sync_settings.data_dir),
         sync_settings.serving_database_url, str(marker)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "the child sync ended before stalling"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        # By now dimensions and two fact marts are committed; the third is mid-write.
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
