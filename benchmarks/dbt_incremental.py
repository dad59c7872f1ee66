"""Benchmark: a daily dbt transform must cost what the new day costs, not the history.

1. The whole daily ``puntored transform`` (``dbt build``: seeds, models, unit and data tests;
   wall time) adding one day on top of 7 and of 90 days of history, same events per day, same
   run; min of ``--runs`` runs each; ratio 90/7, aim <= 1.3 (issue 14). Baseline in the same
   run: the same build testing every row (``test_scope=all``, what it did before decision 0320).
2. Models only (``dbt run`` of the marts), same histories.
3. A full build of the marts over ~10 M events (``--full-events 0`` skips it).
Raw Parquet is generated with DuckDB SQL in the lake layout (the generator and the landing job
are benchmarked on their own). Prints the load average: the machine is shared.

    python benchmarks/dbt_incremental.py [--events-per-day 50000] [--runs 3] [--full-events N]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb

from puntored.settings import Settings
from puntored.transform.dbt_runner import DbtPaths, TestScope, run_dbt, run_transform

AIM = 1.3
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
    settings = Settings(data_dir=data_dir)
    started = time.perf_counter()
    result = run_dbt(settings, ["run", "--select", "+fct_provider_daily+", *extra])
    wall = time.perf_counter() - started
    if not result.succeeded:
        raise SystemExit(f"dbt run failed: {result.failures}")
    results = json.loads(DbtPaths.of(settings).run_results.read_text())["results"]
    return wall, sum(node["execution_time"] for node in results)


@dataclass(frozen=True, order=True)
class Timing:
    wall: float  # the whole command, dbt start-up and parsing included
    elapsed: float = 0.0  # dbt's own run time, after parsing
    by_type: dict[str, float] = field(default_factory=dict, compare=False)

    def breakdown(self) -> str:
        nodes = ", ".join(f"{kind} {seconds:.1f}" for kind, seconds in sorted(self.by_type.items()))
        start_up = self.wall - self.elapsed
        return (
            f"wall {self.wall:.1f} s = start-up and parse {start_up:.1f} s"
            f" + run {self.elapsed:.1f} s (node seconds: {nodes})"
        )


@dataclass
class History:
    """A data root with `days` days landed and built; each daily run lands one more day."""

    data_dir: Path
    days: int
    events_per_day: int

    @classmethod
    def build(cls, root: Path, days: int, events_per_day: int) -> History:
        history = cls(root / f"history-{days}", days, events_per_day)
        write_days(history.data_dir / "lake", 0, days, events_per_day)
        run_transform(Settings(data_dir=history.data_dir), full_refresh=True)
        return history

    def land_next_day(self) -> None:
        write_days(self.data_dir / "lake", self.days, 1, self.events_per_day)
        self.days += 1

    def daily_transform(self, scope: TestScope, *dbt_args: str) -> Timing:
        """Wall time of the whole `puntored transform` after one more day landed (with extra
        dbt arguments: the same `dbt build` the runner starts, plus `dbt_args`)."""
        self.land_next_day()
        settings = Settings(data_dir=self.data_dir)
        started = time.perf_counter()
        if dbt_args:
            variables = json.dumps({"test_scope": scope})
            result = run_dbt(settings, ["build", "--vars", variables, *dbt_args])
            if not result.succeeded:
                raise SystemExit(f"dbt build {' '.join(dbt_args)} failed: {result.failures}")
        else:
            run_transform(settings, test_scope=scope)
        wall = time.perf_counter() - started
        results = json.loads(DbtPaths.of(settings).run_results.read_text())
        by_type: dict[str, float] = {}
        for node in results["results"]:
            kind = node["unique_id"].split(".")[0]
            by_type[kind] = by_type.get(kind, 0.0) + node["execution_time"]
        return Timing(wall, results["elapsed_time"], by_type)

    def daily_models(self) -> tuple[float, float]:
        self.land_next_day()
        return dbt_run(self.data_dir)


def interleaved(
    runs: int, short: History, long: History, scope: TestScope
) -> tuple[Timing, Timing]:
    """Fastest of `runs` daily transforms on each history, alternating (same load for both)."""
    short_runs, long_runs = [], []
    for _ in range(runs):
        short_runs.append(short.daily_transform(scope))
        long_runs.append(long.daily_transform(scope))
    return min(short_runs), min(long_runs)


# Ideas for the fixed cost of a daily run, timed on the 90-day history (decision 0321).
IDEAS = {
    "no unit tests": ("--exclude-resource-type", "unit_test"),
    "no seed reload": ("--exclude", "resource_type:seed"),
    "no partial parse (full parse)": ("--no-partial-parse",),
}


def try_ideas(runs: int, long: History) -> None:
    reference = min(long.daily_transform("changed") for _ in range(runs))
    print(f"ideas on 90 days (min of {runs}): as shipped {reference.breakdown()}")
    for idea, dbt_args in IDEAS.items():
        timing = min(long.daily_transform("changed", *dbt_args) for _ in range(runs))
        print(
            f"  {idea}: wall {timing.wall:.2f} s, {timing.wall / reference.wall:.2f}x as shipped"
            f" ({timing.breakdown()})"
        )


def verdict(ratio: float) -> str:
    return "met" if ratio <= AIM else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events-per-day", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--full-events", type=int, default=10_000_000)
    parser.add_argument("--ideas", action="store_true", help="time the fixed-cost ideas too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-dbt-") as scratch:
        root = Path(scratch)
        print(f"load average at start (1, 5, 15 min): {os.getloadavg()}")
        short = History.build(root, 7, args.events_per_day)
        long = History.build(root, 90, args.events_per_day)
        print(f"events per day: {args.events_per_day:,}; min of {args.runs} runs")
        scopes: tuple[tuple[TestScope, str], ...] = (
            ("changed", "daily transform"),
            ("all", "baseline: test every row"),
        )
        aims: list[tuple[str, str, bool]] = []
        for scope, label in scopes:
            short_run, long_run = interleaved(args.runs, short, long, scope)
            ratio = long_run.wall / short_run.wall
            if scope == "changed":
                aims.append(
                    (f"daily transform 90 / 7 days <= {AIM} (wall)", f"{ratio:.2f}x", ratio <= AIM)
                )
            print(
                f"{label} (dbt build, test_scope={scope}): 7 days {short_run.wall:.2f} s,"
                f" 90 days {long_run.wall:.2f} s, ratio 90/7 {ratio:.2f}"
                + (f" (aim <= {AIM}: {verdict(ratio)})" if scope == "changed" else "")
            )
            print(f"  7 days:  {short_run.breakdown()}")
            print(f"  90 days: {long_run.breakdown()}")
        short_models = min(short.daily_models() for _ in range(args.runs))
        long_models = min(long.daily_models() for _ in range(args.runs))
        wall_ratio = long_models[0] / short_models[0]
        print(
            f"models only (dbt run): 7 days wall {short_models[0]:6.2f} s"
            f" (models {short_models[1]:.2f} s), 90 days wall {long_models[0]:6.2f} s"
            f" (models {long_models[1]:.2f} s), ratio 90/7 wall {wall_ratio:.2f},"
            f" models {long_models[1] / short_models[1]:.2f}"
        )
        if args.ideas:
            try_ideas(args.runs, long)
        if args.full_events:
            full_build(root / "full", args.full_events)
        print(f"load average (1, 5, 15 min): {os.getloadavg()} on {os.cpu_count()} cores")
        print("\naims:")
        for aim, value, met in aims:
            print(f"  {aim:<46} {value:>10}  {'met' if met else 'NOT met'}")


def full_build(data_dir: Path, events: int) -> None:
    days = 30
    write_days(data_dir / "lake", 0, days, events // days)
    run_dbt(Settings(data_dir=data_dir), ["seed"])
    wall, models = dbt_run(data_dir, "--full-refresh")
    print(
        f"full build on {events:,} events ({days} days): wall {wall:.2f} s,"
        f" models {models:.2f} s, {events / wall:,.0f} events/s"
    )


if __name__ == "__main__":
    main()
