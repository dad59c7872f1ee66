"""Benchmark: the marts → serving database sync against raw COPY, in the same run.

    PYTHONPATH=. python benchmarks/sync.py [--providers 10 --clients 5000 --days 20 --runs 3]

1. **Whole load** of ~1 M mart rows (10 providers x 5,000 points of sale x 20 days, plus the
   dimensions and the smaller facts) into a fresh PostgreSQL database, against a raw psycopg
   ``COPY FROM STDIN`` (CSV, prepared in memory before the clock starts) of the client mart's rows
   into a table without keys or indexes: the floor of moving these rows into PostgreSQL. The
   same floor with the rows already in binary COPY form is printed too. Aim: sync >= 0.5x raw
   COPY (rows/s).
2. **Daily sync**: after the whole load, a dbt run adds one day and rebuilds the 5 days before it
   (new ``_built_at``): the sync writes those 6 days.
3. **No-op sync** (nothing rebuilt since the last sync) with 7 and with 90 days of history. Aims:
   <= 1 s, and flat in history (90 days / 7 days <= 1.3).

Each figure is the minimum of ``--runs`` runs (every run is printed); the load average is
printed before and after. Each timed whole load, raw or sync, starts after a ``CHECKPOINT``: the
previous one's WAL and dirty pages are not left for it to pay (without it the sync, which always
ran right after two raw COPYs, paid for their checkpoint while the first raw COPY ran on a clean
server). ``--parts`` runs only some of the three parts. The fact marts' rows are stored day by
day in hash order inside each day, as dbt's incremental ``group by`` runs leave them
(``--row-order``).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import puntored.serving.sync.run as sync_run  # noqa: E402
import puntored.serving.sync.writer as sync_writer  # noqa: E402
from puntored.database.migrate import upgrade  # noqa: E402
from puntored.serving.sync import SyncResult, run_sync  # noqa: E402
from puntored.serving.sync.binary_copy import HEADER, TRAILER, encode_rows  # noqa: E402
from puntored.serving.sync.marts import FACTS  # noqa: E402
from puntored.serving.sync.warehouse import DuckDBWarehouse  # noqa: E402
from puntored.settings import Settings  # noqa: E402
from tests.support.mart_builder import build_marts  # noqa: E402

ADMIN_URL = os.environ.get(
    "PUNTORED_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
CLIENT_MART = FACTS[2]
LOOKBACK_DAYS = 5
PHASES: dict[str, float] = {}
PHASE_ORDER: list[str] = []


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
    PHASE_ORDER.append(label)


_timed(DuckDBWarehouse, "built_at", "plan: _built_at per partition (DuckDB)")
_timed(DuckDBWarehouse, "fingerprints", "warehouse fingerprints (DuckDB)")
_timed(sync_run, "replace_partitions", "read DuckDB + binary COPY + indexes + swap")
_timed(sync_writer, "_copy_rows", "  of which read + encode + binary COPY")
_timed(sync_writer, "_create_index", "  of which index builds (whole loads)")
_timed(sync_writer, "_analyze", "  of which ANALYZE (whole loads)")
_timed(sync_run, "verify", "verify totals in PostgreSQL")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--providers", type=int, default=10)
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--history", type=int, nargs=2, default=[7, 90])
    parser.add_argument("--runs", type=int, default=3)
    parts = ["whole", "daily", "no-op"]
    parser.add_argument("--parts", nargs="+", choices=parts, default=parts)
    parser.add_argument(
        "--row-order",
        choices=["dbt", "builder"],
        default="dbt",
        help="fact rows as dbt leaves them (by day, hash order inside a day; the default), or "
        "in the near key order of the test builder (the figures before decision 0414)",
    )
    args = parser.parse_args()
    print(f"load average before: {_load_average()}")
    aims: list[tuple[str, str, bool]] = []
    with tempfile.TemporaryDirectory(prefix="sync-bench-") as folder:
        if {"whole", "daily"} & set(args.parts):
            aims += _whole_and_daily(Path(folder) / "load", args)
        if "no-op" in args.parts:
            aims += _no_op_in_history(Path(folder), args)
    print(f"load average after:  {_load_average()}")
    print("\naims:")
    for label, value, met in aims:
        print(f"  {label:<46} {value:>10}  {'met' if met else 'NOT met'}")


def _whole_and_daily(data_dir: Path, args: argparse.Namespace) -> list[tuple[str, str, bool]]:
    _build(data_dir, args.days, args)
    if "whole" not in args.parts:
        _daily_report(_daily(data_dir, args))
        return []
    sync_s, copy_s, binary_s = [], [], []
    result: SyncResult | None = None
    phases: dict[str, float] = {}
    for _ in range(args.runs):
        with _database() as url:
            baseline_rows, seconds = _raw_copy(data_dir, url, binary=False)
            copy_s.append(seconds)
            binary_s.append(_raw_copy(data_dir, url, binary=True)[1])
        with _database() as url:
            settings = Settings(data_dir=data_dir, database_url=url)
            _checkpoint(url)
            PHASES.clear()
            seconds, result = _timed_sync(settings)
            if not sync_s or seconds < min(sync_s):
                phases = dict(PHASES)
            sync_s.append(seconds)
    assert result is not None
    rows = result.rows_written
    sync_rate = rows / min(sync_s)
    copy_rate = baseline_rows / min(copy_s)
    binary_rate = baseline_rows / min(binary_s)
    print(f"\nwhole load: {rows:,} mart rows ({result.partitions_written} partitions), "
          f"min of {args.runs}")  # fmt: skip
    print(f"  sync                           {min(sync_s):>7.2f} s  {sync_rate:>10,.0f} rows/s"
          f"  (runs: {_seconds(sync_s)})")  # fmt: skip
    print(f"  raw COPY FROM STDIN (csv)      {min(copy_s):>7.2f} s  {copy_rate:>10,.0f} rows/s"
          f"  ({baseline_rows:,} rows of {CLIENT_MART.name}; "
          f"runs: {_seconds(copy_s)})")  # fmt: skip
    print(f"  raw COPY FROM STDIN (binary)   {min(binary_s):>7.2f} s  {binary_rate:>10,.0f} rows/s"
          f"  (rows already encoded; runs: {_seconds(binary_s)})")  # fmt: skip
    print(f"  ratio sync / raw COPY csv      {sync_rate / copy_rate:>7.2f}")
    print(f"  ratio sync / raw COPY binary   {sync_rate / binary_rate:>7.2f}")
    print("  breakdown of the fastest sync:")
    for label, seconds in _in_order(phases):
        print(f"    {label:<46} {seconds:>6.2f} s")
    if "daily" in args.parts:
        _daily_report(_daily(data_dir, args))
    ratio = sync_rate / copy_rate
    return [("sync >= 0.5x raw COPY (csv), 1 M rows", f"{ratio:.2f}x", ratio >= 0.5)]


def _daily(data_dir: Path, args: argparse.Namespace) -> tuple[float, int, dict[str, float]]:
    with _database() as url:  # the daily runs change the marts: on a copy, after the loads
        daily_dir = data_dir.with_name("daily")
        daily_dir.mkdir()
        shutil.copy(data_dir / "warehouse.duckdb", daily_dir / "warehouse.duckdb")
        settings = Settings(data_dir=daily_dir, database_url=url)
        run_sync(settings)
        return _daily_syncs(settings, args.runs)


def _daily_report(daily: tuple[float, int, dict[str, float]]) -> None:
    daily_s, daily_rows, daily_phases = daily
    print(f"daily sync (1 new day + {LOOKBACK_DAYS} rebuilt): {daily_s:.2f} s, "
          f"{daily_rows:,} rows, {daily_rows / daily_s:,.0f} rows/s")  # fmt: skip
    for label, seconds in _in_order(daily_phases):
        print(f"    {label:<46} {seconds:>6.2f} s")


def _in_order(phases: dict[str, float]) -> list[tuple[str, float]]:
    """The phases in the order the wrappers were installed (each part under its whole)."""
    return [(label, phases[label]) for label in PHASE_ORDER if label in phases]


def _seconds(runs: list[float]) -> str:
    return " ".join(f"{s:.2f}" for s in runs)


def _checkpoint(url: str) -> None:
    """Write out the WAL and dirty pages left by what ran before (not timed)."""
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as pg:
        pg.execute("CHECKPOINT")


def _daily_syncs(settings: Settings, runs: int) -> tuple[float, int, dict[str, float]]:
    """A dbt daily run (one new day, the lookback rebuilt), then the sync; min of ``runs``."""
    best, rows, phases = float("inf"), 0, {}
    for _ in range(runs):
        _dbt_daily_run(settings.duckdb_path)
        PHASES.clear()
        seconds, result = _timed_sync(settings)
        if seconds < best:
            best, rows, phases = seconds, result.rows_written, dict(PHASES)
    return best, rows, phases


def _dbt_daily_run(warehouse: Path) -> None:
    """What dbt's delete+insert does: the lookback days and one new day, rebuilt with the run's
    ``_built_at``, are deleted and appended again."""
    stamp = datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds")
    connection = duckdb.connect(str(warehouse))
    try:
        for mart in FACTS:
            newest = connection.execute(f"SELECT max(dt) FROM {mart.name}").fetchone()[0]  # type: ignore[index]
            first = newest - timedelta(days=LOOKBACK_DAYS - 1)
            connection.execute(
                f"CREATE OR REPLACE TEMP TABLE rebuilt AS SELECT * REPLACE "
                f"(TIMESTAMP '{stamp}' AS _built_at) FROM {mart.name} WHERE dt >= DATE '{first}' "
                f"UNION ALL SELECT * REPLACE (dt + 1 AS dt, TIMESTAMP '{stamp}' AS _built_at) "
                f"FROM {mart.name} WHERE dt = DATE '{newest}'"
            )
            connection.execute(f"DELETE FROM {mart.name} WHERE dt >= DATE '{first}'")
            connection.execute(f"INSERT INTO {mart.name} SELECT * FROM rebuilt")
    finally:
        connection.close()


def _no_op_in_history(folder: Path, args: argparse.Namespace) -> list[tuple[str, str, bool]]:
    seconds = {}
    for days in args.history:
        data_dir = folder / f"history-{days}"
        _build(data_dir, days, args)
        with _database() as url:
            settings = Settings(data_dir=data_dir, database_url=url)
            run_sync(settings)
            runs = [_timed_sync(settings) for _ in range(args.runs)]
            assert not any(result.changed for _, result in runs)
            seconds[days] = min(s for s, _ in runs)
    short, long = args.history
    print(f"no-op sync, min of {args.runs}: " + ", ".join(
        f"{days} days {s:.3f} s" for days, s in seconds.items()
    ))  # fmt: skip
    flat = seconds[long] / seconds[short]
    return [
        *[(f"no-op sync <= 1 s, {days} days", f"{s:.3f} s", s <= 1) for days, s in seconds.items()],
        (f"no-op flat in history ({long} / {short} days <= 1.3)", f"{flat:.2f}x", flat <= 1.3),
    ]


def _build(data_dir: Path, days: int, args: argparse.Namespace) -> None:
    data_dir.mkdir(parents=True)
    build_marts(data_dir / "warehouse.duckdb", days=days, providers=args.providers,
                clients=args.clients, products_per_provider=4)  # fmt: skip
    if args.row_order == "dbt":
        _shuffle_within_days(data_dir / "warehouse.duckdb")


def _shuffle_within_days(warehouse: Path) -> None:
    """Leave the fact rows in the order dbt's runs leave them: day by day (each incremental run
    appends its days), and inside a day in hash-aggregate order (the marts `group by`), not in
    the key order the builder's cross join happens to produce."""
    connection = duckdb.connect(str(warehouse))
    try:
        for mart in FACTS:
            key = ", ".join(c.name for c in mart.table.primary_key.columns)
            connection.execute(f"CREATE OR REPLACE TABLE {mart.name} AS SELECT * FROM {mart.name} "
                               f"ORDER BY dt, hash({key})")  # fmt: skip
    finally:
        connection.close()


