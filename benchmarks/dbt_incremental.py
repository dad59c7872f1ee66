"""Benchmark: a daily incremental dbt run must cost what the new day costs, not the history.

Times an incremental `dbt run` that adds one day on top of 7 days of history and on top of 90
days (same events per day, same run), prints both and the ratio (aim <= 1.3); then a full
build of the marts over ~10 M events. Raw Parquet is generated with DuckDB SQL in the lake
layout (fast; the generator and landing job are benchmarked on their own).

    python benchmarks/dbt_incremental.py [--events-per-day 50000] [--full-events 10000000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

from puntored.settings import PROJECT_ROOT, Settings
from puntored.transform.dbt_runner import run_dbt

FIRST_DAY = date(2026, 1, 1)
PROVIDER_PRODUCTS = [
    ("claro", "claro_topup"),
    ("movistar", "movistar_topup"),
    ("tigo", "tigo_bill"),
    ("epm", "epm_bill"),
]

RAW_EVENTS_SQL = """
copy (
    select
        'b' || {first_id} + i as transaction_id,
        case when i % 40 = 0 then 'reversal' else 'sale' end as event_type,
        case when i % 40 = 0 then 'b' || ({first_id} + i - 1) end as reversed_transaction_id,
        timestamptz '{day} 05:00:00+00' + to_microseconds((i % 86400000) * 1000) as event_at,
        ({providers})[1 + i % 4] as provider_id,
        ({products})[1 + i % 4] as product_id,
        'PDV' || lpad(cast(1 + i % 5000 as varchar), 6, '0') as client_id,
        'T1' as terminal_id,
        'pos' as channel,
        'cash' as payment_method,
        cast(1000 + (i * 7919) % 199000 as decimal(18, 2)) as amount,
        cast(((1000 + (i * 7919) % 199000) * 0.045) as decimal(18, 2)) as commission,
        'COP' as currency,
        case when i % 17 = 0 then 'rejected' when i % 29 = 0 then 'failed' else 'approved' end
            as status,
        case when i % 17 = 0 then '51' when i % 29 = 0 then '96' else '00' end as response_code,
        cast(50 + (i * 31) % 2950 as integer) as latency_ms,
        cast(null as varchar) as customer_reference,
        'bench.jsonl.gz' as source_file,
        timestamptz '{day} 23:00:00+00' as ingested_at
    from range({events}) as t(i)
) to '{folder}/part-0.parquet' (format parquet, compression zstd)
"""


def write_days(lake: Path, first: int, days: int, events_per_day: int) -> None:
    con = duckdb.connect()
    providers = "[" + ", ".join(f"'{p}'" for p, _ in PROVIDER_PRODUCTS) + "]"
    products = "[" + ", ".join(f"'{p}'" for _, p in PROVIDER_PRODUCTS) + "]"
    for number in range(first, first + days):
        day = FIRST_DAY + timedelta(days=number)
        folder = lake / "raw" / "transactions" / f"dt={day.isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        sql = RAW_EVENTS_SQL.format(
            first_id=number * events_per_day,
            day=day.isoformat(),
            providers=providers,
            products=products,
            events=events_per_day,
            folder=folder,
        )
        con.execute(sql)
    con.close()


def dbt_run(data_dir: Path, *extra: str) -> tuple[float, float]:
    """Wall time of `dbt run` of the marts, and the summed model execution time dbt reports."""
    started = time.perf_counter()
    result = run_dbt(
        Settings(data_dir=data_dir), ["run", "--select", "+fct_provider_daily+", *extra]
    )
    wall = time.perf_counter() - started
    if not result.succeeded:
        raise SystemExit(f"dbt run failed: {result.failures}")
    results = json.loads((PROJECT_ROOT / "target" / "run_results.json").read_text())["results"]
    return wall, sum(node["execution_time"] for node in results)


def incremental_day_on_top_of(
    history_days: int, events_per_day: int, root: Path
) -> tuple[float, float]:
    data_dir = root / f"history-{history_days}"
    write_days(data_dir / "lake", 0, history_days, events_per_day)
    run_dbt(Settings(data_dir=data_dir), ["seed"])
    dbt_run(data_dir, "--full-refresh")
    write_days(data_dir / "lake", history_days, 1, events_per_day)
    return dbt_run(data_dir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events-per-day", type=int, default=50_000)
    parser.add_argument("--full-events", type=int, default=10_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-dbt-") as scratch:
        root = Path(scratch)
        short_wall, short_models = incremental_day_on_top_of(7, args.events_per_day, root)
        long_wall, long_models = incremental_day_on_top_of(90, args.events_per_day, root)
        print(f"events per day: {args.events_per_day:,}")
        print(
            f"incremental +1 day on  7 days: wall {short_wall:6.2f} s, models {short_models:6.2f} s"
        )
        print(
            f"incremental +1 day on 90 days: wall {long_wall:6.2f} s, models {long_models:6.2f} s"
        )
        print(
            f"ratio 90/7: wall {long_wall / short_wall:.2f},"
            f" models {long_models / short_models:.2f} (aim <= 1.3)"
        )

        full_dir = root / "full"
        days = 30
        write_days(full_dir / "lake", 0, days, args.full_events // days)
        run_dbt(Settings(data_dir=full_dir), ["seed"])
        full_wall, full_models = dbt_run(full_dir, "--full-refresh")
        print(
            f"full build on {args.full_events:,} events ({days} days): wall {full_wall:.2f} s,"
            f" models {full_models:.2f} s, {args.full_events / full_wall:,.0f} events/s"
        )


if __name__ == "__main__":
    main()
