"""Benchmark: `run_sync` of ~1 M mart rows into PostgreSQL against a raw psycopg COPY FROM STDIN
of the same rows into a plain table, in the same run.

    PYTHONPATH=. python benchmarks/sync.py [--clients 5000 --providers 10 --days 20]

The baseline gets its CSV ready in memory before the clock starts and writes into a table with
no keys or indexes: it is the floor of what moving these rows into PostgreSQL costs. The sync
additionally reads DuckDB, fingerprints every partition on both sides, stages, inserts into
the indexed table and records sync_state, all in one transaction per batch.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import uuid
from pathlib import Path

import duckdb
import psycopg
import pyarrow.csv as pa_csv
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import puntored.serving.sync.run as sync_run  # noqa: E402
from puntored.database.migrate import upgrade  # noqa: E402
from puntored.serving.sync import run_sync  # noqa: E402
from puntored.serving.sync.warehouse import DuckDBWarehouse  # noqa: E402
from puntored.settings import Settings  # noqa: E402
from tests.support.mart_builder import build_marts  # noqa: E402

PHASES: dict[str, float] = {}


def _timed(owner: object, name: str, label: str) -> None:
    """Wrap a function of the sync to add its wall time to PHASES[label] (breakdown only)."""
    original = getattr(owner, name)

    def wrapper(*args: object, **kwargs: object) -> object:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            PHASES[label] = PHASES.get(label, 0.0) + time.perf_counter() - started

    setattr(owner, name, wrapper)


_timed(DuckDBWarehouse, "fingerprints", "warehouse fingerprints (DuckDB)")
_timed(sync_run, "replace_partitions", "read DuckDB + COPY to staging + delete/insert")
_timed(sync_run, "verify", "verify fingerprints in PostgreSQL")

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MART = "fct_provider_client_daily"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--providers", type=int, default=10)
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--days", type=int, default=20)
    args = parser.parse_args()
    name = f"puntored_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        with tempfile.TemporaryDirectory(prefix="sync-bench-") as folder:
            _run(Path(folder), url, args)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _run(data_dir: Path, url: str, args: argparse.Namespace) -> None:
    build_marts(
        data_dir / "warehouse.duckdb",
        days=args.days,
        providers=args.providers,
        clients=args.clients,
        products_per_provider=4,
    )
    upgrade(url)
    settings = Settings(data_dir=data_dir, database_url=url)

    started = time.perf_counter()
    result = run_sync(settings)
    sync_s = time.perf_counter() - started
    rows = result.rows_written

    phases = dict(PHASES)
    started = time.perf_counter()
    noop = run_sync(settings)
    noop_s = time.perf_counter() - started
    assert not noop.changed

    baseline_rows, copy_s = _raw_copy(data_dir / "warehouse.duckdb", url)
    sync_rate, copy_rate = rows / sync_s, baseline_rows / copy_s
    print(f"mart rows synced         {rows:>12,}  ({result.partitions_written} partitions)")
    print(f"sync (first, full)       {sync_s:>9.2f} s  {sync_rate:>12,.0f} rows/s")
    print(f"raw COPY FROM STDIN      {copy_s:>9.2f} s  {copy_rate:>12,.0f} rows/s"
          f"  ({baseline_rows:,} rows of {MART})")  # fmt: skip
    print(f"ratio sync / raw COPY    {sync_rate / copy_rate:>9.2f}   (aim >= 0.5)")
    print(f"re-run, nothing changed  {noop_s:>9.2f} s")
    print("first sync breakdown:")
    for label, seconds in phases.items():
        print(f"  {label:<48} {seconds:>6.2f} s")


def _raw_copy(warehouse: Path, url: str) -> tuple[int, float]:
    connection = duckdb.connect(str(warehouse), read_only=True)
    table = connection.sql(f"SELECT * FROM {MART}").to_arrow_table()
    connection.close()
    buffer = io.BytesIO()
    pa_csv.write_csv(table, buffer, pa_csv.WriteOptions(include_header=False))
    data = buffer.getvalue()
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as pg:
        pg.execute("CREATE TABLE raw_copy (LIKE provider_client_daily_metrics)")
        pg.commit()
        started = time.perf_counter()
        with pg.cursor() as cursor, cursor.copy("COPY raw_copy FROM STDIN (FORMAT csv)") as copy:
            for start in range(0, len(data), 1 << 20):
                copy.write(data[start : start + (1 << 20)])
        pg.commit()
        elapsed = time.perf_counter() - started
    return table.num_rows, elapsed


if __name__ == "__main__":
    main()