def _timed_sync(settings: Settings) -> tuple[float, SyncResult]:
    started = time.perf_counter()
    result = run_sync(settings)
    return time.perf_counter() - started, result


@contextmanager
def _database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database, dropped afterwards."""
    name = f"puntored_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _raw_copy(data_dir: Path, url: str, *, binary: bool) -> tuple[int, float]:
    """COPY the client mart's rows, prepared in memory beforehand, into a plain table."""
    connection = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    columns = ", ".join(c.name for c in CLIENT_MART.columns)
    table = connection.sql(f"SELECT {columns} FROM {CLIENT_MART.name}").to_arrow_table()
    connection.close()
    chunks = _binary_chunks(table) if binary else _csv_chunks(table)
    target = f"raw_copy_{'binary' if binary else 'csv'}"
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as pg:
        pg.execute(f"CREATE TABLE {target} (LIKE {CLIENT_MART.table.name})")
        pg.commit()
        pg.execute("CHECKPOINT")
        started = time.perf_counter()
        with (
            pg.cursor() as cursor,
            cursor.copy(
                f"COPY {target} FROM STDIN (FORMAT {'binary' if binary else 'csv'})"
            ) as copy,
        ):
            for chunk in chunks:
                copy.write(chunk)
        pg.commit()
        elapsed = time.perf_counter() - started
    return table.num_rows, elapsed


def _csv_chunks(table: pa.Table) -> list[bytes]:
    buffer = io.BytesIO()
    pa_csv.write_csv(table, buffer, pa_csv.WriteOptions(include_header=False))
    data = buffer.getvalue()
    return [data[start : start + (1 << 20)] for start in range(0, len(data), 1 << 20)]


def _binary_chunks(table: pa.Table) -> list[bytes]:
    batches = table.to_batches(200_000)
    pieces = [bytes(p) for batch in batches for p in encode_rows(batch, CLIENT_MART.columns)]
    return [HEADER, *pieces, TRAILER]


def _load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min; {os.cpu_count()} cores)"


if __name__ == "__main__":
    main()
