"""Benchmark: the Spark landing job against a DuckDB ``COPY … PARTITION_BY`` of the same input.

Writes N valid events (default 1 M and 5 M) as gzipped JSON lines in the landing layout, then
times, in the same run on the same machine:
  - spark:  ``run_landing`` (file checks, typed parse, validation, dedup, merge, write, counts)
            on a Spark session started beforehand (start-up time printed separately);
  - duckdb: ``COPY (select …, dt from read_json(…)) TO … (PARTITION_BY dt)`` — parse with the
            same explicit columns and write dt-partitioned ZSTD Parquet, no validation.
Prints rows/s for both and the ratio spark/duckdb.

    python benchmarks/land.py [--events 1000000 5000000] [--work /tmp/land-bench]
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np

from puntored.contract.dbt import raw_transactions_columns
from puntored.glue.landing.local import run_landing
from puntored.glue.landing.session import local_session
from puntored.reference.load import load_reference
from puntored.settings import Settings

FIRST_DAY = date(2026, 11, 2)
DAYS = 7
FILES_PER_DAY = 24


def write_input(landing: Path, events: int, seed: int = 7) -> None:
    """Valid events spread over DAYS days, one file per arrival hour."""
    rng = np.random.default_rng(seed)
    products = load_reference().products
    per_file = events // (DAYS * FILES_PER_DAY)
    jobs = []
    n = 0
    for day_index in range(DAYS):
        day = FIRST_DAY + timedelta(days=day_index)
        for hour in range(FILES_PER_DAY):
            count = per_file if (day_index, hour) != (DAYS - 1, 23) else events - n
            jobs.append((landing, day, hour, n, count, int(rng.integers(1 << 31))))
            n += count
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda job: _write_file(*job, products=products), jobs))


def _write_file(landing, day, hour, start, count, seed, products) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    product_index = rng.integers(len(products), size=count)
    amounts = rng.integers(1, 200, size=count) * 1000
    seconds = rng.integers(3600, size=count)
    latency = rng.integers(50, 3000, size=count)
    utc_hour = hour + 5
    utc_day = day + timedelta(days=utc_hour // 24)
    prefix = f"{utc_day.isoformat()}T{utc_hour % 24:02d}:"
    lines = []
    for i in range(count):
        product = products[product_index[i]]
        s = int(seconds[i])
        lines.append(
            f'{{"transaction_id":"tx-{start + i:09d}","event_type":"sale",'
            f'"reversed_transaction_id":null,"event_at":"{prefix}{s // 60:02d}:{s % 60:02d}.000Z",'
            f'"provider_id":"{product.provider_id}","product_id":"{product.product_id}",'
            f'"client_id":"pos-{i % 5000:05d}","terminal_id":"t-{i % 7}","channel":"pos",'
            f'"payment_method":"cash","amount":{amounts[i]}.00,"commission":{amounts[i] // 40}.00,'
            f'"currency":"COP","status":"approved","response_code":"00",'
            f'"latency_ms":{latency[i]},"customer_reference":null}}\n'
        )
    folder = landing / "transactions" / f"arrival_date={day}" / f"hour={hour:02d}"
    folder.mkdir(parents=True, exist_ok=True)
    with gzip.open(folder / "part-00000.jsonl.gz", "wt", compresslevel=1) as handle:
        handle.write("".join(lines))


def time_duckdb(landing: Path, out: Path) -> float:
    columns = {
        name: ("timestamptz" if kind == "timestamp" else kind)
        for name, kind in raw_transactions_columns()
        if name not in ("source_file", "ingested_at", "dt")
    }
    column_sql = "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"
    connection = duckdb.connect()
    connection.execute("set threads = 2; set timezone = 'UTC'")
    start = time.perf_counter()
    connection.execute(
        f"""copy (
            select *, filename as source_file, now() as ingested_at,
                   cast(timezone('America/Bogota', event_at) as date) as dt
            from read_json('{landing}/transactions/*/*/*.jsonl.gz', columns = {column_sql},
                           format = 'newline_delimited', filename = true)
        ) to '{out}' (format parquet, compression zstd, partition_by (dt))"""
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/land-bench"))
    args = parser.parse_args()
    start = time.perf_counter()
    spark = local_session()
    print(f"spark session start: {time.perf_counter() - start:.1f} s (not in the figures below)")
    print(
        f"{'events':>10} {'spark s':>8} {'spark rows/s':>13} {'duckdb s':>9} "
        f"{'duckdb rows/s':>14} {'ratio':>6}"
    )
    for events in args.events:
        root = args.work / str(events)
        shutil.rmtree(root, ignore_errors=True)
        settings = Settings(data_dir=root)
        write_input(settings.landing_dir, events)
        duck = time_duckdb(settings.landing_dir, root / "duckdb-lake")
        start = time.perf_counter()
        result = run_landing(settings, spark=spark)
        spark_s = time.perf_counter() - start
        assert result.landed == events, result
        print(
            f"{events:>10,} {spark_s:>8.1f} {events / spark_s:>13,.0f} {duck:>9.1f} "
            f"{events / duck:>14,.0f} {spark_s / duck:>5.1f}x"
        )
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
