"""Benchmark: the Spark landing job against two baselines on the same input (decision 0202).

Writes N valid events (default 1 M and 5 M) as gzipped JSON lines in the landing layout, then
times, in the same run on the same machine and the same Spark session:
  - spark:   ``run_landing`` (file checks, typed parse, validation, dedup, merge, write, counts)
             on a Spark session started beforehand (start-up time printed separately);
  - minimal: the least a PySpark job can do with the same rules' shape: text → ``from_json``
             with the contract schema → ``dropDuplicates(transaction_id)`` → dt-partitioned
             ZSTD Parquet (no validation, no quarantine, no merge, no counts);
  - duckdb:  ``COPY (select …, dt from read_json(…)) TO … (PARTITION_BY dt)`` — parse with the
             same explicit columns and write dt-partitioned ZSTD Parquet, no validation.
Each is the minimum of ``--repeat`` runs. Prints the Spark jobs per landing run, the fixed cost
(a landing run over one small day), and each aim of issue 14 with its ratio and whether it is met.

    python benchmarks/land.py [--events 1000000 5000000] [--repeat 3] [--work /tmp/land-bench]
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from puntored.contract.dbt import raw_transactions_columns
from puntored.contract.spark import transaction_schema
from puntored.glue.landing.local import run_landing
from puntored.glue.landing.session import local_session
from puntored.reference.load import Product, load_reference
from puntored.settings import Settings

FIRST_DAY = date(2026, 11, 2)
DAYS = 7
FILES_PER_DAY = 24
SMALL_DAY_EVENTS = 2_400  # the fixed-cost run: one day, 24 hourly files of 100 events
AIM_MINIMAL = 1.3  # spark <= 1.3 x the minimal Spark job
AIM_DUCKDB = 5.0  # spark <= 5 x DuckDB at 5 M rows
AIM_DUCKDB_AT = 5_000_000


def write_input(landing: Path, events: int, seed: int = 7, days: int = DAYS) -> None:
    """Valid events spread over ``days`` days, one file per arrival hour."""
    rng = np.random.default_rng(seed)
    reference = load_reference()
    products, clients = reference.products, [c.client_id for c in reference.clients]
    per_file = events // (days * FILES_PER_DAY)
    jobs: list[tuple[Path, date, int, int, int, int]] = []
    n = 0
    for day_index in range(days):
        day = FIRST_DAY + timedelta(days=day_index)
        for hour in range(FILES_PER_DAY):
            count = per_file if (day_index, hour) != (days - 1, 23) else events - n
            jobs.append((landing, day, hour, n, count, int(rng.integers(1 << 31))))
            n += count

    def write(job: tuple[Path, date, int, int, int, int]) -> None:
        _write_file(*job, products, clients)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(write, jobs))


def _write_file(
    landing: Path,
    day: date,
    hour: int,
    start: int,
    count: int,
    seed: int,
    products: Sequence[Product],
    clients: Sequence[str],
) -> None:
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
            f'"client_id":"{clients[i % len(clients)]}","terminal_id":"t-{i % 7}","channel":"pos",'
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
    shutil.rmtree(out, ignore_errors=True)
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


def time_minimal(spark: SparkSession, landing: Path, out: Path) -> float:
    """The minimal PySpark job: text → from_json → dropDuplicates → partitioned Parquet."""
    start = time.perf_counter()
    event = F.from_json("value", transaction_schema()).alias("event")
    events = spark.read.text(str(landing / "transactions")).select(event).select("event.*")
    dt = F.to_date(F.from_utc_timestamp("event_at", "America/Bogota"))
    (
        events.withColumn("dt", dt)
        .dropDuplicates(["transaction_id"])
        .write.mode("overwrite")
        .option("compression", "zstd")
        .partitionBy("dt")
        .parquet(str(out))
    )
    return time.perf_counter() - start


def time_landing(spark: SparkSession, root: Path, events: int) -> tuple[float, int]:
    """One landing run over a fresh lake: seconds and Spark jobs it started."""
    settings = Settings(data_dir=root)
    for stale in (settings.lake_dir, settings.state_dir):
        shutil.rmtree(stale, ignore_errors=True)
    group = f"land-bench-{time.monotonic_ns()}"
    spark.sparkContext.setJobGroup(group, "landing benchmark run")
    start = time.perf_counter()
    result = run_landing(settings, spark=spark)
    seconds = time.perf_counter() - start
    jobs = len(spark.sparkContext.statusTracker().getJobIdsForGroup(group))
    spark.sparkContext.setJobGroup("", "")
    assert result.landed == events, result
    return seconds, jobs


def aim(name: str, ratio: float, limit: float, where: str = "") -> str:
    met = "met" if ratio <= limit else "not met"
    return f"aim {name} <= {limit:g}{where}: {ratio:.2f} {met}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/land-bench"))
    args = parser.parse_args()
    start = time.perf_counter()
    spark = local_session()
    print(f"spark session start: {time.perf_counter() - start:.1f} s (not in the figures below)")
    fixed = fixed_cost(spark, args.work / "small-day", args.repeat)
    print(
        f"fixed cost: a landing run over one small day ({SMALL_DAY_EVENTS:,} events, "
        f"{FILES_PER_DAY} files): {fixed[0]:.2f} s, {fixed[1]} Spark jobs (min of {args.repeat})"
    )
    print(
        f"{'events':>10} {'spark s':>8} {'jobs':>5} {'minimal s':>10} {'duckdb s':>9} "
        f"{'spark rows/s':>13} {'/minimal':>9} {'/duckdb':>8}"
    )
    aims = []
    for events in args.events:
        root = args.work / str(events)
        shutil.rmtree(root, ignore_errors=True)
        landing = Settings(data_dir=root).landing_dir
        write_input(landing, events)
        spark_s, minimal_s, duck_s, jobs = [], [], [], 0
        for _ in range(args.repeat):
            duck_s.append(time_duckdb(landing, root / "duckdb-lake"))
            minimal_s.append(time_minimal(spark, landing, root / "minimal-lake"))
            seconds, jobs = time_landing(spark, root, events)
            spark_s.append(seconds)
        best, minimal, duck = min(spark_s), min(minimal_s), min(duck_s)
        print(
            f"{events:>10,} {best:>8.1f} {jobs:>5} {minimal:>10.1f} {duck:>9.1f} "
            f"{events / best:>13,.0f} {best / minimal:>8.2f}x {best / duck:>7.1f}x"
        )
        aims.append(aim(f"spark/minimal at {events:,}", best / minimal, AIM_MINIMAL))
        if events == AIM_DUCKDB_AT:
            aims.append(aim("spark/duckdb", best / duck, AIM_DUCKDB, f" at {events:,}"))
        shutil.rmtree(root, ignore_errors=True)
    if AIM_DUCKDB_AT not in args.events:
        aims.append(f"aim spark/duckdb <= {AIM_DUCKDB:g} at {AIM_DUCKDB_AT:,}: not measured")
    print("\n".join(aims))
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def fixed_cost(spark: SparkSession, root: Path, repeat: int) -> tuple[float, int]:
    """A landing run over one small day, warm session: the per-run cost that does not scale."""
    shutil.rmtree(root, ignore_errors=True)
    write_input(Settings(data_dir=root).landing_dir, SMALL_DAY_EVENTS, days=1)
    runs = [time_landing(spark, root, SMALL_DAY_EVENTS) for _ in range(repeat)]
    shutil.rmtree(root, ignore_errors=True)
    return min(seconds for seconds, _ in runs), runs[-1][1]


if __name__ == "__main__":
    main()
